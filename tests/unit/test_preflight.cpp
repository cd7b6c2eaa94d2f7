#include "core/server/preflight.h"

#include "core/server/portprobe.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QSet>
#include <QTcpServer>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <ostream>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

// gtest prints QStrings as text; declared in the other files of this test executable too.
void PrintTo(const QString &value, std::ostream *os)
{
    *os << '"' << value.toStdString() << '"';
}

using namespace Llamadesk;

namespace
{
const QString ReleasesUrl = QStringLiteral("https://github.com/ggml-org/llama.cpp/releases");

class PreflightTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        ASSERT_TRUE(m_dir.isValid());
        m_search.homeDir = path(QStringLiteral("home"));
        m_search.systemDirs.clear(); // a llama-server installed on this machine must not show up
        QDir().mkpath(path(QStringLiteral("bin")));
        m_config.executable = makeFile(QStringLiteral("bin/llama-server"), "#!/bin/sh\n", true);
        m_config.model = makeFile(QStringLiteral("models/tiny.gguf"), "GGUF\x03\0\0\0");
        m_config.port = 8080;
    }

    QString path(const QString &relative) const { return m_dir.filePath(relative); }

    QString makeFile(const QString &relative, const QByteArray &contents, bool executable = false) const
    {
        const QString file = path(relative);
        QDir().mkpath(QFileInfo(file).absolutePath());
        QFile out(file);
        EXPECT_TRUE(out.open(QIODevice::WriteOnly));
        out.write(contents);
        out.close();
        QFileDevice::Permissions permissions = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
        if (executable)
            permissions |= QFileDevice::ExeOwner;
        EXPECT_TRUE(out.setPermissions(permissions));
        return file;
    }

    std::optional<PreflightIssue> check() const { return checkConfig(m_config, m_search); }

    TestSupport::TempXdg m_xdg;
    QTemporaryDir m_dir;
    ExecutableSearch m_search;
    ServerConfig m_config;
};
} // namespace

TEST_F(PreflightTest, ValidConfigPasses)
{
    EXPECT_EQ(check(), std::nullopt);
}

// ---- the executable -----------------------------------------------------------------------------

TEST_F(PreflightTest, NoExecutableMessageListsWhatWasFound)
{
    m_config.executable.clear();
    const QString nextToApp = makeFile(QStringLiteral("app/llama-server"), "#!/bin/sh\n", true);
    m_search.appDir = path(QStringLiteral("app"));
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::NoExecutable);
    EXPECT_EQ(issue->message, QStringLiteral("No llama-server is configured, and there is none on PATH."));
    EXPECT_EQ(issue->hint,
              u"Choose one of the programs found, or download llama-server from " + ReleasesUrl + u'.');
    EXPECT_EQ(issue->candidates, QStringList{nextToApp});
}

TEST_F(PreflightTest, NoExecutableAndNothingFoundSaysWhereToDownload)
{
    m_config.executable.clear();
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::NoExecutable);
    EXPECT_EQ(issue->hint, u"Download llama-server from " + ReleasesUrl + u" and choose it in Settings.");
    EXPECT_TRUE(issue->candidates.isEmpty());
}

TEST_F(PreflightTest, EmptyExecutableUsesTheOneOnPath)
{
    m_config.executable.clear();
    m_search.pathDirs = {path(QStringLiteral("bin"))};
    EXPECT_EQ(check(), std::nullopt);
}

TEST_F(PreflightTest, MissingExecutableMessage)
{
    m_config.executable = path(QStringLiteral("nowhere/llama-server"));
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::ExecutableMissing);
    EXPECT_EQ(issue->message, u"The llama-server executable " + m_config.executable + u" does not exist.");
    EXPECT_EQ(issue->hint,
              QStringLiteral("Choose the llama-server program, or the folder that holds it, in Settings."));
}

TEST_F(PreflightTest, FolderWithoutExecutableMessage)
{
    const QString folder = path(QStringLiteral("empty-build"));
    QDir().mkpath(folder);
    m_config.executable = folder;
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::ExecutableMissing);
    EXPECT_EQ(issue->message, u"The llama-server executable " + folder + u"/llama-server does not exist.");
    EXPECT_EQ(
            issue->hint,
            u"The folder " + folder
                    + u" holds no llama-server: choose the program itself, or the folder of a llama.cpp build that has "
                      u"it (build/bin).");
}

