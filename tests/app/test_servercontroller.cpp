// ServerController without a window: settings become the supervisor's config, a change to a
// running server is offered as a restart (and withdrawn when set back), the chat client follows
// the server that runs (its address and the key it was launched with), and the supervisor's
// failures become notices whose actions do what they say.
#include "controllerfixture.h"
#include "core/secrets/serverkey.h"

#include <QTcpServer>

#include <csignal>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
class ServerControllerTest : public ControllerTest
{
protected:
    // Sends one question and waits for its answer to end; the answer's state.
    MessageState ask(const QString &text)
    {
        if (!m_session->send(text))
            return MessageState::Error;
        if (!waitUntil([&] { return !m_session->isBusy(); }, std::chrono::seconds(15)))
            return MessageState::Streaming;
        return m_session->messages().constLast().state;
    }
};
} // namespace

TEST_F(ServerControllerTest, SendingIsRefusedWithTheServersStateUntilItRuns)
{
    QSignalSpy availability(m_chat.get(), &ChatController::sendAvailabilityChanged);
    EXPECT_EQ(m_chat->sendUnavailableReason(), QStringLiteral("The server is not running (unknown)"));
    ASSERT_NO_FATAL_FAILURE(startServer());
    EXPECT_TRUE(m_chat->sendUnavailableReason().isEmpty());
    ASSERT_FALSE(availability.isEmpty());
    EXPECT_TRUE(availability.constLast().at(0).toBool());
    m_server->stop();
    ASSERT_TRUE(waitUntil([&] { return m_server->state() == ServerState::Stopped; }));
    EXPECT_FALSE(availability.constLast().at(0).toBool());
    EXPECT_EQ(availability.constLast().at(1).toString(), QStringLiteral("The server is not running (stopped)"));
}

TEST_F(ServerControllerTest, TheChatClientUsesTheRunningServersAddressAndLaunchKey)
{
    const QString launched = generateApiKey();
    ASSERT_FALSE(m_settings->setSessionValue(Keys::ServerApiKey.toString(), launched));
    ASSERT_NO_FATAL_FAILURE(startServer());
    EXPECT_EQ(m_client->baseUrl(), m_supervisor->baseUrl());
    ASSERT_EQ(m_supervisor->launchedConfig()->apiKey, launched);
    EXPECT_EQ(ask(QStringLiteral("Hello")), MessageState::Complete) << m_session->messages().constLast().error.toStdString();

    // A new key (the settings' Regenerate) applies from the next start: until then the chat
    // keeps the key the server demands, and a restart is offered.
    ASSERT_FALSE(m_settings->setSessionValue(Keys::ServerApiKey.toString(), generateApiKey()));
    EXPECT_TRUE(m_server->restartNeeded());
    EXPECT_EQ(ask(QStringLiteral("Still there?")), MessageState::Complete)
            << m_session->messages().constLast().error.toStdString();
}

TEST_F(ServerControllerTest, AChangedSettingOffersARestartThatRestartsAndGoesAway)
{
    ASSERT_NO_FATAL_FAILURE(startServer());
    const qint64 before = m_supervisor->processId();
    QSignalSpy needed(m_server.get(), &ServerController::restartNeededChanged);
    ASSERT_FALSE(m_settings->set(Keys::ServerContextSize, 1024));
    ASSERT_EQ(needed.count(), 1);
    EXPECT_TRUE(needed.at(0).at(0).toBool());
    const Notice offer = lastServerNotice();
    EXPECT_EQ(offer.topic, Notice::Topic::RestartNeeded);
    EXPECT_EQ(offer.text, QStringLiteral("The server settings changed. Restart llama-server to use them."));
    const NoticeAction *restart = action(offer, QStringLiteral("Restart now"));
    ASSERT_NE(restart, nullptr);
    EXPECT_EQ(m_supervisor->processId(), before) << "offered, not forced";

    m_withdrawn->clear();
    restart->run();
    ASSERT_TRUE(waitUntil([&] { return m_server->isRunning() && m_supervisor->processId() != before; },
                          std::chrono::seconds(15)));
    EXPECT_FALSE(m_server->restartNeeded());
    EXPECT_EQ(m_supervisor->launchedConfig()->contextSize, 1024);
    ASSERT_FALSE(m_withdrawn->isEmpty());
    EXPECT_TRUE(std::any_of(m_withdrawn->cbegin(), m_withdrawn->cend(), [](const QList<QVariant> &args) {
        return args.at(0).value<Notice::Topic>() == Notice::Topic::RestartNeeded;
    }));
}

TEST_F(ServerControllerTest, ASettingSetBackToWhatRunsWithdrawsTheOffer)
{
    ASSERT_NO_FATAL_FAILURE(startServer());
    const qint64 before = m_supervisor->processId();
    ASSERT_FALSE(m_settings->set(Keys::ServerContextSize, 1024));
    ASSERT_TRUE(m_server->restartNeeded());
    m_withdrawn->clear();
    ASSERT_FALSE(m_settings->set(Keys::ServerContextSize, 2048));
    EXPECT_FALSE(m_server->restartNeeded());
    ASSERT_EQ(m_withdrawn->count(), 1);
    EXPECT_EQ(m_withdrawn->at(0).at(0).value<Notice::Topic>(), Notice::Topic::RestartNeeded);
    EXPECT_EQ(m_supervisor->processId(), before);
}

