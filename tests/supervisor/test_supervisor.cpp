// ServerSupervisor against the fake llama-server (tests/fakes), which behaves as the real one
// does (tests/integration/test_server_conformance). Failure modes are chosen through the fake's
// environment variables, so those tests run against the fake only.
#include "core/server/processguard.h"
#include "supervisorfixture.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QTemporaryDir>

#include <csignal>
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
    // A zombie waiting to be reaped no longer runs: count it as gone.
    const QByteArray status = readFile(QStringLiteral("/proc/%1/status").arg(pid));
    return !status.isEmpty() && !status.contains("State:\tZ");
}

QStringList logTexts(const ServerSupervisor &supervisor)
{
    QStringList texts;
    for (qsizetype i = 0; i < supervisor.log().size(); ++i)
        texts.append(supervisor.log().at(i).text);
    return texts;
}

// A shell script at dir/name with body, executable.
QString writeScript(const QTemporaryDir &dir, const QString &name, const QByteArray &body)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write("#!/bin/sh\n" + body);
    file.close();
    file.setPermissions(file.permissions() | QFileDevice::ExeOwner | QFileDevice::ExeUser);
    return path;
}

QNetworkReply *postChat(QNetworkAccessManager &network, const QUrl &base, bool stream, const QByteArray &key = {})
{
    QUrl url = base;
    url.setPath(QStringLiteral("/v1/chat/completions"));
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (!key.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + key);
    const QByteArray body = QByteArrayLiteral(R"({"messages":[{"role":"user","content":"hi"}],"max_tokens":64,"stream":)") +
                            (stream ? "true" : "false") + '}';
    return network.post(request, body);
}
} // namespace

class Supervisor : public SupervisorTest
{
};

TEST_F(Supervisor, StartGoesThroughStartingAndLoadingToRunning)
{
    SKIP_ON_REAL_SERVER();
    m_env.set("FAKE_LLAMA_LOAD_MS", "400");
    ServerSupervisor &supervisor = makeSupervisor();
    QSignalSpy health(&supervisor, &ServerSupervisor::healthChanged);
    QSignalSpy stages(&supervisor, &ServerSupervisor::stageChanged);
    EXPECT_EQ(supervisor.state(), ServerState::Unknown);

    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running)) << supervisor.stateReason().toStdString();
    EXPECT_EQ(states(), (QList<ServerState>{ServerState::Starting, ServerState::Loading, ServerState::Running}));
    EXPECT_TRUE(supervisor.isHealthy());
    ASSERT_GE(health.count(), 1);
    EXPECT_TRUE(health.constLast().at(0).toBool());
    EXPECT_GT(supervisor.processId(), 0);
    EXPECT_TRUE(processExists(supervisor.processId()));
    EXPECT_TRUE(supervisor.runningSince().isValid());
    EXPECT_EQ(supervisor.baseUrl().host(), QStringLiteral("127.0.0.1"));
    EXPECT_GT(supervisor.baseUrl().port(), 0);
    EXPECT_EQ(supervisor.log().stage(), LoadStage::Listening);
    EXPECT_GE(stages.count(), 3);
    ASSERT_TRUE(supervisor.serverVersion().has_value());
    EXPECT_FALSE(supervisor.serverVersion()->version.isEmpty());
}

TEST_F(Supervisor, StartWorksAgainstTheServerUnderTest)
{
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running)) << supervisor.stateReason().toStdString();
    EXPECT_TRUE(supervisor.log().slotInfo().has_value());
    EXPECT_EQ(supervisor.log().listeningPort(), supervisor.baseUrl().port());
}

TEST_F(Supervisor, StopGoesThroughStoppingToStoppedAndTheProcessIsGone)
{
    ServerSupervisor &supervisor = makeSupervisor();
    QSignalSpy aboutToStop(&supervisor, &ServerSupervisor::aboutToStop);
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    const qint64 pid = supervisor.processId();

    supervisor.stop();
    EXPECT_EQ(supervisor.state(), ServerState::Stopping);
    EXPECT_EQ(aboutToStop.count(), 1);
    ASSERT_TRUE(waitForState(ServerState::Stopped));
    EXPECT_FALSE(supervisor.hasProcess());
    EXPECT_FALSE(supervisor.isHealthy());
    EXPECT_FALSE(processExists(pid));
    EXPECT_EQ(states().mid(states().size() - 2), (QList<ServerState>{ServerState::Stopping, ServerState::Stopped}));
}