TEST_F(PreflightTest, FolderWithExecutablePasses)
{
    m_config.executable = path(QStringLiteral("bin"));
    EXPECT_EQ(check(), std::nullopt);
}

TEST_F(PreflightTest, ExecutableNotOnPathMessage)
{
    m_config.executable = QStringLiteral("llama-server-cuda");
    m_search.pathDirs = {path(QStringLiteral("bin"))};
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::ExecutableMissing);
    EXPECT_EQ(issue->message,
              QStringLiteral("The llama-server executable llama-server-cuda is not on PATH."));
    EXPECT_EQ(issue->candidates, QStringList{path(QStringLiteral("bin/llama-server"))});
}

TEST_F(PreflightTest, NotExecutableMessage)
{
    m_config.executable = makeFile(QStringLiteral("plain/llama-server"), "#!/bin/sh\n", false);
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::ExecutableNotExecutable);
    EXPECT_EQ(issue->message, m_config.executable + u" is not executable.");
    EXPECT_EQ(issue->hint,
              u"Make it executable (chmod +x " + m_config.executable + u"), or choose another program.");
}

TEST_F(PreflightTest, ExecutableThatIsAFolderIsNotExecutable)
{
    const QString folder = path(QStringLiteral("odd"));
    QDir().mkpath(folder + u"/llama-server");
    m_config.executable = folder;
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::ExecutableNotExecutable);
    EXPECT_EQ(issue->message, folder + u"/llama-server is not executable.");
    EXPECT_EQ(issue->hint, QStringLiteral("It is a folder: choose the llama-server program inside it."));
}

// ---- the model and the projector ----------------------------------------------------------------

TEST_F(PreflightTest, NoModelMessage)
{
    m_config.model.clear();
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::NoModel);
    EXPECT_EQ(issue->message, QStringLiteral("No model is selected."));
    EXPECT_EQ(issue->hint, QStringLiteral("Choose a GGUF model file in Settings."));
}

TEST_F(PreflightTest, MissingModelMessage)
{
    m_config.model = path(QStringLiteral("models/gone.gguf"));
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::ModelMissing);
    EXPECT_EQ(issue->message, u"The model " + m_config.model + u" does not exist.");
    EXPECT_EQ(issue->hint,
              QStringLiteral("Choose the model again in Settings; it may have been moved or deleted."));
}

TEST_F(PreflightTest, ModelNotGgufMessage)
{
    m_config.model = makeFile(QStringLiteral("models/weights.safetensors"), "{\"__metadata__\":{}}");
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::ModelNotGguf);
    EXPECT_EQ(issue->message, u"The model " + m_config.model + u" is not a GGUF file.");
    EXPECT_EQ(issue->hint,
              QStringLiteral("llama-server loads GGUF files only: download the model in GGUF form, or "
                             "convert it with llama.cpp's convert_hf_to_gguf.py."));
}

TEST_F(PreflightTest, ModelShorterThanTheMagicIsNotGguf)
{
    m_config.model = makeFile(QStringLiteral("models/short.gguf"), "GGU");
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::ModelNotGguf);
}

TEST_F(PreflightTest, ModelThatIsAFolderCannotBeRead)
{
    m_config.model = path(QStringLiteral("models/folder.gguf"));
    QDir().mkpath(m_config.model);
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::ModelUnreadable);
    EXPECT_EQ(issue->message, u"The model " + m_config.model + u" cannot be read.");
    EXPECT_EQ(issue->hint, QStringLiteral("It is a folder: choose the .gguf file inside it."));
}

#ifdef Q_OS_LINUX
TEST_F(PreflightTest, ModelWhoseReadFailsCannotBeRead)
{
    // A regular file that opens but fails to read (EIO at offset 0), even for root.
    m_config.model = QStringLiteral("/proc/self/mem");
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::ModelUnreadable);
    EXPECT_EQ(issue->message, QStringLiteral("The model /proc/self/mem cannot be read."));
    EXPECT_EQ(issue->hint, QStringLiteral("Check the file's permissions, or choose another file."));
}
#endif

TEST_F(PreflightTest, NoProjectorIsFine)
{
    m_config.mmproj.clear();
    EXPECT_EQ(check(), std::nullopt);
}

TEST_F(PreflightTest, ProjectorThatIsGgufPasses)
{
    m_config.mmproj = makeFile(QStringLiteral("models/mmproj.gguf"), "GGUF\x03\0\0\0");
    EXPECT_EQ(check(), std::nullopt);
}

