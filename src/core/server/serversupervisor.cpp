#include "core/server/serversupervisor.h"

#include "core/apppaths.h"
#include "core/server/linesplitter.h"
#include "core/server/processguard.h"
#include "core/qtfmt.h"
#include "core/sanitizers.h"

#include <QTimer>

#include <spdlog/spdlog.h>

#include <utility>

#ifdef Q_OS_UNIX
#include <csignal>
#include <sys/types.h>
#include <unistd.h>
#endif

namespace Llamadesk
{
namespace Ev = SupervisorEvent;
namespace Act = SupervisorAction;

namespace
{
SupervisorLimits limitsOf(const SupervisorOptions &options)
{
    SupervisorLimits limits;
    limits.stopGrace = options.stopGrace;
    limits.killGrace = options.killGrace;
    limits.noAnswerTimeout = options.noAnswerTimeout;
    limits.restartWindow = options.restartWindow;
    limits.fastPoll = options.fastPoll;
    limits.slowPoll = options.slowPoll;
    limits.restartBackoff = options.restartBackoff;
    limits.maxRestarts = options.maxRestarts;
    return limits;
}

LaunchCheckOptions checkOptionsOf(const SupervisorOptions &options)
{
    return {options.checkVersion, options.versionTimeout, options.portOwnerTimeout, options.findPortOwner};
}

// Carries out one action: overloads picked by std::visit.
template<typename... F>
struct Overloaded : F...
{
    using F::operator()...;
};
template<typename... F>
Overloaded(F...) -> Overloaded<F...>;
} // namespace

ServerSupervisor::ServerSupervisor(ProcessGuard *guard, SupervisorOptions options, QObject *parent)
    : QObject(parent)
    , m_guard(guard)
    , m_options(std::move(options))
    , m_limits(limitsOf(m_options))
    , m_check(new LaunchCheck(m_config, checkOptionsOf(m_options), this))
    , m_health(new HealthProbe(m_options.probeTimeout, m_options.noAnswerTimeout, this))
{
    qRegisterMetaType<ServerState>();
    for (const SupervisorTimer which : {SupervisorTimer::StopGrace, SupervisorTimer::KillGrace,
                                        SupervisorTimer::Restart, SupervisorTimer::Steady}) {
        auto *t = new QTimer(this);
        t->setSingleShot(true);
        connect(t, &QTimer::timeout, this, [this, which] {
            if (which == SupervisorTimer::StopGrace && m_process)
                spdlog::warn("llama-server did not exit within {} ms of SIGTERM; killing it",
                             m_options.stopGrace.count());
            if (which == SupervisorTimer::Steady && m_machine.consecutiveFailures > 0)
                spdlog::info("llama-server has been healthy for {} ms; earlier failures no longer count",
                             m_options.restartWindow.count());
            dispatch(Ev::TimerFired{which});
        });
        m_timers[static_cast<std::size_t>(which)] = t;
    }

    connect(m_check, &LaunchCheck::progress, this, [this](const QString &reason) {
        dispatch(Ev::PreflightProgress{reason});
    });
    connect(m_check, &LaunchCheck::passed, this, [this](int port) {
        m_launchPort = port;
        dispatch(Ev::PreflightPassed{});
    });
    connect(m_check, &LaunchCheck::failed, this, [this](const PreflightIssue &issue) {
        dispatch(Ev::PreflightFailed{issue});
    });
    connect(m_health, &HealthProbe::answered, this, [this](int status) {
        if (status != 200 && m_machine.shown == ServerState::Running && m_machine.healthy)
            spdlog::warn("llama-server answered /health with {}", status);
        dispatch(Ev::HealthAnswered{status});
    });
    connect(m_health, &HealthProbe::unanswered, this, [this](const QString &error) {
        if (m_machine.shown == ServerState::Running && m_machine.healthy)
            spdlog::warn("llama-server did not answer /health: {}", error);
        dispatch(Ev::HealthUnanswered{});
    });
    connect(m_health, &HealthProbe::silent, this, [this] {
        spdlog::error("llama-server gave no HTTP answer at all for {} ms; it is killed",
                      m_options.noAnswerTimeout.count());
        dispatch(Ev::HealthSilent{m_plan ? m_plan->baseUrl().toString() : QString()});
    });
}

ServerSupervisor::~ServerSupervisor()
{
    if (m_process) {
        // The app is going away: no more signals into a half-destroyed object. QProcess's own
        // destructor kills the child and reaps it.
        m_process->disconnect(this);
        signalServer(ServerSignal::Kill);
        delete m_process.data();
        if (m_guard)
            m_guard->release(m_pid);
    }
}

void ServerSupervisor::setConfig(const ServerConfig &config)
{
    m_config = config;
}

ServerConfig ServerSupervisor::config() const
{
    return m_config;
}

ServerState ServerSupervisor::state() const
{
    return m_machine.shown;
}

QString ServerSupervisor::stateReason() const
{
    return m_machine.reason;
}

bool ServerSupervisor::isHealthy() const
{
    return m_machine.healthy;
}

QUrl ServerSupervisor::baseUrl() const
{
    return m_plan ? m_plan->baseUrl() : QUrl();
}

qint64 ServerSupervisor::processId() const
{
    return m_process ? m_pid : 0;
}

QDateTime ServerSupervisor::runningSince() const
{
    return m_runningSince;
}

std::optional<PreflightIssue> ServerSupervisor::lastIssue() const
{
    return m_machine.issue;
}

std::optional<Failure> ServerSupervisor::lastFailure() const
{
    return m_machine.failure;
}

std::optional<VersionInfo> ServerSupervisor::serverVersion() const
{
    return m_check->version();
}

const ServerLog &ServerSupervisor::log() const
{
    return m_log;
}

bool ServerSupervisor::hasProcess() const
{
    return !m_process.isNull();
}

std::optional<ServerConfig> ServerSupervisor::launchedConfig() const
{
    return m_process ? m_launched : std::nullopt;
}

qint64 ServerSupervisor::abandonedPid() const
{
    return m_abandonedPid;
}

void ServerSupervisor::holdStarts(const QString &reason)
{
    dispatch(Ev::HoldStarts{reason});
}

void ServerSupervisor::releaseStarts()
{
    dispatch(Ev::ReleaseStarts{});
}

bool ServerSupervisor::startsHeld() const
{
    return !m_machine.holdReason.isEmpty();
}

int ServerSupervisor::consecutiveFailures() const
{
    return m_machine.consecutiveFailures;
}

void ServerSupervisor::start()
{
    if (startsHeld() && !hasProcess())
        spdlog::info("llama-server starts when this is done: {}", m_machine.holdReason);
    dispatch(Ev::Start{});
}

void ServerSupervisor::stop()
{
    dispatch(Ev::Stop{});
}

void ServerSupervisor::restart()
{
    dispatch(Ev::Restart{});
}

void ServerSupervisor::dispatch(SupervisorEventValue event)
{
    m_pending.push_back(std::move(event));
    if (m_dispatching)
        return;
    m_dispatching = true;
    while (!m_pending.empty()) {
        const SupervisorEventValue next = std::move(m_pending.front());
        m_pending.pop_front();
        SupervisorTransition transition = SupervisorMachine::handle(m_limits, m_machine, next);
        m_machine = std::move(transition.state);
        for (const SupervisorActionValue &action : transition.actions)
            perform(action);
    }
    m_dispatching = false;
}

QTimer *ServerSupervisor::timer(SupervisorTimer which) const
{
    return m_timers[static_cast<std::size_t>(which)];
}

void ServerSupervisor::perform(const SupervisorActionValue &action)
{
    std::visit(Overloaded{
                       [this](const Act::Show &a) {
                           if (a.state == ServerState::Running && !m_runningSince.isValid()) {
                               m_runningSince = QDateTime::currentDateTime();
                               spdlog::info("llama-server is ready at {} ({} ms after spawn)",
                                            baseUrl().toString(), m_sinceSpawn.elapsed());
                           }
                           Q_EMIT stateChanged(a.state, a.reason);
                       },
                       [this](const Act::SetHealthy &a) { Q_EMIT healthChanged(a.healthy); },
                       [this](const Act::BeginPreflight &) { m_check->begin(); },
                       [this](const Act::CancelPreflight &) { m_check->cancel(); },
                       [this](const Act::Launch &) { launch(); },
                       [this](const Act::WatchHealth &a) {
                           if (m_plan)
                               m_health->watch(m_plan->baseUrl(), a.interval);
                       },
                       [this](const Act::ProbeHealthNow &) { m_health->probeNow(); },
                       [this](const Act::StopWatchingHealth &) { m_health->stop(); },
                       [this](const Act::SendSignal &a) { signalServer(a.signal); },
                       [this](const Act::StartTimer &a) { timer(a.timer)->start(a.duration); },
                       [this](const Act::StopTimer &a) { timer(a.timer)->stop(); },
                       [this](const Act::Abandon &) { abandonProcess(); },
                       [this](const Act::AnnounceStop &) { Q_EMIT aboutToStop(); },
                       [this](const Act::ReportCrash &a) {
                           spdlog::warn("llama-server stopped unexpectedly: {} {}", a.failure.reason,
                                        a.failure.action);
                           Q_EMIT crashed(a.failure, a.willRestart);
                       },
                       [this](const Act::ReportPreflightIssue &a) { Q_EMIT preflightFailed(a.issue); },
                       [this](const Act::AddLogLine &a) { addLogLine(a.text); },
               },
               action);
}

void ServerSupervisor::launch()
{
    std::variant<LaunchPlan, QString> plan =
            buildLaunchPlan(m_config, m_launchPort, m_check->version() ? m_check->version()->flags : std::nullopt);
    if (const auto *error = std::get_if<QString>(&plan)) {
        Failure failure;
        failure.kind = FailureKind::BadArguments;
        failure.reason = *error;
        failure.action = tr("Change the extra arguments in the settings.");
        failure.retryable = false;
        dispatch(Ev::SpawnFailed{failure});
        return;
    }
    m_plan = std::get<LaunchPlan>(std::move(plan));
    m_launched = m_config;

    m_log.clear();
    m_log.setSecrets(m_config.apiKey.isEmpty() ? QStringList() : QStringList{m_config.apiKey});
    m_stderrLines = std::make_unique<LineSplitter>();
    m_stdoutLines = std::make_unique<LineSplitter>();
    m_stage = LoadStage::NotStarted;

    auto *process = new QProcess(this);
    process->setProgram(m_plan->program);
    process->setArguments(m_plan->arguments);
    process->setProcessEnvironment(m_plan->environment);
    process->setWorkingDirectory(m_plan->workingDirectory);
    if (m_guard)
        m_guard->prepare(*process);
#ifdef Q_OS_UNIX
    // Its own process group, so that stopping it reaches whatever it started: a wrapper script
    // that does not exec, the router's per-model servers. The guard's own step (Linux:
    // PR_SET_PDEATHSIG) runs after it, in the same child.
    process->setChildProcessModifier([guardStep = process->childProcessModifier()] {
        ::setpgid(0, 0);
        if (guardStep)
            guardStep();
    });
#endif
    connect(process, &QProcess::readyReadStandardError, this,
            [this] { onReadyRead(QProcess::StandardError); });
    connect(process, &QProcess::readyReadStandardOutput, this,
            [this] { onReadyRead(QProcess::StandardOutput); });
    connect(process, &QProcess::errorOccurred, this, &ServerSupervisor::onProcessError);
    connect(process, &QProcess::finished, this, &ServerSupervisor::onProcessFinished);
    m_process = process;

    for (const QString &note : std::as_const(m_plan->notes)) {
        addLogLine(u"llamadesk: " + note);
        spdlog::info("{}", note);
    }
    addLogLine(tr("llamadesk: starting %1").arg(m_plan->displayCommandLine()));
    spdlog::info("Starting llama-server: {}", m_plan->displayCommandLine());
    m_sinceSpawn.start();
    process->start();
    if (!m_process || m_process->state() == QProcess::NotRunning)
        return; // errorOccurred(FailedToStart) has been handled: SpawnFailed
    m_pid = process->processId();
#ifdef Q_OS_UNIX
    // Also from this side, so that a stop() before the child got that far still finds the group
    // (fails harmlessly once the child has exec'd).
    ::setpgid(static_cast<pid_t>(m_pid), static_cast<pid_t>(m_pid));
#endif
    if (m_guard)
        m_guard->adopt(*process);
    dispatch(Ev::Spawned{m_pid});
}

void ServerSupervisor::onReadyRead(QProcess::ProcessChannel channel)
{
    if (!m_process)
        return;
    const bool isStderr = channel == QProcess::StandardError;
    const QByteArray bytes = isStderr ? m_process->readAllStandardError() : m_process->readAllStandardOutput();
    LineSplitter &splitter = isStderr ? *m_stderrLines : *m_stdoutLines;
    for (const QString &line : splitter.feed(bytes))
        addLogLine(line);
}


void ServerSupervisor::addLogLine(const QString &text)
{
    const ServerLogLine &line = m_log.append(text, QDateTime::currentDateTime());
    if (const auto serverLogger = spdlog::get(ServerLoggerName))
        serverLogger->info("{}", line.text);
    else
        spdlog::debug("[llama-server] {}", line.text);
    Q_EMIT logLineAdded(line);

    const LoadStage stage = m_log.stage();
    if (stage != m_stage) {
        m_stage = stage;
        Q_EMIT stageChanged(stage);
        dispatch(Ev::StageReached{stage});
    }
}

void ServerSupervisor::onProcessError(QProcess::ProcessError error)
{
    if (error != QProcess::FailedToStart || !m_process)
        return;
    const QString message = tr("llama-server could not be started: %1").arg(m_process->errorString());
    spdlog::error("{}", message);
    addLogLine(QStringLiteral("llamadesk: ") + message);
    Failure failure;
    failure.kind = FailureKind::Unknown;
    failure.reason = message;
    failure.action = tr("Check that %1 is a program you may run.").arg(m_plan ? m_plan->program : QString());
    failure.retryable = false;
    cleanupProcess();
    dispatch(Ev::SpawnFailed{failure});
}

void ServerSupervisor::onProcessFinished(int exitCode, QProcess::ExitStatus status)
{
    if (!m_process)
        return;
    // Whatever is still in the pipes belongs to this run's story (the reason it died, mostly).
    onReadyRead(QProcess::StandardError);
    onReadyRead(QProcess::StandardOutput);
    for (const QString &line : m_stderrLines->finish())
        addLogLine(line);
    for (const QString &line : m_stdoutLines->finish())
        addLogLine(line);

    const bool crashedBySignal = status == QProcess::CrashExit;
    spdlog::info("llama-server exited: {} {}", crashedBySignal ? "signal" : "code", exitCode);
    // Nothing it started may outlive it: what is left of its group dies now, while the group's
    // id cannot yet belong to anyone else.
    signalServer(ServerSignal::Kill);
    cleanupProcess();
    // What the exit means if nobody asked for it; the machine knows whether somebody did. On
    // Unix, QProcess reports the terminating signal as the exit code of a crashed process.
    dispatch(Ev::ProcessExited{
            classifyExit(m_log.lastTexts(40), exitCode, crashedBySignal, crashedBySignal ? exitCode : 0)});
}

void ServerSupervisor::abandonProcess()
{
    if (!m_process)
        return;
    const qint64 pid = m_pid;
    spdlog::warn("abandoned llama-server pid {}: it did not exit within {} ms of SIGKILL (it may be stuck in the "
                 "kernel, in uninterruptible sleep); Llamadesk no longer waits for it",
                 pid, m_options.killGrace.count());
    // ~QProcess would wait up to 30 s on this thread for a child that does not end: the object is
    // let go instead, and deletes itself if the child ever exits. The guard keeps it (on Linux
    // the kernel still kills it with the app, once it can).
    QProcess *process = m_process;
    process->disconnect(this);
    process->setParent(nullptr);
    connect(process, &QProcess::finished, process, &QObject::deleteLater);
    letGo(process);
    m_process = nullptr;
    m_pid = 0;
    m_abandonedPid = pid;
    cleanupProcess();
}

void ServerSupervisor::signalServer(ServerSignal signal)
{
    if (!m_process || m_pid <= 0)
        return;
    if (m_options.sendSignal) {
        m_options.sendSignal(m_pid, signal);
        return;
    }
#ifdef Q_OS_UNIX
    if (::kill(-static_cast<pid_t>(m_pid), signal == ServerSignal::Kill ? SIGKILL : SIGTERM) == 0)
        return;
    // No such group: the child exited, or never got as far as setpgid.
#endif
    if (m_process->state() == QProcess::NotRunning)
        return;
    if (signal == ServerSignal::Kill)
        m_process->kill();
    else
        m_process->terminate();
}


void ServerSupervisor::cleanupProcess()
{
    m_runningSince = {};
    if (m_process) {
        if (m_guard)
            m_guard->release(m_pid);
        m_pid = 0;
        m_process->disconnect(this);
        m_process->deleteLater();
        m_process = nullptr;
    }
}
} // namespace Llamadesk