TEST_F(Supervisor, StopBeforeAnythingRanSaysStopped)
{
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.stop();
    EXPECT_EQ(supervisor.state(), ServerState::Stopped);
}

TEST_F(Supervisor, RestartRunsANewProcess)
{
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    const qint64 first = supervisor.processId();
    supervisor.restart();
    ASSERT_TRUE(waitUntil([&] {
        return supervisor.state() == ServerState::Running && supervisor.processId() != first;
    }, std::chrono::seconds(10)));
    EXPECT_FALSE(processExists(first));
    EXPECT_TRUE(states().contains(ServerState::Stopped));
}

TEST_F(Supervisor, MissingModelFailsBeforeAnythingIsSpawned)
{
    m_config.model = QStringLiteral("/nonexistent/model.gguf");
    ServerSupervisor &supervisor = makeSupervisor();
    QSignalSpy issues(&supervisor, &ServerSupervisor::preflightFailed);
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Failed));
    EXPECT_EQ(supervisor.stateReason(), QStringLiteral("The model /nonexistent/model.gguf does not exist."));
    ASSERT_EQ(issues.count(), 1);
    ASSERT_TRUE(supervisor.lastIssue().has_value());
    EXPECT_EQ(supervisor.lastIssue()->code, PreflightCode::ModelMissing);
    EXPECT_FALSE(supervisor.hasProcess());
    EXPECT_EQ(supervisor.log().size(), 0) << "nothing was spawned, so nothing was logged";
}

TEST_F(Supervisor, BusyPortFailsWithTheNextFreePortOffered)
{
    QTcpServer occupier;
    ASSERT_TRUE(occupier.listen(QHostAddress::LocalHost, 0));
    m_config.port = occupier.serverPort();
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Failed));
    ASSERT_TRUE(supervisor.lastIssue().has_value());
    EXPECT_EQ(supervisor.lastIssue()->code, PreflightCode::PortBusy);
    ASSERT_TRUE(supervisor.lastIssue()->suggestedPort.has_value());
    EXPECT_NE(*supervisor.lastIssue()->suggestedPort, m_config.port);
    EXPECT_TRUE(supervisor.stateReason().startsWith(QStringLiteral("Port %1 on 127.0.0.1 is in use").arg(m_config.port)))
        << supervisor.stateReason().toStdString();
}

TEST_F(Supervisor, AProgramThatIsNotLlamaServerIsRefused)
{
    QTemporaryDir dir;
    const QString impostor = dir.filePath(QStringLiteral("llama-server"));
    QFile script(impostor);
    ASSERT_TRUE(script.open(QIODevice::WriteOnly));
    script.write("#!/bin/sh\necho hello\n");
    script.close();
    script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    m_config.executable = dir.path(); // the folder that holds it
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Failed));
    ASSERT_TRUE(supervisor.lastIssue().has_value());
    EXPECT_EQ(supervisor.lastIssue()->code, PreflightCode::NotLlamaServer);
    EXPECT_TRUE(supervisor.stateReason().contains(impostor)) << supervisor.stateReason().toStdString();
}

TEST_F(Supervisor, ExtraArgumentsThatFightTheManagedOnesAreRefused)
{
    m_config.extraArgs = QStringLiteral("--threads 2 --port 9999");
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Failed));
    ASSERT_TRUE(supervisor.lastFailure().has_value());
    EXPECT_EQ(supervisor.lastFailure()->kind, FailureKind::BadArguments);
    EXPECT_TRUE(supervisor.stateReason().contains(u"--port")) << supervisor.stateReason().toStdString();
    EXPECT_FALSE(supervisor.hasProcess());
}

