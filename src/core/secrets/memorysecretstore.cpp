#include "core/secrets/memorysecretstore.h"

#include <QMetaObject>

namespace Llamadesk
{
MemorySecretStore::MemorySecretStore(QObject *parent)
    : QObject(parent)
{
}

QString MemorySecretStore::description() const
{
    return QStringLiteral("memory");
}

void MemorySecretStore::read(const QString &name, Done done)
{
    SecretResult result;
    if (!m_available) {
        result.status = SecretResult::Status::Unavailable;
        result.error = QStringLiteral("no secret store is available");
    } else if (const auto it = m_entries.constFind(name); it != m_entries.constEnd()) {
        result.status = SecretResult::Status::Ok;
        result.value = *it;
    } else {
        result.status = SecretResult::Status::NotFound;
    }
    answer(std::move(done), result);
}

void MemorySecretStore::write(const QString &name, const QString &secret, Done done)
{
    SecretResult result;
    if (!m_available) {
        result.status = SecretResult::Status::Unavailable;
        result.error = QStringLiteral("no secret store is available");
    } else {
        m_entries.insert(name, secret);
        ++m_writes;
        result.status = SecretResult::Status::Ok;
    }
    answer(std::move(done), result);
}

void MemorySecretStore::setAvailable(bool available)
{
    m_available = available;
}

QHash<QString, QString> MemorySecretStore::entries() const
{
    return m_entries;
}

int MemorySecretStore::writeCount() const
{
    return m_writes;
}

// Queued, as a real keychain answers later: callers must not rely on an answer inside the call.
void MemorySecretStore::answer(Done done, SecretResult result)
{
    QMetaObject::invokeMethod(this, [done = std::move(done), result] { done(result); }, Qt::QueuedConnection);
}
} // namespace Llamadesk
