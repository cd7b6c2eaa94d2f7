#include "core/server/versionprobe.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <ostream>

void PrintTo(const QString &value, std::ostream *os)
{
    *os << '"' << value.toStdString() << '"';
}

using namespace Llamadesk;
using namespace std::chrono_literals;

// ---- parseVersionOutput -------------------------------------------------------------------------

TEST(VersionOutput, RealServerLines)
{
    const auto info = parseVersionOutput(QStringLiteral(
            "version: 5930 (3f4fc97f)\nbuilt with cc (Debian 12.2.0-14) 12.2.0 for x86_64-linux-gnu\n"));
    ASSERT_TRUE(info);
    EXPECT_EQ(info->version, QStringLiteral("5930 (3f4fc97f)"));
    EXPECT_EQ(info->buildInfo, QStringLiteral("cc (Debian 12.2.0-14) 12.2.0 for x86_64-linux-gnu"));
}

TEST(VersionOutput, BackendLinesBeforeAreSkipped)
{
    const auto info = parseVersionOutput(QStringLiteral(
            "load_backend: loaded RPC backend from /opt/llama/libggml-rpc.so\r\n"
            "load_backend: loaded CPU backend from /opt/llama/libggml-cpu-haswell.so\r\n"
            "version: 6100 (abc1234)\r\nbuilt with clang version 19.1.0 for arm64-apple-darwin24.0.0\r\n"));
    ASSERT_TRUE(info);
    EXPECT_EQ(info->version, QStringLiteral("6100 (abc1234)"));
    EXPECT_EQ(info->buildInfo, QStringLiteral("clang version 19.1.0 for arm64-apple-darwin24.0.0"));
}

TEST(VersionOutput, VersionWithoutBuildLineIsEnough)
{
    const auto info = parseVersionOutput(QStringLiteral("version: 1 (x)"));
    ASSERT_TRUE(info);
    EXPECT_EQ(*info, (VersionInfo{QStringLiteral("1 (x)"), QString()}));
}

TEST(VersionOutput, NoVersionLineIsNoVersion)
{
    EXPECT_EQ(parseVersionOutput(QString()), std::nullopt);
    EXPECT_EQ(parseVersionOutput(QStringLiteral("Python 3.11.2\n")), std::nullopt);
    EXPECT_EQ(parseVersionOutput(QStringLiteral("built with cc for x86_64\n")), std::nullopt);
    EXPECT_EQ(parseVersionOutput(QStringLiteral("version:   \n")), std::nullopt);
    EXPECT_EQ(parseVersionOutput(QStringLiteral("the version: 3\n")), std::nullopt);
}

// ---- VersionProbe -------------------------------------------------------------------------------

namespace
{
class VersionProbeTest : public ::testing::Test
{
protected:
    // A shell script standing in for a program; body runs after "#!/bin/sh".
    QString script(const QString &name, const QByteArray &body, bool executable = true) const
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        EXPECT_TRUE(file.open(QIODevice::WriteOnly));
        file.write("#!/bin/sh\n" + body + '\n');
        file.close();
        QFileDevice::Permissions permissions = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
        if (executable)
            permissions |= QFileDevice::ExeOwner;
        EXPECT_TRUE(file.setPermissions(permissions));
        return path;
    }

    // Runs one probe to its end and returns finished()'s arguments.
    std::pair<std::optional<VersionInfo>, QString> probe(const QString &executable,
                                                         std::chrono::milliseconds timeout = 5s)
    {
        VersionProbe probe;
        probe.setTimeout(timeout);
        QSignalSpy spy(&probe, &VersionProbe::finished);
        probe.start(executable);
        EXPECT_TRUE(spy.wait(10000));
        EXPECT_EQ(spy.count(), 1);
        if (spy.isEmpty())
            return {std::nullopt, QStringLiteral("(no finished signal)")};
        return {spy.at(0).at(0).value<std::optional<VersionInfo>>(), spy.at(0).at(1).toString()};
    }

    QTemporaryDir m_dir;
};
} // namespace