TEST_F(Supervisor, OutOfMemoryAtStartFailsWithoutRestarting)
{
    SKIP_ON_REAL_SERVER();
    m_env.set("FAKE_LLAMA_OOM_AT_START", "1");
    ServerSupervisor &supervisor = makeSupervisor();
    QSignalSpy crashes(&supervisor, &ServerSupervisor::crashed);
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Failed));
    ASSERT_EQ(crashes.count(), 1);
    EXPECT_FALSE(crashes.at(0).at(1).toBool()) << "no restart can help";
    ASSERT_TRUE(supervisor.lastFailure().has_value());
    EXPECT_EQ(supervisor.lastFailure()->kind, FailureKind::OutOfMemory);
    EXPECT_FALSE(supervisor.lastFailure()->retryable);
    EXPECT_EQ(states().count(ServerState::Starting), 1);
}

TEST_F(Supervisor, NotAGgufModelIsRefusedBeforeSpawning)
{
    QTemporaryDir dir;
    const QString bogus = dir.filePath(QStringLiteral("bogus.gguf"));
    QFile file(bogus);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write("PK\x03\x04 this is a zip, not a model");
    file.close();
    m_config.model = bogus;
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Failed));
    EXPECT_EQ(supervisor.stateReason(), QStringLiteral("The model %1 is not a GGUF file.").arg(bogus));
}

TEST_F(Supervisor, ACrashIsRestartedWithBackoffAndThenGivenUp)
{
    SupervisorOptions options = fastOptions();
    options.maxRestarts = 2;
    ServerSupervisor &supervisor = makeSupervisor(options);
    QSignalSpy crashes(&supervisor, &ServerSupervisor::crashed);
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));

    for (int round = 1; round <= 2; ++round) {
        const qint64 pid = supervisor.processId();
        ::kill(static_cast<pid_t>(pid), SIGKILL);
        ASSERT_TRUE(waitForState(ServerState::Crashed)) << "round " << round;
        EXPECT_TRUE(supervisor.stateReason().contains(u"Restarting in")) << supervisor.stateReason().toStdString();
        ASSERT_EQ(crashes.count(), round);
        EXPECT_TRUE(crashes.constLast().at(1).toBool());
        EXPECT_EQ(supervisor.lastFailure()->kind, FailureKind::KilledBySignal);
        ASSERT_TRUE(waitUntil([&] {
            return supervisor.state() == ServerState::Running && supervisor.processId() != pid;
        }, std::chrono::seconds(10))) << "round " << round;
    }
    ::kill(static_cast<pid_t>(supervisor.processId()), SIGKILL);
    ASSERT_TRUE(waitForState(ServerState::Failed));
    EXPECT_FALSE(crashes.constLast().at(1).toBool());
    EXPECT_TRUE(supervisor.stateReason().contains(u"it is not restarted again")) << supervisor.stateReason().toStdString();

    // The user can still try again: a start by hand has a fresh budget.
    supervisor.start();
    EXPECT_TRUE(waitForState(ServerState::Running));
}

// The case a window of crashes per minute misses: every run lives longer than the window (a
// model OOM-killed after a long load) and so each crash found the earlier ones expired. Here the
// window is shorter than the backoff between the runs, which is what makes every run outlive it.
TEST_F(Supervisor, RunsThatNeverBecomeHealthyAreGivenUpHoweverLongEachLived)
{
    SKIP_ON_REAL_SERVER();
    m_env.set("FAKE_LLAMA_HANG_LOADING", "1");
    SupervisorOptions options = fastOptions();
    options.maxRestarts = 2;
    options.restartBackoff = {std::chrono::milliseconds(100)};
    options.restartWindow = std::chrono::milliseconds(20);
    ServerSupervisor &supervisor = makeSupervisor(options);
    QSignalSpy crashes(&supervisor, &ServerSupervisor::crashed);
    supervisor.start();

    for (int round = 1; round <= 2; ++round) {
        ASSERT_TRUE(waitForState(ServerState::Loading)) << "round " << round;
        ::kill(static_cast<pid_t>(supervisor.processId()), SIGKILL); // what the kernel's OOM killer does
        ASSERT_TRUE(waitForState(ServerState::Crashed)) << "round " << round;
        ASSERT_EQ(crashes.count(), round);
        EXPECT_TRUE(crashes.constLast().at(1).toBool()) << "round " << round;
        EXPECT_EQ(supervisor.consecutiveFailures(), round);
    }
    ASSERT_TRUE(waitForState(ServerState::Loading));
    ::kill(static_cast<pid_t>(supervisor.processId()), SIGKILL);
    ASSERT_TRUE(waitForState(ServerState::Failed));
    ASSERT_EQ(crashes.count(), 3);
    EXPECT_FALSE(crashes.constLast().at(1).toBool());
    EXPECT_EQ(supervisor.stateReason(),
              supervisor.lastFailure()->reason
                      + QStringLiteral(" It failed 3 times in a row without staying healthy for 0.02 s, so it is "
                                       "not restarted again."));
    EXPECT_FALSE(supervisor.hasProcess());
}

