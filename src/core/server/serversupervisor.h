#pragma once

#include "core/server/failureclassifier.h"
#include "core/server/healthprobe.h"
#include "core/server/launchcheck.h"
#include "core/server/launchplan.h"
#include "core/server/preflight.h"
#include "core/server/serverconfig.h"
#include "core/server/serverlog.h"
#include "core/server/serverstate.h"
#include "core/server/supervisormachine.h"
#include "core/server/versionprobe.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QProcess>
#include <QUrl>

#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

class QTimer;

namespace Llamadesk
{
class LineSplitter;
class ProcessGuard;

// Timings of the supervisor, and its seams to the operating system. The defaults are what the
// app uses; tests shorten the timings and replace the seams.
struct SupervisorOptions
{
    // /health while starting or loading, and while running.
    std::chrono::milliseconds fastPoll{25};
    std::chrono::milliseconds slowPoll{1500};
    // One /health request may take this long before it counts as unanswered.
    std::chrono::milliseconds probeTimeout{1000};
    // No HTTP answer of any kind for this long: before the server ran, a failure; after, a hang
    // that is ended with a restart. A model that loads (503 answers) may take as long as it needs.
    std::chrono::milliseconds noAnswerTimeout{std::chrono::seconds(60)};
    // SIGTERM, then SIGKILL after this.
    std::chrono::milliseconds stopGrace{std::chrono::seconds(5)};
    // A process that has not exited this long after SIGKILL is given up on ("abandoned"): one in
    // uninterruptible sleep (a hung GPU driver, a dead network file system) exits only when the
    // kernel lets it, and the app must still be able to quit.
    std::chrono::milliseconds killGrace{std::chrono::seconds(3)};
    // A busy port's owner is looked for in /proc/*/fd on a worker thread; a search that takes
    // longer than this (a /proc entry of a stuck process can block) names no one.
    std::chrono::milliseconds portOwnerTimeout{std::chrono::seconds(2)};
    // Automatic restarts after crashes: the wait before the Nth restart in a row (the last
    // entry repeats), and at most maxRestarts failed runs in a row. A run counts as failed when
    // it ends unexpectedly before /health answered 200 without a break for restartWindow; a run
    // that stayed healthy that long, or a start by the user, begins a new count.
    QList<std::chrono::milliseconds> restartBackoff{std::chrono::seconds(1), std::chrono::seconds(2),
                                                   std::chrono::seconds(4)};
    int maxRestarts = 3;
    std::chrono::milliseconds restartWindow{std::chrono::seconds(60)};
    // Runs "llama-server --version" and "--help" before the first start of an executable;
    // each may take seconds where every GPU backend is loaded first.
    bool checkVersion = true;
    std::chrono::milliseconds versionTimeout{VersionProbe::DefaultTimeout};

    // Sends a signal to the server's process group (Unix; on other systems its process); returns
    // false when there was nothing to signal, and the supervisor then signals the QProcess. Empty:
    // the operating system's. Tests pass one that drops signals, to stand for a server that
    // SIGKILL does not end: uninterruptible sleep cannot be produced on purpose.
    std::function<bool(qint64 pid, ServerSignal signal)> sendSignal;
    // Who listens on a busy port; called on a worker thread. Empty: findPortOwner().
    std::function<std::optional<PortOwner>(int port)> findPortOwner;
};

// Runs llama-server as a child process and keeps the app honest about it: preflight checks
// with specific messages, readiness from /health (never from log matching alone), crashes
// classified from stderr and restarted with backoff where a restart can help, stopping with
// SIGTERM then SIGKILL, and a process guard so the server never outlives the app. Nothing
// here blocks: every wait is a timer or a signal.
//
// What to do when is decided by SupervisorMachine, a pure function of the state and an event;
// this object turns what happens (calls, the process, LaunchCheck, HealthProbe, its timers)
// into events and carries out the actions the machine returns.
class ServerSupervisor final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerSupervisor)

