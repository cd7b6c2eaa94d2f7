#pragma once

#include "core/secrets/secretstore.h"

#include <QObject>

namespace Llamadesk
{
// The system keychain through QtKeychain: the Secret Service (GNOME Keyring, KeePassXC) or
// KWallet on Linux, the Keychain on macOS, the Credential Manager on Windows. Jobs run
// asynchronously; their answers come back through the event loop.
class KeychainSecretStore final : public QObject, public SecretStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeychainSecretStore)

public:
    // service names the entries of this app in the keychain.
    explicit KeychainSecretStore(const QString &service, QObject *parent = nullptr);

    QString description() const override;
    void read(const QString &name, Done done) override;
    void write(const QString &name, const QString &secret, Done done) override;

private:
    QString m_service;
};
} // namespace Llamadesk