TEST_F(Supervisor, TheWaitBeforeARestartGrowsWithEveryFailedRunInARow)
{
    SKIP_ON_REAL_SERVER();
    m_env.set("FAKE_LLAMA_HANG_LOADING", "1");
    SupervisorOptions options = fastOptions();
    options.maxRestarts = 3;
    options.restartWindow = std::chrono::milliseconds(20);
    ServerSupervisor &supervisor = makeSupervisor(options);
    supervisor.start();
    QStringList reasons;
    for (int round = 1; round <= 3; ++round) {
        ASSERT_TRUE(waitForState(ServerState::Loading)) << "round " << round;
        ::kill(static_cast<pid_t>(supervisor.processId()), SIGKILL);
        ASSERT_TRUE(waitForState(ServerState::Crashed)) << "round " << round;
        reasons.append(supervisor.stateReason());
    }
    ASSERT_EQ(reasons.size(), 3);
    EXPECT_TRUE(reasons.at(0).endsWith(u"Restarting in 0.1 s.")) << reasons.at(0).toStdString();
    EXPECT_TRUE(reasons.at(1).endsWith(u"Restarting in 0.2 s.")) << reasons.at(1).toStdString();
    EXPECT_TRUE(reasons.at(2).endsWith(u"Restarting in 0.4 s.")) << reasons.at(2).toStdString();
}

TEST_F(Supervisor, ARunThatStaysHealthyForTheWindowEndsTheCountOfFailures)
{
    SupervisorOptions options = fastOptions();
    options.maxRestarts = 1;
    options.restartWindow = std::chrono::milliseconds(50);
    ServerSupervisor &supervisor = makeSupervisor(options);
    QSignalSpy crashes(&supervisor, &ServerSupervisor::crashed);
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    qint64 pid = supervisor.processId();
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    ASSERT_TRUE(waitForState(ServerState::Crashed));
    EXPECT_EQ(supervisor.consecutiveFailures(), 1);
    ASSERT_TRUE(waitUntil([&] { return supervisor.state() == ServerState::Running && supervisor.processId() != pid; },
                          std::chrono::seconds(10)));
    ASSERT_TRUE(waitUntil([&] { return supervisor.consecutiveFailures() == 0; }, std::chrono::seconds(5)))
            << "healthy for 50 ms";

    pid = supervisor.processId();
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    ASSERT_TRUE(waitForState(ServerState::Crashed));
    ASSERT_EQ(crashes.count(), 2);
    EXPECT_TRUE(crashes.constLast().at(1).toBool()) << "a new count: restarted once more";
    EXPECT_TRUE(waitUntil([&] { return supervisor.state() == ServerState::Running && supervisor.processId() != pid; },
                          std::chrono::seconds(10)));
}

TEST_F(Supervisor, ACrashMidStreamIsRestarted)
{
    SKIP_ON_REAL_SERVER();
    m_env.set("FAKE_LLAMA_CRASH_AFTER_TOKENS", "3");
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    const qint64 pid = supervisor.processId();
    QNetworkAccessManager network;
    QNetworkReply *reply = postChat(network, supervisor.baseUrl(), true);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    ASSERT_TRUE(finished.wait(10000));
    EXPECT_NE(reply->error(), QNetworkReply::NoError);
    reply->deleteLater();
    ASSERT_TRUE(waitUntil([&] { return supervisor.state() == ServerState::Running && supervisor.processId() != pid; },
                          std::chrono::seconds(10)));
    EXPECT_TRUE(states().contains(ServerState::Crashed));
}

