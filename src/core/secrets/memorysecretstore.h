#pragma once

#include "core/secrets/secretstore.h"

#include <QHash>
#include <QObject>

namespace Llamadesk
{
// A SecretStore held in memory: the fake for tests, and what a store that must not touch
// the disk looks like. setAvailable(false) makes every job answer Unavailable, as the
// keychain does on a machine without a Secret Service.
class MemorySecretStore final : public QObject, public SecretStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MemorySecretStore)

public:
    explicit MemorySecretStore(QObject *parent = nullptr);

    QString description() const override;
    void read(const QString &name, Done done) override;
    void write(const QString &name, const QString &secret, Done done) override;

    void setAvailable(bool available);
    QHash<QString, QString> entries() const;
    int writeCount() const;

private:
    void answer(Done done, SecretResult result);

    QHash<QString, QString> m_entries;
    bool m_available = true;
    int m_writes = 0;
};
} // namespace Llamadesk
