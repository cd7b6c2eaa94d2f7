#include "core/secrets/serverkey.h"

#include "core/qtfmt.h"
#include "core/secrets/secretstore.h"
#include "core/server/preflight.h"
#include "core/server/serversupervisor.h"
#include "core/settingkeys.h"
#include "core/settings.h"

#include <QPointer>

#include <spdlog/spdlog.h>

namespace Llamadesk
{
QString ServerKey::secretName()
{
    return QStringLiteral("server-api-key");
}

ServerKey::ServerKey(Settings &settings, SecretStore &store, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_store(store)
{
    connect(&m_settings, &Settings::changed, this, &ServerKey::onSettingChanged);
}

void ServerKey::load()
{
    const QString inFile = m_settings.get(Keys::ServerApiKey);
    if (!inFile.isEmpty()) {
        m_key = inFile;
        m_location = Location::SettingsFile;
        spdlog::info("The server's API key is the one in the settings file {}", m_settings.filePath());
        QMetaObject::invokeMethod(this, &ServerKey::setReady, Qt::QueuedConnection);
        return;
    }
    QPointer<ServerKey> self(this);
    m_store.read(secretName(), [self](const SecretResult &result) {
        if (!self)
            return;
        switch (result.status) {
        case SecretResult::Status::Ok:
            if (!Settings::validate(Keys::ServerApiKey.toString(), result.value) && !result.value.isEmpty()) {
                self->m_key = result.value;
                self->m_location = Location::SecretStore;
                (void)self->m_settings.setSessionValue(Keys::ServerApiKey.toString(), result.value);
                spdlog::info("The server's API key was read from {}", self->m_store.description());
                self->setReady();
                return;
            }
            spdlog::warn("The server's API key in {} is not a valid key; a new one is generated",
                         self->m_store.description());
            self->m_location = Location::SecretStore;
            self->store(generateApiKey());
            return;
        case SecretResult::Status::NotFound:
            spdlog::info("No server API key yet; a new one is generated and stored in {}", self->m_store.description());
            self->m_location = Location::SecretStore;
            self->store(generateApiKey());
            return;
        case SecretResult::Status::Unavailable:
        case SecretResult::Status::Failed:
            self->keepInSettingsFile(generateApiKey(), result.error);
            return;
        }
    });
}

void ServerKey::regenerate()
{
    const QString key = generateApiKey();
    if (m_location == Location::SecretStore) {
        store(key);
        return;
    }
    keepInSettingsFile(key, {});
}

void ServerKey::holdStartsUntilReady(ServerSupervisor &supervisor)
{
    if (m_ready)
        return;
    supervisor.holdStarts(tr("Waiting for the server's API key from %1").arg(m_store.description()));
    connect(this, &ServerKey::ready, &supervisor, &ServerSupervisor::releaseStarts, Qt::SingleShotConnection);
}

bool ServerKey::isReady() const
{
    return m_ready;
}

ServerKey::Location ServerKey::location() const
{
    return m_location;
}

// A key set by someone else: written to the file already (nothing to do), or put into Settings
// for this run only (the dialog's Regenerate), which is stored where the key lives.
void ServerKey::onSettingChanged(const QString &name)
{
    if (name != Keys::ServerApiKey.toString())
        return;
    const QString key = m_settings.get(Keys::ServerApiKey);
    if (key == m_key)
        return;
    m_key = key;
    if (!m_settings.isSessionValue(name)) {
        m_location = Location::SettingsFile;
        return;
    }
    if (m_location == Location::SecretStore)
        store(key);
    else
        keepInSettingsFile(key, {});
}

void ServerKey::store(const QString &key)
{
    m_key = key;
    QPointer<ServerKey> self(this);
    m_store.write(secretName(), key, [self, key](const SecretResult &result) {
        if (!self)
            return;
        if (result.status != SecretResult::Status::Ok) {
            self->keepInSettingsFile(key, result.error);
            return;
        }
        self->m_key = key;
        self->m_location = Location::SecretStore;
        if (const auto error = self->m_settings.setSessionValue(Keys::ServerApiKey.toString(), key))
            spdlog::error("The generated API key was refused: {}", *error);
        spdlog::info("The server's API key is stored in {}", self->m_store.description());
        self->setReady();
    });
}

void ServerKey::keepInSettingsFile(const QString &key, const QString &why)
{
    m_key = key;
    const QString path = m_settings.filePath();
    // Settings makes its folder 0700 and its file 0600 before the first write (and tightens a
    // file an earlier version left readable), so the key is never readable by others, not even
    // for a moment.
    if (const auto error = m_settings.setValue(Keys::ServerApiKey.toString(), key)) {
        spdlog::error("The server's API key could not be saved: {}", *error);
        (void)m_settings.setSessionValue(Keys::ServerApiKey.toString(), key);
    }
    m_location = Location::SettingsFile;
    if (!why.isEmpty())
        spdlog::warn("No keychain answered ({}); the server's API key is kept in the settings file {} instead, "
                     "readable by you only (mode 0600)",
                     why, path);
    else
        spdlog::info("The server's API key is kept in the settings file {} (mode 0600)", path);
    setReady();
}

void ServerKey::setReady()
{
    const bool first = !m_ready;
    m_ready = true;
    if (first)
        Q_EMIT ready();
}
} // namespace Llamadesk
