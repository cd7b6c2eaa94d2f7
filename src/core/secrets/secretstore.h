#pragma once

#include <QObject>
#include <QString>

#include <functional>

namespace Llamadesk
{
// The answer of a SecretStore job.
struct SecretResult
{
    enum class Status {
        Ok,          // read: value holds the secret; write: stored
        NotFound,    // read only: the store works but holds no such entry
        Unavailable, // no store answers (no keychain backend, no Secret Service on D-Bus)
        Failed,      // the store answered with an error (locked, refused, ...)
    };
    Status status = Status::Failed;
    QString value; // the secret, for a read that found it
    QString error; // what the store said, never containing the secret
};

// Where secrets (the server's API key) are kept: the system keychain in the app
// (KeychainSecretStore, src/platform/keychain/), memory in tests (MemorySecretStore). Every job
// is asynchronous: done is called later, from the event loop, never from within read()/write(),
// and never when the store has been destroyed first.
class SecretStore
{
public:
    using Done = std::function<void(const SecretResult &)>;

    SecretStore() = default;
    virtual ~SecretStore() = default;
    Q_DISABLE_COPY_MOVE(SecretStore)

    // A sentence for the log: which store this is ("the system keychain (Secret Service)").
    virtual QString description() const = 0;
    virtual void read(const QString &name, Done done) = 0;
    virtual void write(const QString &name, const QString &secret, Done done) = 0;
};
} // namespace Llamadesk
