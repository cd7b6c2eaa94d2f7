// KeychainSecretStore against a real Secret Service (gnome-keyring on a private session bus,
// started by with-keyring.sh). Run bare, without that script, the tests skip.
#include "platform/keychain/keychainsecretstore.h"
#include "core/secrets/serverkey.h"
#include "core/settingkeys.h"
#include "core/settings.h"
#include "testsupport.h"

#include <QSignalSpy>
#include <QUuid>

#include <gtest/gtest.h>

#include <optional>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
bool keyringRequired()
{
    return qEnvironmentVariable("LLAMADESK_REQUIRE_KEYRING") == u"1";
}

std::optional<SecretResult> waitFor(const std::function<void(SecretStore::Done)> &job)
{
    std::optional<SecretResult> answer;
    job([&answer](const SecretResult &result) { answer = result; });
    if (!waitUntil([&] { return answer.has_value(); }, std::chrono::seconds(20)))
        return std::nullopt;
    return answer;
}

class KeychainTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        const auto probe = waitFor([this](SecretStore::Done done) { m_store.read(name(), std::move(done)); });
        ASSERT_TRUE(probe.has_value()) << "the keychain did not answer within 20 s";
        if (probe->status == SecretResult::Status::Unavailable) {
            if (keyringRequired())
                FAIL() << "with-keyring.sh provided a keyring, but the keychain answers: " << probe->error.toStdString();
            GTEST_SKIP() << "no Secret Service (run through tests/platform/with-keyring.sh)";
        }
    }
    // A name of this run only, so that a real keyring keeps nothing of earlier runs in the way.
    QString name() const { return m_name; }

    QString m_name = QStringLiteral("test-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    KeychainSecretStore m_store{QStringLiteral("llamadesk-tests")};
    TempXdg m_xdg;
};
} // namespace

TEST_F(KeychainTest, AMissingEntryIsNotFound)
{
    const auto read = waitFor([this](SecretStore::Done done) { m_store.read(name(), std::move(done)); });
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->status, SecretResult::Status::NotFound) << read->error.toStdString();
}

TEST_F(KeychainTest, AWrittenSecretReadsBack)
{
    const auto written = waitFor(
            [this](SecretStore::Done done) { m_store.write(name(), QStringLiteral("s3cretValue"), std::move(done)); });
    ASSERT_TRUE(written.has_value());
    ASSERT_EQ(written->status, SecretResult::Status::Ok) << written->error.toStdString();
    const auto read = waitFor([this](SecretStore::Done done) { m_store.read(name(), std::move(done)); });
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->status, SecretResult::Status::Ok) << read->error.toStdString();
    EXPECT_EQ(read->value, QStringLiteral("s3cretValue"));
}

TEST_F(KeychainTest, TheServerKeyIsKeptInTheKeychainAndNotInTheSettingsFile)
{
    const QString path = m_xdg.configHome() + QStringLiteral("/llamadesk.ini");
    KeychainSecretStore store(QStringLiteral("llamadesk-tests-") + name());
    QString first;
    {
        Settings settings(path);
        ServerKey key(settings, store);
        QSignalSpy ready(&key, &ServerKey::ready);
        key.load();
        ASSERT_TRUE(ready.wait(20000));
        EXPECT_EQ(key.location(), ServerKey::Location::SecretStore);
        first = settings.get(Keys::ServerApiKey);
        ASSERT_GE(first.size(), 32);
        EXPECT_FALSE(readFile(path).contains(first.toUtf8()));
    }
    Settings settings(path);
    ServerKey key(settings, store);
    QSignalSpy ready(&key, &ServerKey::ready);
    key.load();
    ASSERT_TRUE(ready.wait(20000));
    EXPECT_EQ(settings.get(Keys::ServerApiKey), first);
}
