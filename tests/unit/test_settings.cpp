#include "core/settings.h"
#include "core/server/serverconfig.h"
#include "core/settingkeys.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <gtest/gtest.h>

using namespace Llamadesk;

namespace
{
class SettingsTest : public ::testing::Test
{
protected:
    QString path() const { return m_dir.filePath(QStringLiteral("llamadesk.ini")); }

    void writeFile(const QByteArray &contents) const
    {
        QFile file(path());
        ASSERT_TRUE(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(contents);
    }

    TestSupport::TempXdg m_xdg;
    QTemporaryDir m_dir;
};
} // namespace

TEST_F(SettingsTest, MissingFileGivesTheDocumentedDefaults)
{
    Settings settings(path());
    EXPECT_EQ(settings.get(Keys::ServerExecutable), QString());
    EXPECT_EQ(settings.get(Keys::ServerModel), QString());
    EXPECT_EQ(settings.get(Keys::ServerMmproj), QString());
    EXPECT_EQ(settings.get(Keys::ServerHost), QStringLiteral("127.0.0.1"));
    EXPECT_EQ(settings.get(Keys::ServerPort), 8080);
    EXPECT_EQ(settings.get(Keys::ServerContextSize), 4096);
    EXPECT_EQ(settings.get(Keys::ServerParallel), 0);
    EXPECT_EQ(settings.get(Keys::ServerGpuLayers), ServerConfig::GpuLayersAuto);
    EXPECT_EQ(settings.get(Keys::ServerExtraArgs), QString());
    EXPECT_EQ(settings.get(Keys::ServerApiKey), QString());
    EXPECT_TRUE(settings.get(Keys::ServerAutostart));
    EXPECT_EQ(settings.get(Keys::AudioInputDevice), QString());
    EXPECT_EQ(settings.get(Keys::AudioMaxSeconds), 15);
    EXPECT_EQ(settings.get(Keys::ChatSystemPrompt), QString());
    EXPECT_DOUBLE_EQ(settings.get(Keys::ChatTemperature), 0.8);
    EXPECT_DOUBLE_EQ(settings.get(Keys::ChatTopP), 0.95);
    EXPECT_EQ(settings.get(Keys::ChatTopK), 40);
    EXPECT_EQ(settings.get(Keys::ChatMaxTokens), -1);
    EXPECT_TRUE(settings.loadWarnings().isEmpty());
    EXPECT_FALSE(QFile::exists(path())) << "reading must not create the file";
}

TEST_F(SettingsTest, ValuesSurviveARoundTripThroughTheFile)
{
    {
        Settings settings(path());
        EXPECT_FALSE(settings.set(Keys::ServerModel, QStringLiteral("/models/My Model, Q4.gguf")));
        EXPECT_FALSE(settings.set(Keys::ServerPort, 18080));
        EXPECT_FALSE(settings.set(Keys::ServerAutostart, false));
        EXPECT_FALSE(settings.set(Keys::ChatTemperature, 0.25));
        EXPECT_FALSE(settings.set(Keys::ChatSystemPrompt, QStringLiteral("Line one\nLine two, with a comma")));
        EXPECT_FALSE(settings.set(Keys::ServerExtraArgs, QStringLiteral("--flash-attn on --alias \"my model\"")));
    }
    Settings reread(path());
    EXPECT_EQ(reread.get(Keys::ServerModel), QStringLiteral("/models/My Model, Q4.gguf"));
    EXPECT_EQ(reread.get(Keys::ServerPort), 18080);
    EXPECT_FALSE(reread.get(Keys::ServerAutostart));
    EXPECT_DOUBLE_EQ(reread.get(Keys::ChatTemperature), 0.25);
    EXPECT_EQ(reread.get(Keys::ChatSystemPrompt), QStringLiteral("Line one\nLine two, with a comma"));
    EXPECT_EQ(reread.get(Keys::ServerExtraArgs), QStringLiteral("--flash-attn on --alias \"my model\""));
    EXPECT_TRUE(reread.loadWarnings().isEmpty()) << reread.loadWarnings().join(u'\n').toStdString();
}

TEST_F(SettingsTest, FileIsAnIniWithOneSectionPerGroup)
{
    Settings settings(path());
    ASSERT_FALSE(settings.set(Keys::ServerPort, 18081));
    ASSERT_FALSE(settings.set(Keys::AudioMaxSeconds, 10));
    const QByteArray text = TestSupport::readFile(path());
    EXPECT_TRUE(text.contains("[server]\nport=18081")) << text.constData();
    EXPECT_TRUE(text.contains("[audio]\nmax_seconds=10")) << text.constData();
}

TEST_F(SettingsTest, HandEditedValuesAreRead)
{
    writeFile("[server]\nport = 9000\nautostart = no\nhost = localhost\n"
              "[chat]\nsystem_prompt = Be brief, be kind\ntop_p = 0.5\n");
    Settings settings(path());
    EXPECT_EQ(settings.get(Keys::ServerPort), 9000);
    EXPECT_FALSE(settings.get(Keys::ServerAutostart));
    EXPECT_EQ(settings.get(Keys::ServerHost), QStringLiteral("localhost"));
    EXPECT_EQ(settings.get(Keys::ChatSystemPrompt), QStringLiteral("Be brief, be kind"));
    EXPECT_DOUBLE_EQ(settings.get(Keys::ChatTopP), 0.5);
    EXPECT_TRUE(settings.loadWarnings().isEmpty()) << settings.loadWarnings().join(u'\n').toStdString();
}

// Before "auto" existed, -1 ("All") was the default and was written by every Save: it keeps
// meaning All, while a file without the key gets the new default, auto.
TEST_F(SettingsTest, AnOlderFileHoldingAllGpuLayersKeepsAll)
{
    writeFile("[server]\ngpu_layers=-1\n");
    Settings settings(path());
    EXPECT_TRUE(settings.loadWarnings().isEmpty()) << settings.loadWarnings().join(u'\n').toStdString();
    EXPECT_EQ(ServerConfig::fromSettings(settings).gpuLayers, ServerConfig::GpuLayersAll);
    writeFile("[server]\nport=8080\n");
    EXPECT_EQ(ServerConfig::fromSettings(Settings(path())).gpuLayers, ServerConfig::GpuLayersAuto);
}

TEST_F(SettingsTest, InvalidValuesFallBackToTheDefaultWithAWarningNamingKeyAndValue)
{
    writeFile("[server]\nport=eighty\ncontext_size=-5\nhost=not a host!\ngpu_layers=-3\n"
              "[audio]\nmax_seconds=600\n[chat]\ntemperature=9\ntop_k=1.5\n");
    Settings settings(path());
    EXPECT_EQ(settings.get(Keys::ServerPort), 8080);
    EXPECT_EQ(settings.get(Keys::ServerContextSize), 4096);
    EXPECT_EQ(settings.get(Keys::ServerHost), QStringLiteral("127.0.0.1"));
    EXPECT_EQ(settings.get(Keys::ServerGpuLayers), ServerConfig::GpuLayersAuto);
    EXPECT_EQ(settings.get(Keys::AudioMaxSeconds), 15);
    EXPECT_DOUBLE_EQ(settings.get(Keys::ChatTemperature), 0.8);
    EXPECT_EQ(settings.get(Keys::ChatTopK), 40);

    const QStringList warnings = settings.loadWarnings();
    ASSERT_EQ(warnings.size(), 7) << warnings.join(u'\n').toStdString();
    EXPECT_EQ(warnings.at(0),
              QStringLiteral("Setting server/host in %1 has the invalid value 'not a host!' (expected an IP address "
                             "or a host name, such as 127.0.0.1 or localhost); using the default, 127.0.0.1.")
                  .arg(path()));
    EXPECT_EQ(warnings.at(1),
              QStringLiteral("Setting server/port in %1 has the invalid value 'eighty' (expected a whole number); "
                             "using the default, 8080.")
                  .arg(path()));
    EXPECT_TRUE(warnings.at(2).contains(u"server/context_size")) << warnings.at(2).toStdString();
    EXPECT_TRUE(warnings.at(2).contains(u"expected a whole number from 0 to 16777216"));
    EXPECT_TRUE(warnings.at(4).contains(u"audio/max_seconds"));
    EXPECT_TRUE(warnings.at(4).contains(u"from 1 to 60"));
}

TEST_F(SettingsTest, UnknownKeysAreReportedAndKeptInTheFile)
{
    writeFile("[server]\nprot=9000\n");
    Settings settings(path());
    ASSERT_EQ(settings.loadWarnings().size(), 1);
    EXPECT_TRUE(settings.loadWarnings().constFirst().contains(u"server/prot"));
    ASSERT_FALSE(settings.set(Keys::ServerPort, 9001));
    EXPECT_TRUE(TestSupport::readFile(path()).contains("prot=9000"));
}

TEST_F(SettingsTest, SettingAnInvalidValueIsRefusedAndChangesNothing)
{
    Settings settings(path());
    QSignalSpy changed(&settings, &Settings::changed);
    const std::optional<QString> error = settings.set(Keys::ServerPort, 70000);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(*error, QStringLiteral("server/port: expected a whole number from 0 to 65535"));
    EXPECT_EQ(settings.get(Keys::ServerPort), 8080);
    EXPECT_EQ(changed.count(), 0);
    EXPECT_FALSE(QFile::exists(path()));

    EXPECT_TRUE(settings.set(Keys::ServerApiKey, QStringLiteral("has space")).has_value());
    EXPECT_TRUE(settings.set(Keys::ServerModel, QStringLiteral("two\nlines")).has_value());
    EXPECT_TRUE(settings.setValue(QStringLiteral("server/nonsense"), 1).has_value());
}

TEST_F(SettingsTest, ChangedIsEmittedOncePerRealChange)
{
    Settings settings(path());
    QSignalSpy changed(&settings, &Settings::changed);
    ASSERT_FALSE(settings.set(Keys::ServerPort, 9100));
    ASSERT_FALSE(settings.set(Keys::ServerPort, 9100));
    ASSERT_FALSE(settings.set(Keys::ServerHost, QStringLiteral("127.0.0.1"))); // the default: no change
    ASSERT_EQ(changed.count(), 1);
    EXPECT_EQ(changed.at(0).at(0).toString(), QStringLiteral("server/port"));
}

TEST_F(SettingsTest, FileIsReadableByItsOwnerOnly)
{
    Settings settings(path());
    ASSERT_FALSE(settings.set(Keys::ServerApiKey, QStringLiteral("secret-key")));
    const QFile::Permissions permissions = QFileInfo(path()).permissions();
    EXPECT_EQ(permissions & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
              QFile::Permissions());
}

TEST_F(SettingsTest, GivenFileIsUsedInsteadOfTheDefaultLocation)
{
    const QString defaultPath = Settings::defaultFilePath();
    EXPECT_TRUE(defaultPath.startsWith(m_xdg.configHome())) << defaultPath.toStdString();
    EXPECT_TRUE(defaultPath.endsWith(u"/llamadesk/llamadesk.ini")) << defaultPath.toStdString();

    Settings settings(path());
    ASSERT_FALSE(settings.set(Keys::ServerPort, 9200));
    EXPECT_EQ(settings.filePath(), path());
    EXPECT_TRUE(QFile::exists(path()));
    EXPECT_FALSE(QFile::exists(defaultPath));
}

TEST_F(SettingsTest, UnwritableFileIsReportedAndTheValueIsNotTaken)
{
    // A regular file where the folder should be: fails even for root.
    QFile blocker(m_dir.filePath(QStringLiteral("blocker")));
    ASSERT_TRUE(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    Settings settings(m_dir.filePath(QStringLiteral("blocker/llamadesk.ini")));
    QSignalSpy warned(&settings, &Settings::warningRaised);
    const auto error = settings.set(Keys::ServerPort, 9300);
    ASSERT_TRUE(error.has_value());
    EXPECT_TRUE(error->startsWith(u"Could not write the settings file")) << error->toStdString();
    EXPECT_EQ(warned.count(), 1);
    EXPECT_EQ(settings.get(Keys::ServerPort), 8080);
}

// QSettings calls a '#' line a format error and then reports every later write as failed.
TEST_F(SettingsTest, AHashCommentNeitherHidesTheFileNorStopsWrites)
{
    writeFile("# my notes\n[server]\nhost=localhost\n");
    {
        Settings settings(path());
        EXPECT_EQ(settings.get(Keys::ServerHost), QStringLiteral("localhost"));
        EXPECT_EQ(settings.set(Keys::ServerPort, 9000), std::nullopt);
        EXPECT_EQ(settings.set(Keys::ServerPort, 9001), std::nullopt);
    }
    Settings again(path());
    EXPECT_EQ(again.get(Keys::ServerPort), 9001);
    EXPECT_EQ(again.get(Keys::ServerHost), QStringLiteral("localhost"));
}

TEST_F(SettingsTest, AWriteThatFailedDoesNotRefuseTheNextOne)
{
    // A regular file where the folder should be: the write fails even for root, as on a full disk.
    const QString folder = m_dir.filePath(QStringLiteral("config"));
    QFile blocker(folder);
    ASSERT_TRUE(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    Settings settings(folder + QStringLiteral("/llamadesk.ini"));
    ASSERT_TRUE(settings.set(Keys::ServerPort, 9300).has_value());

    ASSERT_TRUE(QFile::remove(folder));
    ASSERT_TRUE(QDir().mkpath(folder));
    EXPECT_EQ(settings.set(Keys::ServerPort, 9301), std::nullopt);
    EXPECT_EQ(settings.get(Keys::ServerPort), 9301);
    EXPECT_EQ(Settings(folder + QStringLiteral("/llamadesk.ini")).get(Keys::ServerPort), 9301);
}

TEST_F(SettingsTest, AnUnclosedSectionHeaderIsReportedWithItsLineNumberAndTheRestIsRead)
{
    writeFile("[audio]\nmax_seconds=20\n[server\nhost=localhost\n");
    Settings settings(path());
    EXPECT_EQ(settings.get(Keys::AudioMaxSeconds), 20);
    EXPECT_EQ(settings.get(Keys::ServerHost), QStringLiteral("localhost"));
    ASSERT_EQ(settings.loadWarnings().size(), 1) << settings.loadWarnings().join(u'\n').toStdString();
    EXPECT_EQ(settings.loadWarnings().constFirst(),
              QStringLiteral("The settings file %1, line 3: the section header '[server' has no closing ']'; it is "
                             "read as [server]. The file as it is will be copied to %1.bak before Llamadesk "
                             "writes it.")
                      .arg(path()));
}

TEST_F(SettingsTest, ALineThatIsNotIniIsReportedWithoutItsTextAndKeptInABackup)
{
    const QByteArray original = "[server]\nhost=localhost\nsk-secret-pasted-here\n";
    writeFile(original);
    Settings settings(path());
    ASSERT_EQ(settings.loadWarnings().size(), 1);
    EXPECT_TRUE(settings.loadWarnings().constFirst().contains(
            u"line 3 is neither a [section] header nor a key=value line; it is ignored"));
    EXPECT_FALSE(settings.loadWarnings().constFirst().contains(u"sk-secret"));

    QSignalSpy warned(&settings, &Settings::warningRaised);
    EXPECT_EQ(settings.set(Keys::ServerPort, 9000), std::nullopt);
    EXPECT_EQ(TestSupport::readFile(path() + QStringLiteral(".bak")), original);
    ASSERT_EQ(warned.count(), 1);
    EXPECT_TRUE(warned.at(0).at(0).toString().contains(path() + QStringLiteral(".bak")));
    Settings again(path());
    EXPECT_TRUE(again.loadWarnings().isEmpty()) << again.loadWarnings().join(u'\n').toStdString();
    EXPECT_EQ(again.get(Keys::ServerHost), QStringLiteral("localhost"));
    EXPECT_EQ(again.get(Keys::ServerPort), 9000);
}

TEST_F(SettingsTest, AnOlderBackupIsNotOverwritten)
{
    QFile older(path() + QStringLiteral(".bak"));
    ASSERT_TRUE(older.open(QIODevice::WriteOnly));
    older.write("older");
    older.close();
    writeFile("# notes\n[server]\nport=8081\n");
    Settings settings(path());
    EXPECT_EQ(settings.set(Keys::ServerPort, 9000), std::nullopt);
    EXPECT_EQ(TestSupport::readFile(path() + QStringLiteral(".bak")), QByteArray("older"));
    EXPECT_EQ(TestSupport::readFile(path() + QStringLiteral(".bak.2")), QByteArray("# notes\n[server]\nport=8081\n"));
}

TEST_F(SettingsTest, EveryKeyIsDocumentedInSettingsMd)
{
    const QByteArray doc = TestSupport::readFile(QStringLiteral(LLAMADESK_SOURCE_DIR "/docs/SETTINGS.md"));
    ASSERT_FALSE(doc.isEmpty());
    for (const QString &key : Settings::keys())
        EXPECT_TRUE(doc.contains(QByteArray("`" + key.toUtf8() + "`"))) << key.toStdString() << " is missing from docs/SETTINGS.md";
}

TEST_F(SettingsTest, GarbageInTheFileNeverReachesReaders)
{
    writeFile("[server]\nport=\xff\xfe\nhost=\ncontext_size=1e99\n[chat]\ntemperature=nan\ntop_p=inf\n"
              "max_tokens=-1000\n[audio\nmax_seconds=0\n");
    Settings settings(path());
    for (const QString &key : Settings::keys())
        EXPECT_FALSE(Settings::validate(key, settings.value(key)).has_value()) << key.toStdString();
    EXPECT_FALSE(settings.loadWarnings().isEmpty());
}
