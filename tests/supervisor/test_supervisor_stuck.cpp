// Issue 13: a server that is stuck, and the supervisor that must not be. A server that SIGKILL
// does not end (uninterruptible sleep, which cannot be produced on purpose, stood for by a
// signal seam that drops every signal), Stop pressed while a hung server is being killed, and
// the search for a busy port's owner, which must not hold the event loop.
#include "supervisorfixture.h"

#include <QCoreApplication>
#include <QSemaphore>
#include <QTcpServer>
#include <QThreadPool>
#include <QTimer>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <memory>
#include <sys/types.h>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
#define SKIP_ON_REAL_SERVER()                                                                                \
    do {                                                                                                     \
        if (usingRealServer())                                                                               \
            GTEST_SKIP() << "uses the fake server's failure modes";                                          \
    } while (false)

bool processExists(qint64 pid)
{
    const QByteArray status = readFile(QStringLiteral("/proc/%1/status").arg(pid));
    return !status.isEmpty() && !status.contains("State:\tZ");
}

QString logText(const ServerSupervisor &supervisor)
{
    QStringList texts;
    for (qsizetype i = 0; i < supervisor.log().size(); ++i)
        texts.append(supervisor.log().at(i).text);
    return texts.join(u'\n');
}

// What the app's log (spdlog) says while the object lives.
class LogCapture final
{
public:
    LogCapture()
        : m_sink(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(500))
    {
        spdlog::default_logger()->sinks().push_back(m_sink);
    }
    ~LogCapture()
    {
        auto &sinks = spdlog::default_logger()->sinks();
        sinks.erase(std::remove(sinks.begin(), sinks.end(), m_sink), sinks.end());
    }
    Q_DISABLE_COPY_MOVE(LogCapture)

    std::string text() const
    {
        std::string all;
        for (const std::string &line : m_sink->last_formatted())
            all += line;
        return all;
    }

private:
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> m_sink;
};

// Signals that reach nobody, as for a process in uninterruptible sleep; what was sent is kept.
struct DroppedSignals
{
    QList<ServerSignal> sent;
};

// A lookup of a busy port's owner that blocks until the test lets it go.
struct BlockingLookup
{
    QSemaphore entered;
    QSemaphore release;
};
} // namespace

class StuckServer : public SupervisorTest
{
protected:
    void TearDown() override
    {
        // A process the supervisor gave up on is the test's to end.
        if (m_leftBehind > 0) {
            ::kill(static_cast<pid_t>(m_leftBehind), SIGKILL);
            EXPECT_TRUE(waitUntil([&] { return !processExists(m_leftBehind); }));
        }
        SupervisorTest::TearDown();
    }

    qint64 m_leftBehind = 0;
};

TEST_F(StuckServer, AServerThatSigkillDoesNotEndIsAbandonedAndTheStopEnds)
{
    auto dropped = std::make_shared<DroppedSignals>();
    SupervisorOptions options = fastOptions();
    options.stopGrace = std::chrono::milliseconds(200);
    options.killGrace = std::chrono::milliseconds(300);
    options.sendSignal = [dropped](qint64, ServerSignal signal) {
        dropped->sent.append(signal);
        return true;
    };
    ServerSupervisor &supervisor = makeSupervisor(options);
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    const qint64 pid = supervisor.processId();
    m_leftBehind = pid;
    LogCapture log;

    supervisor.stop();
    ASSERT_TRUE(waitForState(ServerState::Stopped)) << supervisor.stateReason().toStdString();
    EXPECT_FALSE(supervisor.hasProcess());
    EXPECT_EQ(supervisor.abandonedPid(), pid);
    EXPECT_TRUE(processExists(pid)) << "the seam stood for a process that does not end";
    EXPECT_EQ(dropped->sent, (QList<ServerSignal>{ServerSignal::Terminate, ServerSignal::Kill}));
    EXPECT_EQ(supervisor.stateReason(),
              QStringLiteral("Stopped; llama-server (pid %1) did not exit after SIGKILL and was left behind.").arg(pid));
    EXPECT_NE(log.text().find("[warning] abandoned llama-server pid " + std::to_string(pid)), std::string::npos)
            << log.text();
    EXPECT_TRUE(logText(supervisor).contains(QStringLiteral("llama-server (pid %1) did not exit within 0.3 s of SIGKILL").arg(pid)))
            << logText(supervisor).toStdString();
}