TEST_F(VersionProbeTest, RecognisesTheFakeServer)
{
    const auto [version, error] = probe(QStringLiteral(LLAMADESK_FAKE_LLAMA_SERVER));
    ASSERT_TRUE(version) << error.toStdString();
    // The fake imitates 0.5.0 by default and quotes that release's --version and --help.
    EXPECT_EQ(version->version, QStringLiteral("0.5.0-dev (build 1, commit de3ff81)"));
    EXPECT_EQ(version->buildInfo, QStringLiteral("GNU 12.2.0 for Linux x86_64"));
    ASSERT_TRUE(version->flags);
    EXPECT_TRUE(version->flags->knows(QStringLiteral("--alias")));
    EXPECT_FALSE(version->flags->knows(QStringLiteral("--no-mmap")));
    EXPECT_EQ(error, QString());
}

TEST_F(VersionProbeTest, ReadsAVersionPrintedOnStderr)
{
    const QString program = script(QStringLiteral("llama-server"),
                                   "echo 'version: 42 (cafe)' >&2\necho 'built with cc for x' >&2");
    const auto [version, error] = probe(program);
    ASSERT_TRUE(version) << error.toStdString();
    EXPECT_EQ(*version, (VersionInfo{QStringLiteral("42 (cafe)"), QStringLiteral("cc for x")}));
}

TEST_F(VersionProbeTest, ProgramWithoutAVersionIsNotLlamaServer)
{
    const QString program = script(QStringLiteral("python3"), "echo 'Python 3.11.2'");
    const auto [version, error] = probe(program);
    EXPECT_FALSE(version);
    EXPECT_EQ(error, program + u" is not llama-server: '--version' printed no version.");
}

TEST_F(VersionProbeTest, FailingProgramIsQuotedWithItsExitCode)
{
    const QString program = script(
            QStringLiteral("llama-server"),
            "echo \"$0: error while loading shared libraries: libllama.so: cannot open shared object file\" >&2\nexit 127");
    const auto [version, error] = probe(program);
    EXPECT_FALSE(version);
    EXPECT_EQ(
            error,
            program + u" failed to answer '--version' (exit code 127): " + program
                    + u": error while loading shared libraries: libllama.so: cannot open shared object file.");
}

TEST_F(VersionProbeTest, CrashIsReported)
{
    const QString program = script(QStringLiteral("llama-server"), "kill -SEGV $$");
    const auto [version, error] = probe(program);
    EXPECT_FALSE(version);
    EXPECT_EQ(error, program + u" crashed when asked for '--version'.");
}

TEST_F(VersionProbeTest, SlowProgramTimesOut)
{
    const QString program = script(QStringLiteral("llama-server"), "exec sleep 30");
    QElapsedTimer clock;
    clock.start();
    const auto [version, error] = probe(program, 300ms);
    EXPECT_FALSE(version);
    EXPECT_EQ(error, program + u" did not answer '--version' within 0.3 s.");
    EXPECT_LT(clock.elapsed(), 5000);
}

// A build with GPU backends loads all of them before it answers --version.
TEST_F(VersionProbeTest, DefaultTimeoutAllowsTwentySeconds)
{
    VersionProbe probe;
    EXPECT_GE(probe.timeout(), 20000ms);
}

TEST_F(VersionProbeTest, ReadsWhichFlagsTheBinaryKnowsFromItsHelp)
{
    const QString help = TestSupport::sharedDir() + u"/llama-server-samples/b7347/help.txt";
    const QString program = script(QStringLiteral("llama-server"),
                                   "case \"$1\" in\n"
                                   "--version) echo 'version: 1 (57a6f5c)'; echo 'built with GNU 12.2.0 for Linux x86_64' ;;\n"
                                   "--help) grep -v '^exit ' '" + help.toUtf8() + "' ;;\n"
                                   "esac");
    const auto [version, error] = probe(program);
    ASSERT_TRUE(version) << error.toStdString();
    ASSERT_TRUE(version->flags) << "the help was not read";
    EXPECT_TRUE(version->flags->knows(QStringLiteral("--no-mmap")));
    EXPECT_FALSE(version->flags->gpuLayersTakeWords);
}

TEST_F(VersionProbeTest, AHelpThatNeverEndsLeavesTheFlagsUnknownAndIsNoError)
{
    const QString program = script(QStringLiteral("llama-server"),
                                   "case \"$1\" in\n"
                                   "--version) echo 'version: 42 (cafe)' ;;\n"
                                   "--help) exec sleep 60 ;;\n"
                                   "esac");
    const auto [version, error] = probe(program, 3s);
    ASSERT_TRUE(version) << error.toStdString();
    EXPECT_EQ(version->version, QStringLiteral("42 (cafe)"));
    EXPECT_FALSE(version->flags);
    EXPECT_EQ(error, QString());
}