TEST_F(ServerControllerTest, ABusyPortIsReportedWithTheFreeOneAndUsingItStartsThere)
{
    QTcpServer squatter;
    ASSERT_TRUE(squatter.listen(QHostAddress::LocalHost));
    ASSERT_FALSE(m_settings->set(Keys::ServerPort, int(squatter.serverPort())));
    m_server->start();
    ASSERT_TRUE(waitUntil([&] { return !m_notices->isEmpty(); }));
    const Notice problem = lastServerNotice();
    EXPECT_EQ(problem.level, Notice::Level::Error);
    EXPECT_EQ(problem.topic, Notice::Topic::Server);
    ASSERT_EQ(problem.actions.size(), 1);
    const QString label = problem.actions.at(0).label;
    ASSERT_TRUE(label.startsWith(u"Use port ")) << label.toStdString();
    const int offered = label.mid(9).toInt();
    EXPECT_NE(offered, int(squatter.serverPort()));
    EXPECT_TRUE(problem.text.contains(QStringLiteral("Use port %1.").arg(offered))) << problem.text.toStdString();

    problem.actions.at(0).run();
    EXPECT_EQ(m_settings->get(Keys::ServerPort), offered);
    ASSERT_TRUE(waitUntil([&] { return m_server->isRunning(); }, std::chrono::seconds(15)))
            << m_server->stateReason().toStdString();
    EXPECT_EQ(m_server->baseUrl().port(), offered);
}

TEST_F(ServerControllerTest, ACrashThatIsRestartedSaysSoAndTheNoticeGoesOnceItRunsAgain)
{
    ASSERT_NO_FATAL_FAILURE(startServer());
    const qint64 pid = m_supervisor->processId();
    m_withdrawn->clear();
    ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGKILL), 0);
    ASSERT_TRUE(waitUntil([&] { return !m_notices->isEmpty(); }));
    const Notice crash = lastServerNotice();
    EXPECT_EQ(crash.level, Notice::Level::Warning);
    EXPECT_EQ(crash.topic, Notice::Topic::Server);
    EXPECT_TRUE(crash.text.endsWith(u"Restarting automatically.")) << crash.text.toStdString();
    ASSERT_TRUE(waitUntil([&] { return m_server->isRunning() && m_supervisor->processId() != pid; },
                          std::chrono::seconds(15)));
    EXPECT_TRUE(std::any_of(m_withdrawn->cbegin(), m_withdrawn->cend(), [](const QList<QVariant> &args) {
        return args.at(0).value<Notice::Topic>() == Notice::Topic::Server;
    }));
}

TEST_F(ServerControllerTest, ModelCapabilitiesComeFromTheRunningServersProps)
{
    EXPECT_EQ(m_server->imageUnavailableReason(), QStringLiteral("The server is not running"));
    ASSERT_FALSE(m_settings->set(Keys::ServerMmproj, QString(sharedDir() + QStringLiteral("/models/tiny-mmproj-vision.gguf"))));
    ASSERT_NO_FATAL_FAILURE(startServer());
    EXPECT_TRUE(m_server->modelSees());
    EXPECT_FALSE(m_server->modelHears());
    EXPECT_TRUE(m_server->imageUnavailableReason().isEmpty());
    EXPECT_EQ(m_server->contextSize(), 2048);

    // Stopped, nothing is claimed about a model that is not there.
    QSignalSpy capabilities(m_server.get(), &ServerController::capabilitiesChanged);
    m_server->stop();
    ASSERT_TRUE(waitUntil([&] { return m_server->state() == ServerState::Stopped; }));
    EXPECT_FALSE(capabilities.isEmpty());
    EXPECT_FALSE(m_server->modelSees());
    EXPECT_EQ(m_server->contextSize(), 0);
}

TEST_F(ServerControllerTest, AutostartFollowsTheSettingAndNeedsAModel)
{
    ASSERT_FALSE(m_settings->set(Keys::ServerAutostart, false));
    m_server->autostart();
    EXPECT_FALSE(m_server->hasProcess());
    ASSERT_FALSE(m_settings->set(Keys::ServerAutostart, true));
    m_server->autostart();
    ASSERT_TRUE(waitUntil([&] { return m_server->isRunning(); }, std::chrono::seconds(15)));
    m_server->stop();
    ASSERT_TRUE(waitUntil([&] { return !m_server->hasProcess(); }));

    ASSERT_FALSE(m_settings->set(Keys::ServerModel, QString()));
    m_server->autostart();
    EXPECT_FALSE(m_server->hasProcess()) << "no model: nothing to start, and no error for a first run";
    EXPECT_TRUE(m_notices->isEmpty());
}

TEST_F(ServerControllerTest, ShutDownIsReadyOnceTheServerIsGoneAndStartsNothingAfter)
{
    ASSERT_NO_FATAL_FAILURE(startServer());
    QSignalSpy ready(m_server.get(), &ServerController::quitReady);
    m_server->shutDown();
    EXPECT_TRUE(ready.isEmpty()) << "not before the server has stopped";
    ASSERT_TRUE(ready.wait(10000));
    EXPECT_FALSE(m_server->hasProcess());
    m_server->autostart(); // the key arriving late must not start a server for an app that quits
    EXPECT_FALSE(m_server->hasProcess());

    // Without a server there is nothing to wait for.
    ready.clear();
    m_server->shutDown();
    EXPECT_EQ(ready.count(), 1);
}