TEST_F(StuckServer, AHungServerThatSigkillDoesNotEndFailsInsteadOfWaitingForEver)
{
    SKIP_ON_REAL_SERVER();
    m_env.set("FAKE_LLAMA_NEVER_HEALTHY", "1");
    SupervisorOptions options = fastOptions();
    options.noAnswerTimeout = std::chrono::milliseconds(600);
    options.probeTimeout = std::chrono::milliseconds(200);
    options.killGrace = std::chrono::milliseconds(300);
    options.sendSignal = [](qint64, ServerSignal) { return true; };
    ServerSupervisor &supervisor = makeSupervisor(options);
    supervisor.start();
    ASSERT_TRUE(waitUntil([&] { return supervisor.processId() > 0; }));
    m_leftBehind = supervisor.processId();
    ASSERT_TRUE(waitForState(ServerState::Failed)) << supervisor.stateReason().toStdString();
    EXPECT_FALSE(supervisor.hasProcess());
    EXPECT_TRUE(supervisor.stateReason().endsWith(
            QStringLiteral("It did not exit after SIGKILL either (pid %1) and was left behind.").arg(m_leftBehind)))
            << supervisor.stateReason().toStdString();
}

// The supervisor finds the server hung (no answer to /health), kills it and would restart it;
// Stop pressed before that kill took effect ends Stopped, and nothing is restarted.
TEST_F(StuckServer, StopPressedWhileAHungServerIsBeingKilledEndsStoppedWithoutARestart)
{
    SKIP_ON_REAL_SERVER();
    SupervisorOptions options = fastOptions();
    options.slowPoll = std::chrono::milliseconds(100);
    options.probeTimeout = std::chrono::milliseconds(200);
    options.noAnswerTimeout = std::chrono::milliseconds(800);
    ServerSupervisor &supervisor = makeSupervisor(options);
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    const qint64 pid = supervisor.processId();
    // The user presses Stop in the moment between the supervisor's SIGKILL and the exit.
    bool stopPressed = false;
    QObject::connect(&supervisor, &ServerSupervisor::logLineAdded, &supervisor, [&](const ServerLogLine &line) {
        if (!stopPressed && line.text.contains(u"Sending SIGKILL")) {
            stopPressed = true;
            supervisor.stop();
        }
    });
    ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGSTOP), 0);

    ASSERT_TRUE(waitUntil([&] {
        return supervisor.state() == ServerState::Stopped || supervisor.state() == ServerState::Crashed
                || supervisor.state() == ServerState::Failed;
    }, std::chrono::seconds(10)));
    EXPECT_TRUE(stopPressed);
    EXPECT_EQ(supervisor.state(), ServerState::Stopped) << supervisor.stateReason().toStdString();
    EXPECT_FALSE(states().contains(ServerState::Crashed));
    EXPECT_FALSE(supervisor.hasProcess());
    EXPECT_TRUE(waitUntil([&] { return !processExists(pid); }));
}

// The owner of a busy port is read from /proc/*/fd, which can take long; the event loop goes on
// meanwhile, and the answer still reaches the message.
TEST_F(StuckServer, TheSearchForABusyPortsOwnerDoesNotHoldTheEventLoop)
{
    QTcpServer occupier;
    ASSERT_TRUE(occupier.listen(QHostAddress::LocalHost, 0));
    m_config.port = occupier.serverPort();
    auto lookup = std::make_shared<BlockingLookup>();
    SupervisorOptions options = fastOptions();
    options.portOwnerTimeout = std::chrono::seconds(60);
    options.findPortOwner = [lookup](int) {
        lookup->entered.release();
        // Bounded, so that a supervisor that calls this on the GUI thread fails the test instead
        // of hanging it.
        (void)lookup->release.tryAcquire(1, 5000);
        PortOwner owner;
        owner.pid = 4242;
        owner.name = QStringLiteral("holder");
        return std::optional<PortOwner>(owner);
    };
    ServerSupervisor &supervisor = makeSupervisor(options);
    QSignalSpy failed(&supervisor, &ServerSupervisor::preflightFailed);
    supervisor.start();
    ASSERT_TRUE(waitUntil([&] { return lookup->entered.available() > 0; }));

    // The lookup is blocked; timers still fire and the state says what is going on.
    bool timerFired = false;
    QTimer::singleShot(0, &supervisor, [&] { timerFired = true; });
    EXPECT_TRUE(waitUntil([&] { return timerFired; }));
    EXPECT_EQ(failed.count(), 0) << "the owner's name was waited for on the event loop's thread";
    EXPECT_EQ(supervisor.state(), ServerState::Starting);
    EXPECT_EQ(supervisor.stateReason(),
              QStringLiteral("Port %1 is in use; looking for the program that holds it").arg(m_config.port));

    lookup->release.release();
    ASSERT_TRUE(failed.wait(5000));
    ASSERT_TRUE(supervisor.lastIssue().has_value());
    const PreflightIssue issue = *supervisor.lastIssue();
    EXPECT_EQ(issue.code, PreflightCode::PortBusy);
    ASSERT_TRUE(issue.portOwner.has_value());
    EXPECT_EQ(issue.portOwner->pid, 4242);
    EXPECT_EQ(issue.message, QStringLiteral("Port %1 on 127.0.0.1 is in use by holder (pid 4242).").arg(m_config.port));
    EXPECT_EQ(supervisor.state(), ServerState::Failed);
}

