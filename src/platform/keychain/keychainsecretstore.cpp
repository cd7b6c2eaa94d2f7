#include "platform/keychain/keychainsecretstore.h"

#include <qt6keychain/keychain.h>

namespace Llamadesk
{
namespace
{
SecretResult resultOf(const QKeychain::Job &job)
{
    SecretResult result;
    switch (job.error()) {
    case QKeychain::NoError:
        result.status = SecretResult::Status::Ok;
        return result;
    case QKeychain::EntryNotFound:
        result.status = SecretResult::Status::NotFound;
        return result;
    // No backend, or one that is not there (on Linux a D-Bus error comes back as OtherError):
    // the machine has no keychain to offer.
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
    case QKeychain::OtherError:
        result.status = SecretResult::Status::Unavailable;
        break;
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
    case QKeychain::CouldNotDeleteEntry:
        result.status = SecretResult::Status::Failed;
        break;
    }
    result.error = job.errorString();
    if (result.error.isEmpty())
        result.error = QStringLiteral("keychain error %1").arg(static_cast<int>(job.error()));
    return result;
}
} // namespace

KeychainSecretStore::KeychainSecretStore(const QString &service, QObject *parent)
    : QObject(parent)
    , m_service(service)
{
}

QString KeychainSecretStore::description() const
{
    return QStringLiteral("the system keychain");
}

// The jobs are children of the store and delete themselves once finished: a store destroyed
// first takes its running jobs, and their callbacks, with it.
void KeychainSecretStore::read(const QString &name, Done done)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(name);
    connect(job, &QKeychain::Job::finished, this, [done = std::move(done)](QKeychain::Job *finished) {
        SecretResult result = resultOf(*finished);
        if (result.status == SecretResult::Status::Ok)
            result.value = static_cast<QKeychain::ReadPasswordJob *>(finished)->textData();
        done(result);
    });
    job->start();
}

void KeychainSecretStore::write(const QString &name, const QString &secret, Done done)
{
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(name);
    job->setTextData(secret);
    connect(job, &QKeychain::Job::finished, this,
            [done = std::move(done)](QKeychain::Job *finished) { done(resultOf(*finished)); });
    job->start();
}
} // namespace Llamadesk