TEST_F(VersionProbeTest, MissingProgramCouldNotBeStarted)
{
    const QString program = m_dir.filePath(QStringLiteral("nowhere/llama-server"));
    const auto [version, error] = probe(program);
    EXPECT_FALSE(version);
    EXPECT_TRUE(error.startsWith(program + u" could not be started: ")) << error.toStdString();
    EXPECT_TRUE(error.endsWith(u'.'));
}

TEST_F(VersionProbeTest, FileWithoutExecutePermissionCouldNotBeStarted)
{
    const QString program = script(QStringLiteral("llama-server"), "echo 'version: 1 (x)'", false);
    const auto [version, error] = probe(program);
    EXPECT_FALSE(version);
    EXPECT_TRUE(error.startsWith(program + u" could not be started: ")) << error.toStdString();
}

TEST_F(VersionProbeTest, FinishedIsNeverEmittedInsideStart)
{
    VersionProbe probe;
    QSignalSpy spy(&probe, &VersionProbe::finished);
    probe.start(m_dir.filePath(QStringLiteral("nowhere/llama-server")));
    EXPECT_EQ(spy.count(), 0);
    EXPECT_TRUE(probe.isRunning());
    EXPECT_TRUE(spy.wait(5000));
    EXPECT_FALSE(probe.isRunning());
}

TEST_F(VersionProbeTest, SecondStartAbortsTheFirstWithoutEmittingForIt)
{
    const QString slow = script(QStringLiteral("slow"), "exec sleep 30");
    const QString fast = script(QStringLiteral("fast"), "echo 'version: 2 (fast)'");
    VersionProbe probe;
    QSignalSpy spy(&probe, &VersionProbe::finished);
    probe.start(slow);
    probe.start(fast);
    ASSERT_TRUE(spy.wait(5000));
    EXPECT_FALSE(spy.wait(300)) << "a second finished() came";
    ASSERT_EQ(spy.count(), 1);
    const auto version = spy.at(0).at(0).value<std::optional<VersionInfo>>();
    ASSERT_TRUE(version);
    EXPECT_EQ(version->version, QStringLiteral("2 (fast)"));
}

TEST_F(VersionProbeTest, SecondStartDropsAFailureAlreadyQueuedForTheFirst)
{
    const QString fast = script(QStringLiteral("fast"), "echo 'version: 3 (x)'");
    VersionProbe probe;
    QSignalSpy spy(&probe, &VersionProbe::finished);
    probe.start(m_dir.filePath(QStringLiteral("nowhere")));
    probe.start(fast);
    ASSERT_TRUE(spy.wait(5000));
    EXPECT_FALSE(spy.wait(300));
    ASSERT_EQ(spy.count(), 1);
    EXPECT_TRUE(spy.at(0).at(0).value<std::optional<VersionInfo>>());
}

TEST_F(VersionProbeTest, AbortEmitsNothing)
{
    const QString slow = script(QStringLiteral("slow"), "exec sleep 30");
    VersionProbe probe;
    probe.setTimeout(200ms);
    QSignalSpy spy(&probe, &VersionProbe::finished);
    probe.start(slow);
    probe.abort();
    EXPECT_FALSE(probe.isRunning());
    EXPECT_FALSE(spy.wait(500));
}

TEST_F(VersionProbeTest, ProbeCanBeReused)
{
    const QString first = script(QStringLiteral("first"), "echo 'version: 1 (a)'");
    const QString second = script(QStringLiteral("second"), "echo nothing");
    VersionProbe probe;
    QSignalSpy spy(&probe, &VersionProbe::finished);
    probe.start(first);
    ASSERT_TRUE(spy.wait(5000));
    probe.start(second);
    ASSERT_TRUE(spy.wait(5000));
    ASSERT_EQ(spy.count(), 2);
    EXPECT_TRUE(spy.at(0).at(0).value<std::optional<VersionInfo>>());
    EXPECT_EQ(spy.at(1).at(1).toString(), second + u" is not llama-server: '--version' printed no version.");
}

TEST_F(VersionProbeTest, DeletingARunningProbeDoesNotWaitForTheProgram)
{
    const QString slow = script(QStringLiteral("slow"), "exec sleep 30");
    QElapsedTimer clock;
    clock.start();
    {
        VersionProbe probe;
        probe.start(slow);
        QTest::qWait(100);
    }
    EXPECT_LT(clock.elapsed(), 2000);
}