TEST_F(PreflightTest, MissingProjectorMessage)
{
    m_config.mmproj = path(QStringLiteral("models/mmproj-gone.gguf"));
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::MmprojMissing);
    EXPECT_EQ(issue->message, u"The multimodal projector " + m_config.mmproj + u" does not exist.");
    EXPECT_EQ(issue->hint,
              QStringLiteral("Choose the multimodal projector again in Settings; it may have been moved "
                             "or deleted."));
}

TEST_F(PreflightTest, ProjectorNotGgufMessage)
{
    m_config.mmproj = makeFile(QStringLiteral("models/mmproj.bin"), "PK\x03\x04");
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::MmprojNotGguf);
    EXPECT_EQ(issue->message, u"The multimodal projector " + m_config.mmproj + u" is not a GGUF file.");
}

TEST_F(PreflightTest, ProjectorThatIsAFolderCannotBeRead)
{
    m_config.mmproj = path(QStringLiteral("models/mmproj"));
    QDir().mkpath(m_config.mmproj);
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::MmprojUnreadable);
    EXPECT_EQ(issue->message, u"The multimodal projector " + m_config.mmproj + u" cannot be read.");
}

TEST_F(PreflightTest, GgufMagicIsTheFirstFourBytes)
{
    EXPECT_TRUE(hasGgufMagic(m_config.model));
    EXPECT_TRUE(hasGgufMagic(makeFile(QStringLiteral("exact"), "GGUF")));
    EXPECT_FALSE(hasGgufMagic(makeFile(QStringLiteral("lower"), "gguf1234")));
    EXPECT_FALSE(hasGgufMagic(makeFile(QStringLiteral("late"), " GGUF")));
    EXPECT_FALSE(hasGgufMagic(makeFile(QStringLiteral("empty"), {})));
    EXPECT_FALSE(hasGgufMagic(path(QStringLiteral("missing"))));
    EXPECT_FALSE(hasGgufMagic(m_dir.path()));
}

TEST_F(PreflightTest, RealTinyModelHasTheMagic)
{
    const QString model = TestSupport::sharedDir() + u"/models/tiny-llama.gguf";
    ASSERT_TRUE(QFile::exists(model)) << model.toStdString() << ": ../shared must sit beside the checkout";
    EXPECT_TRUE(hasGgufMagic(model));
}

// ---- port range and host ------------------------------------------------------------------------

TEST_F(PreflightTest, PortOutOfRangeMessage)
{
    m_config.port = 70000;
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::PortOutOfRange);
    EXPECT_EQ(issue->message, QStringLiteral("Port 70000 is out of range (1–65535)."));
    EXPECT_EQ(issue->hint,
              QStringLiteral("Choose a port from 1024 to 65535, or 0 to let Llamadesk pick a free one."));
    m_config.port = -1;
    EXPECT_EQ(check()->message, QStringLiteral("Port -1 is out of range (1–65535)."));
}

TEST_F(PreflightTest, PortZeroMeansAnyAndPasses)
{
    m_config.port = 0;
    EXPECT_EQ(check(), std::nullopt);
}

TEST_F(PreflightTest, CheckDoesNotBindTheConfiguredPort)
{
    QTcpServer holder;
    ASSERT_TRUE(holder.listen(QHostAddress::LocalHost, 0));
    m_config.port = holder.serverPort();
    EXPECT_EQ(check(), std::nullopt) << "a busy port is resolvePort's business";
}

TEST_F(PreflightTest, RemoteHostWithoutKeyMessage)
{
    m_config.host = QStringLiteral("0.0.0.0");
    const auto issue = check();
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->code, PreflightCode::RemoteHostWithoutKey);
    EXPECT_EQ(
            issue->message,
            QStringLiteral(
                    "llama-server would listen on 0.0.0.0, which other computers can reach, without an API key."));
    EXPECT_EQ(issue->hint, QStringLiteral("Generate an API key in Settings, or listen on 127.0.0.1 only."));
}

TEST_F(PreflightTest, RemoteHostWithKeyPasses)
{
    m_config.host = QStringLiteral("192.168.1.20");
    m_config.apiKey = generateApiKey();
    EXPECT_EQ(check(), std::nullopt);
}

