#include "application/app.h"

#include "platform/globalhotkey.h"
#include "core/qtfmt.h"
#include "platform/keychain/keychainsecretstore.h"
#include "platform/platformfactory.h"
#include "platform/screengrabber.h"
#include "core/server/processguard.h"
#include "core/settingkeys.h"

#include <QCoreApplication>
#include <QDir>
#include <QStandardPaths>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace Llamadesk
{
namespace
{
template<typename T>
std::unique_ptr<T> orDefault(std::unique_ptr<T> given, std::unique_ptr<T> (*make)())
{
    return given ? std::move(given) : make();
}

std::unique_ptr<SecretStore> systemKeychain()
{
    return std::make_unique<KeychainSecretStore>(QStringLiteral("llamadesk"));
}

std::unique_ptr<GlobalHotkey> voiceKeys()
{
    return Platform::createGlobalHotkey(QKeyCombination(Qt::ControlModifier | Qt::ShiftModifier, Qt::Key_V));
}

std::unique_ptr<GlobalHotkey> screenshotKeys()
{
    return Platform::createGlobalHotkey(QKeyCombination(Qt::ControlModifier | Qt::ShiftModifier, Qt::Key_S));
}

QString orPath(const QString &given, const QString &fallback)
{
    return given.isEmpty() ? fallback : given;
}
} // namespace

App::App(AppOptions options)
    : m_logDirectory(options.logDirectory)
    , m_autostart(options.autostart)
    , m_settings(orPath(options.settingsFile, Settings::defaultFilePath()))
    , m_secrets(orDefault(std::move(options.secrets), &systemKeychain))
    , m_serverKey(m_settings, *m_secrets)
    , m_guard(orDefault(std::move(options.processGuard), &Platform::createProcessGuard))
    , m_supervisor(m_guard.get(), options.supervisor)
    , m_store(orPath(options.chatDatabase, ChatStore::defaultPath()))
    , m_library(orPath(options.modelsCache, QStandardPaths::writableLocation(QStandardPaths::CacheLocation)
                                                     + QStringLiteral("/models.json")))
    , m_modelFolders(options.modelFolders.value_or(modelFolders(ModelFolderEnvironment::current({}))))
    , m_session(m_store, m_client, m_settings)
    , m_voiceInput(m_capture, m_client, m_settings)
    , m_voiceKeys(orDefault(std::move(options.voiceHotkey), &voiceKeys))
    , m_screenshotKeys(orDefault(std::move(options.screenshotHotkey), &screenshotKeys))
    , m_grabber(orDefault(std::move(options.screenGrabber), &Platform::createScreenGrabber))
    , m_voiceHotkey(*m_voiceKeys, m_settings, Keys::AudioGlobalHotkey)
    , m_screenshotHotkey(*m_screenshotKeys, m_settings, Keys::VisionGlobalHotkey)
    , m_server(m_settings, m_supervisor, m_client)
    , m_chat(m_store, m_session, m_server, m_settings)
    , m_voice(m_voiceInput, options.microphoneAvailable.value_or(m_capture.isAvailable()), m_server, m_chat, m_settings, m_voiceHotkey)
    , m_models(m_library, m_settings, m_server, m_chat, std::move(options.memory))
{
    spdlog::info("Child processes are guarded by {}", m_guard->description());
    // Every start (autostart, the settings' Start, a banner's Retry) waits until the key is there.
    m_serverKey.holdStartsUntilReady(m_supervisor);

    m_startupProblems = m_settings.loadWarnings();
    if (const StoreStatus opened = m_store.open(); !opened)
        m_startupProblems.append(
            QCoreApplication::translate("App", "Conversations cannot be saved: %1").arg(opened.message()));
    else if (!m_store.openNotice().isEmpty())
        m_startupProblems.append(m_store.openNotice());
    if (const int interrupted = m_store.recoverInterrupted().valueOr(0); interrupted > 0)
        spdlog::info("{} answer(s) were cut off when Llamadesk last stopped; marked as interrupted", interrupted);
    // The whole file is checked off the GUI thread, after the window shows; damage is reported
    // and the file is moved aside at the next start (nothing deleted).
    connect(&m_store, &ChatStore::integrityChecked, this, [this](const QString &problem) {
        if (!problem.isEmpty())
            Q_EMIT problemFound(problem);
    });

    connect(&m_settings, &Settings::changed, &m_library, [this](const QString &key) {
        if (key == Keys::ModelsFolders.toString() && m_started)
            m_library.setFolders(libraryFolders());
    });

    m_capture.setDevice(m_settings.get(Keys::AudioInputDevice).toUtf8());
    connect(&m_settings, &Settings::changed, &m_capture, [this](const QString &key) {
        if (key == Keys::AudioInputDevice.toString())
            m_capture.setDevice(m_settings.get(Keys::AudioInputDevice).toUtf8());
    });
}

App::~App() = default;

void App::start()
{
    if (std::exchange(m_started, true))
        return;
    if (m_store.isOpen())
        m_store.startIntegrityCheck();
    // On its own thread: the window does not wait for the disk.
    m_library.setFolders(libraryFolders());
    // The key is read asynchronously (the keychain answers over D-Bus); the server starts once it
    // is there, so that it never runs without one.
    if (m_autostart)
        connect(&m_serverKey, &ServerKey::ready, &m_server, &ServerController::autostart, Qt::SingleShotConnection);
    m_serverKey.load();
}

QStringList App::startupProblems() const
{
    return m_startupProblems;
}

QString App::logDirectory() const
{
    return m_logDirectory;
}

QList<ModelFolder> App::libraryFolders() const
{
    QList<ModelFolder> folders = m_modelFolders;
    const QStringList own = m_settings.get(Keys::ModelsFolders).split(u'\n', Qt::SkipEmptyParts);
    for (const QString &line : own) {
        const QString path = QDir::cleanPath(line.trimmed());
        const bool known = std::any_of(folders.cbegin(), folders.cend(), [&](const ModelFolder &f) { return f.path == path; });
        if (!known)
            folders.append({path, ModelFolder::Source::User});
    }
    return folders;
}

ModelLibrary &App::library()
{
    return m_library;
}

ModelsController &App::models()
{
    return m_models;
}

Settings &App::settings()
{
    return m_settings;
}

ServerKey &App::serverKey()
{
    return m_serverKey;
}

ServerSupervisor &App::supervisor()
{
    return m_supervisor;
}

ChatStore &App::store()
{
    return m_store;
}

ChatClient &App::client()
{
    return m_client;
}

ChatSession &App::session()
{
    return m_session;
}

AudioCapture &App::capture()
{
    return m_capture;
}

VoiceInput &App::voiceInput()
{
    return m_voiceInput;
}

ScreenGrabber &App::screenGrabber()
{
    return *m_grabber;
}

SettingHotkey &App::voiceHotkey()
{
    return m_voiceHotkey;
}

SettingHotkey &App::screenshotHotkey()
{
    return m_screenshotHotkey;
}

ServerController &App::server()
{
    return m_server;
}

ChatController &App::chat()
{
    return m_chat;
}

VoiceController &App::voice()
{
    return m_voice;
}
} // namespace Llamadesk
