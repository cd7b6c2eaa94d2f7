#include "app/logging.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QLoggingCategory>

#include <spdlog/spdlog.h>

#include <gtest/gtest.h>

using namespace Llamadesk;

namespace
{
Q_LOGGING_CATEGORY(testCategory, "llamadesk.test")

class LoggingTest : public ::testing::Test
{
protected:
    void TearDown() override { Logging::shutdown(); }

    QByteArray logFile() const
    {
        spdlog::default_logger()->flush();
        return TestSupport::readFile(m_dir.filePath(QStringLiteral("logs/llamadesk.log")));
    }

    TestSupport::TempXdg m_xdg;
    QTemporaryDir m_dir;
};
} // namespace

TEST_F(LoggingTest, DefaultDirectoryIsTheAppDataLogsFolder)
{
    EXPECT_EQ(Logging::defaultDirectory(), m_xdg.dataHome() + QStringLiteral("/llamadesk/logs"));
}

TEST_F(LoggingTest, MessagesReachTheLogFile)
{
    ASSERT_FALSE(Logging::initialize(QStringLiteral("info"), m_dir.filePath(QStringLiteral("logs"))));
    spdlog::info("hello from the test {}", 42);
    EXPECT_TRUE(logFile().contains("[info] hello from the test 42")) << logFile().constData();
}

TEST_F(LoggingTest, QtMessagesAreForwarded)
{
    ASSERT_FALSE(Logging::initialize(QStringLiteral("debug"), m_dir.filePath(QStringLiteral("logs"))));
    qWarning("a Qt warning %d", 7);
    qCInfo(testCategory) << "categorised";
    const QByteArray log = logFile();
    EXPECT_TRUE(log.contains("[warning] a Qt warning 7")) << log.constData();
    EXPECT_TRUE(log.contains("[info] [llamadesk.test] categorised")) << log.constData();
}

TEST_F(LoggingTest, LevelFiltersLowerMessages)
{
    ASSERT_FALSE(Logging::initialize(QStringLiteral("warning"), m_dir.filePath(QStringLiteral("logs"))));
    spdlog::info("quiet info");
    spdlog::warn("loud warning");
    const QByteArray log = logFile();
    EXPECT_FALSE(log.contains("quiet info"));
    EXPECT_TRUE(log.contains("loud warning"));
}

TEST_F(LoggingTest, UnwritableFolderFallsBackToStderrWithAReason)
{
    QFile blocker(m_dir.filePath(QStringLiteral("blocker")));
    ASSERT_TRUE(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    const auto problem = Logging::initialize(QStringLiteral("info"), m_dir.filePath(QStringLiteral("blocker/logs")));
    ASSERT_TRUE(problem.has_value());
    EXPECT_TRUE(problem->startsWith(u"Could not create the log folder")) << problem->toStdString();
    spdlog::info("still logging");
}