TEST_F(PreflightTest, LoopbackHostsNeedNoKey)
{
    for (const QString &host :
         {QStringLiteral("127.0.0.1"), QStringLiteral("127.1.2.3"), QStringLiteral("localhost"),
          QStringLiteral("::1"), QStringLiteral("[::1]"), QString()}) {
        m_config.host = host;
        EXPECT_EQ(check(), std::nullopt) << host.toStdString();
    }
}

TEST_F(PreflightTest, ChecksRunInTheDocumentedOrder)
{
    ServerConfig broken;
    broken.executable = path(QStringLiteral("nowhere/llama-server"));
    broken.model = path(QStringLiteral("nowhere.gguf"));
    broken.mmproj = path(QStringLiteral("nowhere-mmproj.gguf"));
    broken.port = 70000;
    broken.host = QStringLiteral("0.0.0.0");
    const QList<PreflightCode> expected{PreflightCode::ExecutableMissing, PreflightCode::ModelMissing,
                                        PreflightCode::MmprojMissing, PreflightCode::PortOutOfRange,
                                        PreflightCode::RemoteHostWithoutKey};
    QList<PreflightCode> seen;
    for (int step = 0; step < expected.size(); ++step) {
        const auto issue = checkConfig(broken, m_search);
        ASSERT_TRUE(issue) << "step " << step;
        seen.append(issue->code);
        switch (issue->code) {
        case PreflightCode::ExecutableMissing:
            broken.executable = m_config.executable;
            break;
        case PreflightCode::ModelMissing:
            broken.model = m_config.model;
            break;
        case PreflightCode::MmprojMissing:
            broken.mmproj.clear();
            break;
        case PreflightCode::PortOutOfRange:
            broken.port = 8080;
            break;
        default:
            broken.apiKey = generateApiKey();
            break;
        }
    }
    EXPECT_EQ(seen, expected);
    EXPECT_EQ(checkConfig(broken, m_search), std::nullopt);
}

TEST(Preflight, LoopbackHosts)
{
    EXPECT_TRUE(isLoopbackHost(QStringLiteral("127.0.0.1")));
    EXPECT_TRUE(isLoopbackHost(QStringLiteral("127.255.0.9")));
    EXPECT_TRUE(isLoopbackHost(QStringLiteral("::1")));
    EXPECT_TRUE(isLoopbackHost(QStringLiteral("[::1]")));
    EXPECT_TRUE(isLoopbackHost(QStringLiteral("localhost")));
    EXPECT_TRUE(isLoopbackHost(QStringLiteral("LocalHost")));
    EXPECT_FALSE(isLoopbackHost(QStringLiteral("0.0.0.0")));
    EXPECT_FALSE(isLoopbackHost(QStringLiteral("::")));
    EXPECT_FALSE(isLoopbackHost(QStringLiteral("128.0.0.1")));
    EXPECT_FALSE(isLoopbackHost(QStringLiteral("192.168.1.20")));
    EXPECT_FALSE(isLoopbackHost(QStringLiteral("localhost.example.com")));
    EXPECT_FALSE(isLoopbackHost(QStringLiteral("my-box")));
}

TEST(Preflight, ApiKeysAreLongRandomAndUrlSafe)
{
    const QString key = generateApiKey();
    EXPECT_EQ(key.size(), 43);
    for (const QChar c : key)
        EXPECT_TRUE((c.isLetterOrNumber() && c.unicode() < 128) || c == u'-' || c == u'_')
                << key.toStdString();
    EXPECT_EQ(QByteArray::fromBase64(key.toLatin1(), QByteArray::Base64UrlEncoding).size(), 32);
    QSet<QString> keys{key};
    for (int i = 0; i < 20; ++i)
        keys.insert(generateApiKey());
    EXPECT_EQ(keys.size(), 21);
}

// ---- resolvePort --------------------------------------------------------------------------------

TEST(PreflightPort, FreeConfiguredPortIsUsed)
{
    ServerConfig config;
    config.port = anyFreePort(QStringLiteral("127.0.0.1")).value_or(0);
    ASSERT_NE(config.port, 0);
    const auto result = resolvePort(config);
    ASSERT_TRUE(std::holds_alternative<int>(result));
    EXPECT_EQ(std::get<int>(result), config.port);
}

TEST(PreflightPort, PortZeroPicksAFreePort)
{
    ServerConfig config;
    config.port = 0;
    const auto result = resolvePort(config);
    ASSERT_TRUE(std::holds_alternative<int>(result));
    EXPECT_TRUE(isValidPort(std::get<int>(result)));
    EXPECT_TRUE(isPortFree(config.host, std::get<int>(result)));
}