TEST_F(Supervisor, HangingWhileLoadingStaysLoadingAndCanBeStopped)
{
    SKIP_ON_REAL_SERVER();
    m_env.set("FAKE_LLAMA_HANG_LOADING", "1");
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Loading));
    EXPECT_FALSE(waitForState(ServerState::Running, std::chrono::milliseconds(700)));
    EXPECT_EQ(supervisor.state(), ServerState::Loading);
    supervisor.stop();
    EXPECT_TRUE(waitForState(ServerState::Stopped));
}

TEST_F(Supervisor, AServerThatNeverAnswersFailsAfterTheNoAnswerTimeout)
{
    SKIP_ON_REAL_SERVER();
    m_env.set("FAKE_LLAMA_NEVER_HEALTHY", "1");
    SupervisorOptions options = fastOptions();
    options.noAnswerTimeout = std::chrono::milliseconds(1500);
    options.probeTimeout = std::chrono::milliseconds(200);
    ServerSupervisor &supervisor = makeSupervisor(options);
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Failed, std::chrono::seconds(10)));
    EXPECT_EQ(supervisor.stateReason(), QStringLiteral("llama-server did not answer on %1 within 1.5 s.")
                                            .arg(supervisor.baseUrl().toString()));
    EXPECT_FALSE(supervisor.hasProcess());
}

TEST_F(Supervisor, StopWhileStreamingDoesNotWaitForTheOpenStream)
{
    SKIP_ON_REAL_SERVER();
    m_env.set("FAKE_LLAMA_TOKENS_PER_SECOND", "20"); // a long answer still streaming at stop
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    QNetworkAccessManager network;
    QNetworkReply *reply = postChat(network, supervisor.baseUrl(), true);
    QSignalSpy readable(reply, &QNetworkReply::readyRead);
    ASSERT_TRUE(readable.wait(5000));
    // What the chat client does: abort in-flight requests when the server is about to stop.
    QObject::connect(&supervisor, &ServerSupervisor::aboutToStop, reply, &QNetworkReply::abort);

    supervisor.stop();
    ASSERT_TRUE(waitForState(ServerState::Stopped));
    // An open stream would keep the SIGTERM'd server alive past the grace period, until SIGKILL.
    EXPECT_FALSE(logTexts(supervisor).join(u'\n').contains(u"SIGKILL"))
            << "the stream was not aborted before SIGTERM";
    reply->deleteLater();
}

TEST_F(Supervisor, AServerThatIgnoresSigtermIsKilledAfterTheGracePeriod)
{
    SKIP_ON_REAL_SERVER();
    m_env.set("FAKE_LLAMA_STALL_AFTER_TOKENS", "2");
    m_env.set("FAKE_LLAMA_SIGTERM_STALL_MS", "60000");
    SupervisorOptions options = fastOptions();
    options.stopGrace = std::chrono::milliseconds(500);
    ServerSupervisor &supervisor = makeSupervisor(options);
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    const qint64 pid = supervisor.processId();
    QNetworkAccessManager network;
    QNetworkReply *reply = postChat(network, supervisor.baseUrl(), true);
    QSignalSpy readable(reply, &QNetworkReply::readyRead);
    ASSERT_TRUE(readable.wait(5000));

    supervisor.stop(); // the open stream keeps the server alive past SIGTERM
    ASSERT_TRUE(waitForState(ServerState::Stopped, std::chrono::seconds(5)));
    EXPECT_TRUE(logTexts(supervisor).join(u'\n').contains(u"sending SIGKILL"));
    EXPECT_FALSE(processExists(pid));
    reply->abort();
    reply->deleteLater();
}

