#include "core/secrets/memorysecretstore.h"
#include "core/secrets/serverkey.h"
#include "core/server/preflight.h"
#include "core/settingkeys.h"
#include "core/settings.h"
#include "testsupport.h"

#include <QFile>
#include <QRegularExpression>
#include <QSignalSpy>

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <memory>

#include <sys/stat.h>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
// The log lines written while the object lives.
class CapturedLog final
{
public:
    CapturedLog()
        : m_sink(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(200))
    {
        spdlog::default_logger()->sinks().push_back(m_sink);
    }
    ~CapturedLog()
    {
        auto &sinks = spdlog::default_logger()->sinks();
        sinks.erase(std::remove(sinks.begin(), sinks.end(), m_sink), sinks.end());
    }
    QString text() const
    {
        QStringList lines;
        for (const std::string &line : m_sink->last_formatted())
            lines.append(QString::fromStdString(line));
        return lines.join(QString());
    }

private:
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> m_sink;
};

class ServerKeyTest : public ::testing::Test
{
protected:
    QString settingsPath() const { return m_xdg.configHome() + QStringLiteral("/llamadesk/llamadesk.ini"); }
    // Loads the key as the app does at start-up and waits for it.
    QString loadKey(Settings &settings, SecretStore &store)
    {
        ServerKey key(settings, store);
        QSignalSpy ready(&key, &ServerKey::ready);
        key.load();
        EXPECT_TRUE(ready.wait(5000));
        return settings.get(Keys::ServerApiKey);
    }

    TempXdg m_xdg;
    MemorySecretStore m_store;
};
} // namespace

TEST(GenerateApiKey, IsAtLeast32LettersAndDigitsAndNeverTheSameTwice)
{
    static const QRegularExpression alphanumeric(QStringLiteral("^[A-Za-z0-9]+$"));
    const QString first = generateApiKey();
    const QString second = generateApiKey();
    EXPECT_GE(first.size(), 32);
    EXPECT_TRUE(alphanumeric.match(first).hasMatch()) << "not only letters and digits";
    EXPECT_TRUE(alphanumeric.match(second).hasMatch());
    EXPECT_NE(first, second);
    EXPECT_FALSE(Settings::validate(Keys::ServerApiKey.toString(), first).has_value());
}

TEST_F(ServerKeyTest, TheFirstRunGeneratesAKeyAndKeepsItInTheSecretStoreOnly)
{
    Settings settings(settingsPath());
    const QString key = loadKey(settings, m_store);
    EXPECT_GE(key.size(), 32);
    EXPECT_EQ(m_store.entries().value(ServerKey::secretName()), key);
    EXPECT_FALSE(readFile(settingsPath()).contains(key.toUtf8()));
}

TEST_F(ServerKeyTest, TheNextRunReadsTheSameKeyBack)
{
    QString first;
    {
        Settings settings(settingsPath());
        first = loadKey(settings, m_store);
    }
    Settings settings(settingsPath());
    EXPECT_EQ(loadKey(settings, m_store), first);
    EXPECT_EQ(m_store.writeCount(), 1);
}

TEST_F(ServerKeyTest, AKeyInTheSettingsFileWins)
{
    {
        Settings settings(settingsPath());
        ASSERT_FALSE(settings.set(Keys::ServerApiKey, QStringLiteral("hand-set-key-123")));
    }
    Settings settings(settingsPath());
    EXPECT_EQ(loadKey(settings, m_store), QStringLiteral("hand-set-key-123"));
    EXPECT_TRUE(m_store.entries().isEmpty());
}

TEST_F(ServerKeyTest, WithoutAKeychainTheKeyGoesToTheSettingsFileWithMode0600AndTheLogSaysSo)
{
    m_store.setAvailable(false);
    const CapturedLog log;
    Settings settings(settingsPath());
    const QString key = loadKey(settings, m_store);
    ASSERT_GE(key.size(), 32);
    EXPECT_TRUE(readFile(settingsPath()).contains(key.toUtf8()));
    struct stat info = {};
    ASSERT_EQ(::stat(QFile::encodeName(settingsPath()).constData(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    EXPECT_TRUE(log.text().contains(u"No keychain answered")) << log.text().toStdString();
    EXPECT_TRUE(log.text().contains(u"mode 0600"));
    EXPECT_FALSE(log.text().contains(key)) << "the key itself was logged";

    // and the next run, still without a keychain, uses the same key
    Settings again(settingsPath());
    EXPECT_EQ(loadKey(again, m_store), key);
}

TEST_F(ServerKeyTest, ANewKeyForThisRunIsStoredWhereTheKeyLives)
{
    Settings settings(settingsPath());
    ServerKey key(settings, m_store);
    QSignalSpy ready(&key, &ServerKey::ready);
    key.load();
    ASSERT_TRUE(ready.wait(5000));
    const QString replacement = generateApiKey();
    ASSERT_FALSE(settings.setSessionValue(Keys::ServerApiKey.toString(), replacement));
    ASSERT_TRUE(waitUntil([&] { return m_store.entries().value(ServerKey::secretName()) == replacement; }));
    EXPECT_FALSE(readFile(settingsPath()).contains(replacement.toUtf8()));
}

TEST_F(ServerKeyTest, RegenerateReplacesTheStoredKey)
{
    Settings settings(settingsPath());
    ServerKey key(settings, m_store);
    QSignalSpy ready(&key, &ServerKey::ready);
    key.load();
    ASSERT_TRUE(ready.wait(5000));
    const QString before = settings.get(Keys::ServerApiKey);
    QSignalSpy changed(&settings, &Settings::changed);
    key.regenerate();
    ASSERT_TRUE(changed.wait(5000));
    const QString after = settings.get(Keys::ServerApiKey);
    EXPECT_NE(after, before);
    EXPECT_EQ(m_store.entries().value(ServerKey::secretName()), after);
}