TEST_F(StuckServer, ASearchForABusyPortsOwnerThatTakesTooLongNamesNoOne)
{
    QTcpServer occupier;
    ASSERT_TRUE(occupier.listen(QHostAddress::LocalHost, 0));
    m_config.port = occupier.serverPort();
    auto lookup = std::make_shared<BlockingLookup>();
    SupervisorOptions options = fastOptions();
    options.portOwnerTimeout = std::chrono::milliseconds(200);
    options.findPortOwner = [lookup](int) {
        lookup->entered.release();
        (void)lookup->release.tryAcquire(1, 10000);
        PortOwner owner;
        owner.pid = 4242;
        owner.name = QStringLiteral("late");
        return std::optional<PortOwner>(owner);
    };
    ServerSupervisor &supervisor = makeSupervisor(options);
    QSignalSpy failed(&supervisor, &ServerSupervisor::preflightFailed);
    supervisor.start();
    ASSERT_TRUE(failed.wait(5000));
    lookup->release.release(); // the late answer arrives now and is ignored
    ASSERT_TRUE(supervisor.lastIssue().has_value());
    const PreflightIssue issue = *supervisor.lastIssue();
    EXPECT_FALSE(issue.portOwner.has_value());
    EXPECT_EQ(issue.message, QStringLiteral("Port %1 on 127.0.0.1 is in use by another program.").arg(m_config.port));
    ASSERT_TRUE(issue.suggestedPort.has_value());
    EXPECT_TRUE(waitUntil([&] { return QThreadPool::globalInstance()->activeThreadCount() == 0; }));
    QCoreApplication::processEvents(); // the late answer, posted before its thread ended
    EXPECT_EQ(failed.count(), 1);
    EXPECT_FALSE(supervisor.lastIssue()->portOwner.has_value());
}

// Settings saved while the owner was looked for (the banner's "Use port N") are checked and
// launched, not refused for the port they no longer name.
TEST_F(StuckServer, AnotherPortSavedWhileTheOwnerIsLookedForIsLaunched)
{
    QTcpServer occupier;
    ASSERT_TRUE(occupier.listen(QHostAddress::LocalHost, 0));
    m_config.port = occupier.serverPort();
    auto lookup = std::make_shared<BlockingLookup>();
    SupervisorOptions options = fastOptions();
    options.portOwnerTimeout = std::chrono::seconds(60);
    options.findPortOwner = [lookup](int) {
        lookup->entered.release();
        (void)lookup->release.tryAcquire(1, 5000);
        return std::optional<PortOwner>();
    };
    ServerSupervisor &supervisor = makeSupervisor(options);
    QSignalSpy failed(&supervisor, &ServerSupervisor::preflightFailed);
    supervisor.start();
    ASSERT_TRUE(waitUntil([&] { return lookup->entered.available() > 0; }));
    ServerConfig other = m_config;
    other.port = 0;
    supervisor.setConfig(other);
    lookup->release.release();
    ASSERT_TRUE(waitForState(ServerState::Running)) << supervisor.stateReason().toStdString();
    EXPECT_EQ(failed.count(), 0);
    EXPECT_NE(supervisor.baseUrl().port(), m_config.port);
}