TEST_F(Supervisor, TheApiKeyTravelsInTheEnvironmentAndNeverReachesTheLog)
{
    const QString key = QStringLiteral("k3y-for-this-test-only");
    m_config.apiKey = key;
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    const qint64 pid = supervisor.processId();
    EXPECT_FALSE(readFile(QStringLiteral("/proc/%1/cmdline").arg(pid)).contains(key.toUtf8()));
    EXPECT_TRUE(readFile(QStringLiteral("/proc/%1/environ").arg(pid)).contains(QByteArray("LLAMA_API_KEY=" + key.toUtf8())));
    EXPECT_FALSE(logTexts(supervisor).join(u'\n').contains(key));

    QNetworkAccessManager network;
    QNetworkReply *refused = postChat(network, supervisor.baseUrl(), false);
    QSignalSpy refusedDone(refused, &QNetworkReply::finished);
    ASSERT_TRUE(refusedDone.wait(10000));
    EXPECT_EQ(refused->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 401);
    QNetworkReply *accepted = postChat(network, supervisor.baseUrl(), false, key.toUtf8());
    QSignalSpy acceptedDone(accepted, &QNetworkReply::finished);
    ASSERT_TRUE(acceptedDone.wait(10000));
    EXPECT_EQ(accepted->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    refused->deleteLater();
    accepted->deleteLater();
}

TEST_F(Supervisor, ALogLineIsSignalledForEveryStderrLine)
{
    ServerSupervisor &supervisor = makeSupervisor();
    QSignalSpy lines(&supervisor, &ServerSupervisor::logLineAdded);
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    EXPECT_EQ(lines.count(), supervisor.log().size());
    EXPECT_TRUE(logTexts(supervisor).join(u'\n').contains(u"listening on http://127.0.0.1:"));
}

// The model goes by its name, not its path: --alias is passed and the answer carries it.
TEST_F(Supervisor, TheServerIsStartedWithTheModelNameAsAliasAndAnswersWithIt)
{
    QTemporaryDir record;
    ASSERT_TRUE(record.isValid());
    m_env.set("FAKE_LLAMA_RECORD_DIR", record.path().toUtf8());
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));

    // The fake writes its arguments to argv.json; a real server's are in /proc.
    QStringList arguments;
    const QByteArray recorded = readFile(record.filePath(QStringLiteral("argv.json")));
    if (!recorded.isEmpty()) {
        for (const QJsonValue &value : QJsonDocument::fromJson(recorded).array())
            arguments.append(value.toString());
    } else {
        ASSERT_TRUE(usingRealServer()) << "the fake did not record its arguments";
        const QByteArray cmdline = readFile(QStringLiteral("/proc/%1/cmdline").arg(supervisor.processId()));
        for (const QByteArray &argument : cmdline.split('\0'))
            arguments.append(QString::fromUtf8(argument));
    }
    const qsizetype alias = arguments.indexOf(QStringLiteral("--alias"));
    ASSERT_GE(alias, 0) << arguments.join(u' ').toStdString();
    EXPECT_EQ(arguments.value(alias + 1), QStringLiteral("tiny-llama"));

    QNetworkAccessManager network;
    QNetworkReply *reply = postChat(network, supervisor.baseUrl(), false);
    QSignalSpy done(reply, &QNetworkReply::finished);
    ASSERT_TRUE(done.wait(10000));
    const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
    EXPECT_EQ(answer.value(u"model").toString(), arguments.value(alias + 1));
    reply->deleteLater();
}

TEST_F(Supervisor, TheStatusSaysCheckingLlamaServerWhileTheBinaryIsProbed)
{
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    QStringList reasons;
    for (const QList<QVariant> &change : std::as_const(*m_stateSpy))
        reasons.append(change.at(1).toString());
    EXPECT_TRUE(reasons.contains(QStringLiteral("Checking llama-server…"))) << reasons.join(u" | ").toStdString();
    ASSERT_TRUE(supervisor.serverVersion());
    EXPECT_TRUE(supervisor.serverVersion()->flags) << "--help was read";
}

TEST_F(Supervisor, AnExtraArgumentTheBinaryDoesNotKnowIsRefusedBeforeLaunch)
{
    m_config.extraArgs = QStringLiteral("--surely-not-a-llama-flag");
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Failed));
    EXPECT_TRUE(supervisor.stateReason().contains(u"does not know the extra argument --surely-not-a-llama-flag"))
            << supervisor.stateReason().toStdString();
    EXPECT_FALSE(logTexts(supervisor).join(u'\n').contains(u"llamadesk: starting")) << "nothing was launched";
}