TEST(PreflightPort, BusyPortMessageNamesTheOwnerAndSuggestsAPort)
{
    QTcpServer holder;
    ASSERT_TRUE(holder.listen(QHostAddress::LocalHost, 0));
    ServerConfig config;
    config.port = holder.serverPort();
    const auto result = resolvePort(config);
    ASSERT_TRUE(std::holds_alternative<PreflightIssue>(result));
    const PreflightIssue &issue = std::get<PreflightIssue>(result);
    EXPECT_EQ(issue.code, PreflightCode::PortBusy);
    ASSERT_TRUE(issue.suggestedPort);
    EXPECT_GT(*issue.suggestedPort, config.port);
    EXPECT_EQ(issue.hint, QStringLiteral("Use port %1.").arg(*issue.suggestedPort));
#ifdef Q_OS_LINUX
    ASSERT_TRUE(issue.portOwner);
    EXPECT_EQ(issue.portOwner->pid, QCoreApplication::applicationPid());
    EXPECT_EQ(issue.portOwner->name, QStringLiteral("test_preflight"));
    EXPECT_FALSE(issue.portOwner->isLlamaServer);
    EXPECT_EQ(
            issue.message,
            QStringLiteral("Port %1 on 127.0.0.1 is in use by test_preflight (pid %2).")
                    .arg(QString::number(config.port), QString::number(QCoreApplication::applicationPid())));
#else
    EXPECT_FALSE(issue.portOwner);
    EXPECT_EQ(issue.message,
              QStringLiteral("Port %1 on 127.0.0.1 is in use by another program.").arg(config.port));
#endif
}

TEST(PreflightPort, OutOfRangePortIsRefused)
{
    ServerConfig config;
    config.port = 65536;
    const auto result = resolvePort(config);
    ASSERT_TRUE(std::holds_alternative<PreflightIssue>(result));
    EXPECT_EQ(std::get<PreflightIssue>(result).code, PreflightCode::PortOutOfRange);
    EXPECT_EQ(std::get<PreflightIssue>(result).message,
              QStringLiteral("Port 65536 is out of range (1–65535)."));
}

TEST(PreflightPort, AddressOfAnotherComputerCannotBeListenedOn)
{
    ServerConfig config;
    config.host = QStringLiteral("192.0.2.1"); // TEST-NET-1, never this computer's
    config.port = 18080;
    const auto result = resolvePort(config);
    ASSERT_TRUE(std::holds_alternative<PreflightIssue>(result));
    const PreflightIssue &issue = std::get<PreflightIssue>(result);
    EXPECT_EQ(issue.code, PreflightCode::CannotListen);
    EXPECT_EQ(issue.message, QStringLiteral("Port 18080 on 192.0.2.1 cannot be used: the address is not available."));
    EXPECT_EQ(issue.hint, QStringLiteral("Listen on 127.0.0.1, or on an address this computer has."));

    config.port = 0;
    const auto any = resolvePort(config);
    ASSERT_TRUE(std::holds_alternative<PreflightIssue>(any));
    EXPECT_EQ(std::get<PreflightIssue>(any).code, PreflightCode::CannotListen);
    EXPECT_EQ(std::get<PreflightIssue>(any).message,
              QStringLiteral("No port on 192.0.2.1 can be used: the address is not available."));
}

// ---- what VersionProbe found --------------------------------------------------------------------

TEST_F(PreflightTest, NotLlamaServerIssueOffersTheOtherPrograms)
{
    const QString other = makeFile(QStringLiteral("app/llama-server"), "#!/bin/sh\n", true);
    m_search.pathDirs = {path(QStringLiteral("bin"))};
    m_search.appDir = path(QStringLiteral("app"));
    const QString error = m_config.executable + u" is not llama-server: '--version' printed no version.";
    const PreflightIssue issue = notLlamaServerIssue(m_config.executable, error, m_search);
    EXPECT_EQ(issue.code, PreflightCode::NotLlamaServer);
    EXPECT_EQ(issue.message, error);
    EXPECT_EQ(issue.hint,
              u"Choose the llama-server program of a llama.cpp build, or download one from " + ReleasesUrl
                      + u'.');
    EXPECT_EQ(issue.candidates, QStringList{other});
}
