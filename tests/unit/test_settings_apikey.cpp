#include "core/settingkeys.h"
#include "core/settings.h"
#include "testsupport.h"

#include <QFile>
#include <QSignalSpy>

#include <gtest/gtest.h>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
std::optional<QString> checkKey(const QString &value)
{
    return Settings::validate(Keys::ServerApiKey.toString(), value);
}

class ApiKeySetting : public ::testing::Test
{
protected:
    QString path() const { return m_xdg.configHome() + QStringLiteral("/llamadesk.ini"); }
    TempXdg m_xdg;
};
} // namespace

TEST(ApiKeyValidator, TakesWhatLlamaServerParsesAsOneKey)
{
    EXPECT_FALSE(checkKey(QString()).has_value()) << "empty: generated on the first run";
    EXPECT_FALSE(checkKey(QStringLiteral("Abc123xyz")).has_value());
    EXPECT_FALSE(checkKey(QStringLiteral("base64url-_key~with.dots+and/slash=")).has_value());
}

TEST(ApiKeyValidator, RefusesWhatWouldBeSplitOrCutAndNeverRepeatsTheValue)
{
    for (const QString &bad : {QStringLiteral("one,two"), QStringLiteral("has space"), QStringLiteral("tab\there"),
                               QStringLiteral("line\nbreak"), QStringLiteral("quote\"d"), QStringLiteral("ümlaut")}) {
        const std::optional<QString> error = checkKey(bad);
        ASSERT_TRUE(error.has_value()) << bad.toStdString();
        EXPECT_FALSE(error->contains(bad)) << error->toStdString();
    }
    EXPECT_TRUE(checkKey(QString(513, u'a')).has_value());
}

TEST_F(ApiKeySetting, ARefusedKeyIsNotEchoedBySetValue)
{
    Settings settings(path());
    const std::optional<QString> error = settings.set(Keys::ServerApiKey, QStringLiteral("sec,ret-value"));
    ASSERT_TRUE(error.has_value());
    EXPECT_FALSE(error->contains(u"sec,ret-value")) << error->toStdString();
    EXPECT_FALSE(error->contains(u"sec")) << error->toStdString();
}

TEST_F(ApiKeySetting, AnInvalidKeyInTheFileIsNotEchoedInTheLoadWarning)
{
    {
        QFile file(path());
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        file.write("[server]\napi_key=\"my secret with spaces\"\n");
    }
    Settings settings(path());
    ASSERT_EQ(settings.loadWarnings().size(), 1);
    EXPECT_FALSE(settings.loadWarnings().constFirst().contains(u"secret")) << settings.loadWarnings().constFirst().toStdString();
    EXPECT_TRUE(settings.loadWarnings().constFirst().contains(u"server/api_key"));
    EXPECT_EQ(settings.get(Keys::ServerApiKey), QString());
}

TEST_F(ApiKeySetting, ASessionValueIsHeldButNotWrittenUntilSetValue)
{
    Settings settings(path());
    QSignalSpy changed(&settings, &Settings::changed);
    ASSERT_FALSE(settings.setSessionValue(Keys::ServerApiKey.toString(), QStringLiteral("fromTheKeychain1")));
    EXPECT_EQ(settings.get(Keys::ServerApiKey), QStringLiteral("fromTheKeychain1"));
    EXPECT_TRUE(settings.isSessionValue(Keys::ServerApiKey.toString()));
    EXPECT_EQ(changed.count(), 1);
    EXPECT_FALSE(readFile(path()).contains("fromTheKeychain1"));

    ASSERT_FALSE(settings.set(Keys::ServerApiKey, QStringLiteral("fromTheKeychain1")));
    EXPECT_TRUE(readFile(path()).contains("fromTheKeychain1"));
    EXPECT_FALSE(settings.isSessionValue(Keys::ServerApiKey.toString()));
    EXPECT_TRUE(settings.setSessionValue(Keys::ServerApiKey.toString(), QStringLiteral("a,b")).has_value());
}