// The version probe takes seconds on a real GPU build; settings saved meanwhile are what is
// launched, so they must be what is checked. The wrapper holds --version until the test lets it go.
TEST_F(Supervisor, SettingsChangedWhileTheBinaryIsProbedAreCheckedBeforeTheLaunch)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString go = dir.filePath(QStringLiteral("go"));
    m_config.executable = writeScript(dir, QStringLiteral("llama-server"),
                                      "if [ \"$1\" = --version ]; then\n"
                                      "  while [ ! -e '" + go.toUtf8() + "' ]; do sleep 0.01; done\n"
                                      "fi\n"
                                      "exec '" + serverUnderTest().toUtf8() + "' \"$@\"\n");
    ServerSupervisor &supervisor = makeSupervisor();
    QSignalSpy preflight(&supervisor, &ServerSupervisor::preflightFailed);
    supervisor.start();
    ASSERT_TRUE(waitUntil([&] { return supervisor.stateReason() == QStringLiteral("Checking llama-server…"); }));

    ServerConfig open = m_config;
    open.host = QStringLiteral("0.0.0.0");
    open.apiKey.clear();
    supervisor.setConfig(open);
    QFile(go).open(QIODevice::WriteOnly);

    ASSERT_TRUE(waitForState(ServerState::Failed));
    ASSERT_TRUE(supervisor.lastIssue().has_value());
    EXPECT_EQ(supervisor.lastIssue()->code, PreflightCode::RemoteHostWithoutKey);
    EXPECT_EQ(preflight.count(), 1);
    EXPECT_FALSE(supervisor.hasProcess());
    EXPECT_FALSE(logTexts(supervisor).join(u'\n').contains(u"llamadesk: starting")) << "nothing was launched";
}

// A wrapper that does not exec: the server is its child, and the supervisor's child is the shell.
QString wrapperThatForks(const QTemporaryDir &dir)
{
    return writeScript(dir, QStringLiteral("llama-server"),
                       "'" + serverUnderTest().toUtf8() + "' \"$@\" &\n"
                       "echo $! > '" + dir.filePath(QStringLiteral("server.pid")).toUtf8() + "'\n"
                       "wait $!\n");
}

TEST_F(Supervisor, StopEndsWhatTheServerProcessStartedToo)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    m_config.executable = wrapperThatForks(dir);
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    const qint64 server = readFile(dir.filePath(QStringLiteral("server.pid"))).trimmed().toLongLong();
    ASSERT_GT(server, 0);
    ASSERT_NE(server, supervisor.processId()) << "the server is the wrapper's child";
    ASSERT_TRUE(processExists(server));

    supervisor.stop();
    ASSERT_TRUE(waitForState(ServerState::Stopped));
    const bool gone = waitUntil([&] { return !processExists(server); });
    if (!gone)
        ::kill(static_cast<pid_t>(server), SIGKILL); // don't leave it behind for the next test
    EXPECT_TRUE(gone) << "llama-server pid " << server << " outlived the stop";
}

TEST_F(Supervisor, WhenTheServerProcessDiesWhatItStartedDiesWithIt)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    m_config.executable = wrapperThatForks(dir);
    SupervisorOptions options = fastOptions();
    options.maxRestarts = 0;
    ServerSupervisor &supervisor = makeSupervisor(options);
    supervisor.start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    const qint64 server = readFile(dir.filePath(QStringLiteral("server.pid"))).trimmed().toLongLong();
    ASSERT_GT(server, 0);

    ::kill(static_cast<pid_t>(supervisor.processId()), SIGKILL);
    ASSERT_TRUE(waitForState(ServerState::Failed));
    const bool gone = waitUntil([&] { return !processExists(server); });
    if (!gone)
        ::kill(static_cast<pid_t>(server), SIGKILL);
    EXPECT_TRUE(gone) << "llama-server pid " << server << " outlived the process the supervisor started";
}

// A build with GPU drivers loads every backend before it answers --version: seconds.
TEST(SupervisorOptionsTest, TheVersionAndHelpProbeAllowsAtLeastTwentySeconds)
{
    EXPECT_GE(SupervisorOptions{}.versionTimeout, std::chrono::seconds(20));
}