public:
    // guard may be null (no orphan protection); it must outlive the supervisor.
    explicit ServerSupervisor(ProcessGuard *guard, SupervisorOptions options = {}, QObject *parent = nullptr);
    ~ServerSupervisor() override;

    void setConfig(const ServerConfig &config);
    ServerConfig config() const;

    ServerState state() const;
    // Why the state is what it is, in words for the user: "Loading model", "Port 8080 …".
    QString stateReason() const;
    bool isHealthy() const;
    // Where the server listens (valid from the spawn on).
    QUrl baseUrl() const;
    qint64 processId() const;
    // When /health first answered 200 in this run; invalid while not running.
    QDateTime runningSince() const;
    // The last preflight problem or crash, while it is relevant.
    std::optional<PreflightIssue> lastIssue() const;
    std::optional<Failure> lastFailure() const;
    std::optional<VersionInfo> serverVersion() const;
    const ServerLog &log() const;
    // True when the process lives (from spawn until exit, or until it is abandoned).
    bool hasProcess() const;
    // The configuration the process was launched with (what its key and port are), while it
    // lives; config() is what the next start launches. Empty without a process.
    std::optional<ServerConfig> launchedConfig() const;
    // The pid of the last process given up on because it did not exit after SIGKILL, or 0.
    qint64 abandonedPid() const;

    // While held, a start waits (in Starting, saying reason) until releaseStarts(): the app holds
    // starts until the server's API key is read from the keychain, so that no start path (the
    // settings' Start, a banner's Retry, an automatic restart) launches a server without it.
    void holdStarts(const QString &reason);
    void releaseStarts();
    bool startsHeld() const;
    // Runs in a row that ended unexpectedly before they had been healthy for the restart window.
    int consecutiveFailures() const;

public Q_SLOTS:
    // From Stopped, Crashed, Failed or Unknown; ignored while the server runs or starts.
    void start();
    void stop();
    void restart();

Q_SIGNALS:
    void stateChanged(Llamadesk::ServerState state, const QString &reason);
    void healthChanged(bool healthy);
    void stageChanged(Llamadesk::LoadStage stage);
    void logLineAdded(const Llamadesk::ServerLogLine &line);
    void preflightFailed(const Llamadesk::PreflightIssue &issue);
    // An unexpected exit; willRestart tells whether an automatic restart is scheduled.
    void crashed(const Llamadesk::Failure &failure, bool willRestart);
    // Emitted (directly) right before the server is asked to exit: abort in-flight requests
    // now, because an open stream keeps a SIGTERM'd llama-server alive for up to 30 s.
    void aboutToStop();

private:
    // Hands the event to the machine and carries out its actions; an event that arrives while
    // actions are being carried out (a listener's stop() in a stateChanged slot) waits its turn.
    void dispatch(SupervisorEventValue event);
    void perform(const SupervisorActionValue &action);
    void launch();
    void onReadyRead(QProcess::ProcessChannel channel);
    void addLogLine(const QString &text);
    void onProcessError(QProcess::ProcessError error);
    void onProcessFinished(int exitCode, QProcess::ExitStatus status);
    void abandonProcess();
    void cleanupProcess();
    QTimer *timer(SupervisorTimer timer) const;
    // To the server's whole process group (Unix), so that its own children stop with it.
    void signalServer(ServerSignal signal);

    ProcessGuard *m_guard;
    SupervisorOptions m_options;
    SupervisorLimits m_limits;
    SupervisorMachineState m_machine;
    std::deque<SupervisorEventValue> m_pending;
    bool m_dispatching = false;
    ServerConfig m_config;
    ServerLog m_log;
    LoadStage m_stage = LoadStage::NotStarted;
    std::unique_ptr<LineSplitter> m_stderrLines;
    std::unique_ptr<LineSplitter> m_stdoutLines;
    QPointer<QProcess> m_process;
    qint64 m_pid = 0;
    LaunchCheck *m_check;
    HealthProbe *m_health;
    int m_launchPort = 0; // from the check that passed, for the launch that follows it
    std::array<QTimer *, 4> m_timers{};
    QElapsedTimer m_sinceSpawn;
    std::optional<LaunchPlan> m_plan;
    std::optional<ServerConfig> m_launched;
    qint64 m_abandonedPid = 0;
    QDateTime m_runningSince;
};
} // namespace Llamadesk
