#include "serversupervisor.h"

#include "apppaths.h"
#include "linesplitter.h"
#include "processguard.h"
#include "qtfmt.h"
#include "sanitizers.h"
#include "versionprobe.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QThreadPool>
#include <QTimer>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#ifdef Q_OS_UNIX
#include <csignal>
#include <sys/types.h>
#include <unistd.h>
#endif

namespace Llamadesk
{
namespace
{
QString versionKey(const QString &executable)
{
    // Another build copied over the old one changes its size or modification time: probe again.
    const QFileInfo info(executable);
    return info.absoluteFilePath() + u'@' + QString::number(info.size()) + u'@'
            + QString::number(info.lastModified().toMSecsSinceEpoch());
}
} // namespace

ServerSupervisor::ServerSupervisor(ProcessGuard *guard, SupervisorOptions options, QObject *parent)
    : QObject(parent)
    , m_guard(guard)
    , m_options(std::move(options))
    , m_versionProbe(new VersionProbe(this))
    , m_network(new QNetworkAccessManager(this))
    , m_pollTimer(new QTimer(this))
    , m_killTimer(new QTimer(this))
    , m_abandonTimer(new QTimer(this))
    , m_portOwnerTimer(new QTimer(this))
    , m_restartTimer(new QTimer(this))
    , m_steadyTimer(new QTimer(this))
{
    qRegisterMetaType<ServerState>();
    // The server is local (or named by the user): never route health probes through a proxy.
    m_network->setProxy(QNetworkProxy::NoProxy);
    m_versionProbe->setTimeout(m_options.versionTimeout);
    m_pollTimer->setSingleShot(true);
    m_killTimer->setSingleShot(true);
    m_abandonTimer->setSingleShot(true);
    m_portOwnerTimer->setSingleShot(true);
    m_restartTimer->setSingleShot(true);
    m_steadyTimer->setSingleShot(true);

    connect(m_versionProbe, &VersionProbe::finished, this, &ServerSupervisor::onVersionChecked);
    connect(m_pollTimer, &QTimer::timeout, this, &ServerSupervisor::probeHealth);
    connect(m_killTimer, &QTimer::timeout, this, [this] {
        if (!m_process)
            return;
        spdlog::warn("llama-server did not exit within {} ms of SIGTERM; killing it", m_options.stopGrace.count());
        addLogLine(tr("llamadesk: llama-server did not exit within %1 s; sending SIGKILL")
                       .arg(m_options.stopGrace.count() / 1000.0));
        killAndWatch();
    });
    connect(m_abandonTimer, &QTimer::timeout, this, &ServerSupervisor::abandonProcess);
    connect(m_portOwnerTimer, &QTimer::timeout, this, [this] {
        spdlog::warn("The search for the program holding port {} took longer than {} ms; not waiting for it",
                     m_portBusyConfig.port, m_options.portOwnerTimeout.count());
        onPortOwnerFound(m_generation, std::nullopt);
    });
    connect(m_restartTimer, &QTimer::timeout, this, &ServerSupervisor::startRun);
    connect(m_steadyTimer, &QTimer::timeout, this, [this] {
        if (m_consecutiveFailures > 0)
            spdlog::info("llama-server has been healthy for {} ms; earlier failures no longer count",
                         m_options.restartWindow.count());
        m_consecutiveFailures = 0;
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
    return m_state;
}

QString ServerSupervisor::stateReason() const
{
    return m_reason;
}

bool ServerSupervisor::isHealthy() const
{
    return m_healthy;
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
    return m_issue;
}

std::optional<Failure> ServerSupervisor::lastFailure() const
{
    return m_failure;
}

std::optional<VersionInfo> ServerSupervisor::serverVersion() const
{
    return m_version;
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
    m_holdReason = reason.isEmpty() ? tr("Waiting") : reason;
}

void ServerSupervisor::releaseStarts()
{
    if (m_holdReason.isEmpty())
        return;
    m_holdReason.clear();
    if (m_waitingForRelease) {
        m_waitingForRelease = false;
        runPreflight(m_generation);
    }
}

bool ServerSupervisor::startsHeld() const
{
    return !m_holdReason.isEmpty();
}

int ServerSupervisor::consecutiveFailures() const
{
    return m_consecutiveFailures;
}

void ServerSupervisor::start()
{
    // A start by the user gives the automatic restarts a fresh budget.
    m_consecutiveFailures = 0;
    startRun();
}

void ServerSupervisor::startRun()
{
    switch (m_state) {
    case ServerState::Starting:
    case ServerState::Loading:
    case ServerState::Running:
        return;
    case ServerState::Stopping:
        m_startAfterStop = true;
        return;
    case ServerState::Unknown:
    case ServerState::Stopped:
    case ServerState::Crashed:
    case ServerState::Failed:
        break;
    }
    m_restartTimer->stop();
    m_stopRequested = false;
    m_issue.reset();
    m_failure.reset();
    m_failOnExit.reset();
    const int generation = ++m_generation;
    setState(ServerState::Starting, tr("Checking the configuration"));
    // Queued, so that whoever called start() can connect to the signals of this run first.
    QMetaObject::invokeMethod(this, [this, generation] { runPreflight(generation); }, Qt::QueuedConnection);
}

void ServerSupervisor::runPreflight(int generation)
{
    if (generation != m_generation || m_state != ServerState::Starting || m_process || m_portBusy)
        return;
    if (!m_holdReason.isEmpty()) {
        // Checked when released, on the configuration of that moment (the key is in it then).
        spdlog::info("llama-server starts when this is done: {}", m_holdReason);
        m_waitingForRelease = true;
        setState(ServerState::Starting, m_holdReason);
        return;
    }
    if (const std::optional<PreflightIssue> issue = checkConfig(m_config)) {
        failPreflight(*issue);
        return;
    }
    const QString executable = resolveExecutable(m_config.executable);
    if (m_options.checkVersion && versionKey(executable) != m_versionCheckedFor) {
        setState(ServerState::Starting, tr("Checking llama-server…"));
        m_versionProbing = versionKey(executable);
        m_versionProbe->start(executable);
        return;
    }
    // Checked and launched in one go: nothing can change m_config in between.
    spawn();
}

void ServerSupervisor::onVersionChecked(const std::optional<VersionInfo> &version, const QString &error)
{
    if (m_state != ServerState::Starting || m_process)
        return;
    // The settings may have changed while the probe ran (it takes seconds): the launch must be
    // of the configuration that is checked, so the whole preflight runs again on the current
    // one, and probes again where the executable changed.
    if (m_versionProbing != versionKey(resolveExecutable(m_config.executable))) {
        runPreflight(m_generation);
        return;
    }
    if (!version) {
        PreflightIssue issue;
        issue.code = PreflightCode::NotLlamaServer;
        issue.message = error;
        issue.hint = tr("Choose the llama-server program from a llama.cpp release or build.");
        failPreflight(issue);
        return;
    }
    m_version = version;
    m_versionCheckedFor = m_versionProbing;
    spdlog::info("llama-server version {} ({}); {}", version->version, version->buildInfo,
                 version->flags ? fmt::format("--help lists {} options", version->flags->names.size())
                                : std::string("its --help could not be read, so every argument is passed"));
    runPreflight(m_generation);
}

void ServerSupervisor::failPreflight(const PreflightIssue &issue)
{
    spdlog::warn("Not starting llama-server: {}", issue.message);
    m_issue = issue;
    setState(ServerState::Failed, issue.message);
    Q_EMIT preflightFailed(issue);
}

void ServerSupervisor::spawn()
{
    const std::variant<int, PreflightIssue> port = resolvePort(m_config, PortOwnerSearch::Later);
    if (const auto *issue = std::get_if<PreflightIssue>(&port)) {
        if (issue->code != PreflightCode::PortBusy) {
            failPreflight(*issue);
            return;
        }
        // Who holds it is read from /proc/*/fd: every process's every descriptor, which takes a
        // while on a busy machine and can block on a stuck process's entry. Off the GUI thread,
        // within a time budget; the configuration is not launched in the meantime.
        const int generation = m_generation;
        const int busyPort = m_config.port;
        m_portBusy = *issue;
        m_portBusyConfig = m_config;
        setState(ServerState::Starting, tr("Port %1 is in use; looking for the program that holds it").arg(busyPort));
        auto lookup = m_options.findPortOwner ? m_options.findPortOwner
                                              : std::function<std::optional<PortOwner>(int)>(&findPortOwner);
        QPointer<ServerSupervisor> self(this);
        QThreadPool::globalInstance()->start([self, lookup, busyPort, generation] {
            const std::optional<PortOwner> owner = lookup(busyPort);
            // The supervisor may be gone by now; the QPointer is only read on the GUI thread.
            QMetaObject::invokeMethod(
                    QCoreApplication::instance(),
                    [self, generation, owner] {
                        if (self)
                            self->onPortOwnerFound(generation, owner);
                    },
                    Qt::QueuedConnection);
        });
        m_portOwnerTimer->start(m_options.portOwnerTimeout);
        return;
    }
    launch(std::get<int>(port));
}

void ServerSupervisor::onPortOwnerFound(int generation, const std::optional<PortOwner> &owner)
{
    // The first of the answer and the time budget counts; a stop or a new start meanwhile
    // makes both stale.
    if (!m_portBusy || generation != m_generation)
        return;
    // Named for the port that was found busy, whatever the settings say by now.
    const PreflightIssue issue = withPortOwner(m_portBusyConfig, *std::exchange(m_portBusy, std::nullopt), owner);
    m_portOwnerTimer->stop();
    if (m_state != ServerState::Starting || m_process)
        return;
    // Settings saved meanwhile (another port, most likely) are checked, not refused unseen.
    if (!(m_config == m_portBusyConfig)) {
        runPreflight(m_generation);
        return;
    }
    failPreflight(issue);
}

void ServerSupervisor::launch(int port)
{
    std::variant<LaunchPlan, QString> plan =
            buildLaunchPlan(m_config, port, m_version ? m_version->flags : std::nullopt);
    if (const auto *error = std::get_if<QString>(&plan)) {
        Failure failure;
        failure.kind = FailureKind::BadArguments;
        failure.reason = *error;
        failure.action = tr("Change the extra arguments in the settings.");
        failure.retryable = false;
        m_failure = failure;
        setState(ServerState::Failed, *error);
        return;
    }
    m_plan = std::get<LaunchPlan>(std::move(plan));
    m_launched = m_config;

    m_log.clear();
    m_log.setSecrets(m_config.apiKey.isEmpty() ? QStringList() : QStringList{m_config.apiKey});
    m_stderrLines = std::make_unique<LineSplitter>();
    m_stdoutLines = std::make_unique<LineSplitter>();
    m_stage = LoadStage::NotStarted;
    m_probeAgain = false;

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
    setState(ServerState::Starting, tr("Starting llama-server"));
    m_sinceSpawn.start();
    m_sinceAnswer.start();
    process->start();
    if (!m_process || m_process->state() == QProcess::NotRunning)
        return; // errorOccurred(FailedToStart) has been handled
    m_pid = process->processId();
#ifdef Q_OS_UNIX
    // Also from this side, so that a stop() before the child got that far still finds the group
    // (fails harmlessly once the child has exec'd).
    ::setpgid(static_cast<pid_t>(m_pid), static_cast<pid_t>(m_pid));
#endif
    if (m_guard)
        m_guard->adopt(*process);
    probeHealth();
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
        if (m_state == ServerState::Loading)
            setState(ServerState::Loading, displayName(stage));
        // The server says it listens: ask at once instead of waiting for the next poll.
        if (stage == LoadStage::Listening && m_state != ServerState::Running)
            probeHealth();
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
    m_failure = failure;
    cleanupProcess();
    setState(ServerState::Failed, message);
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
    if (m_stopRequested || m_failOnExit) {
        endRun(std::nullopt);
        return;
    }
    // On Unix, QProcess reports the terminating signal as the exit code of a crashed process.
    endRun(classifyExit(m_log.lastTexts(40), exitCode, crashedBySignal, crashedBySignal ? exitCode : 0));
}

void ServerSupervisor::endRun(const std::optional<Failure> &failure)
{
    // A stop asked for wins, also over a hang the supervisor was ending itself: Stop pressed
    // between that SIGKILL and the exit must not be answered with a restart.
    const std::optional<Failure> failOnExit = std::exchange(m_failOnExit, std::nullopt);
    if (m_stopRequested) {
        enterStopped(tr("Stopped"));
        return;
    }
    if (failOnExit) {
        handleUnexpectedExit(*failOnExit);
        return;
    }
    if (failure)
        handleUnexpectedExit(*failure);
}

void ServerSupervisor::enterStopped(const QString &reason)
{
    setState(ServerState::Stopped, reason);
    if (m_startAfterStop) {
        m_startAfterStop = false;
        startRun();
    }
}

void ServerSupervisor::killAndWatch()
{
    signalServer(ServerSignal::Kill);
    if (m_process && !m_abandonTimer->isActive())
        m_abandonTimer->start(m_options.killGrace);
}

void ServerSupervisor::abandonProcess()
{
    if (!m_process)
        return;
    const qint64 pid = m_pid;
    const double seconds = static_cast<double>(m_options.killGrace.count()) / 1000.0;
    spdlog::warn("abandoned llama-server pid {}: it did not exit within {} ms of SIGKILL (it may be stuck in the "
                 "kernel, in uninterruptible sleep); Llamadesk no longer waits for it",
                 pid, m_options.killGrace.count());
    addLogLine(tr("llamadesk: llama-server (pid %1) did not exit within %2 s of SIGKILL; it is left behind")
                       .arg(pid)
                       .arg(seconds));
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
    if (m_stopRequested) {
        m_failOnExit.reset();
        enterStopped(tr("Stopped; llama-server (pid %1) did not exit after SIGKILL and was left behind.").arg(pid));
        return;
    }
    if (m_failOnExit) {
        m_failOnExit->reason += u' '
                + tr("It did not exit after SIGKILL either (pid %1) and was left behind.").arg(pid);
        m_failOnExit->retryable = false;
    }
    endRun(std::nullopt);
}

void ServerSupervisor::handleUnexpectedExit(const Failure &failure)
{
    m_failure = failure;
    spdlog::warn("llama-server stopped unexpectedly: {} {}", failure.reason, failure.action);

    // Failed runs in a row, not crashes per time: a model that is OOM-killed after a load longer
    // than any window, or a server that crashes at every first request, still runs out of tries.
    ++m_consecutiveFailures;
    if (failure.retryable && m_consecutiveFailures <= m_options.maxRestarts) {
        const qsizetype index =
                std::min<qsizetype>(m_consecutiveFailures - 1, m_options.restartBackoff.size() - 1);
        const std::chrono::milliseconds delay = m_options.restartBackoff.value(index, std::chrono::seconds(1));
        setState(ServerState::Crashed,
                 tr("%1 Restarting in %2 s.").arg(failure.reason).arg(static_cast<double>(delay.count()) / 1000.0));
        Q_EMIT crashed(failure, true);
        m_restartTimer->start(delay);
        return;
    }
    QString reason = failure.reason;
    if (failure.retryable) {
        reason += u' ' + tr("It failed %1 times in a row without staying healthy for %2 s, so it is not "
                            "restarted again.")
                             .arg(m_consecutiveFailures)
                             .arg(static_cast<double>(m_options.restartWindow.count()) / 1000.0);
    }
    Q_EMIT crashed(failure, false);
    setState(ServerState::Failed, reason);
}

void ServerSupervisor::stop()
{
    m_restartTimer->stop();
    m_startAfterStop = false;
    m_waitingForRelease = false;
    m_portBusy.reset();
    m_portOwnerTimer->stop();
    ++m_generation;
    m_versionProbe->abort();
    if (!m_process) {
        if (m_state != ServerState::Stopped)
            setState(ServerState::Stopped, tr("Stopped"));
        return;
    }
    if (m_state == ServerState::Stopping)
        return;
    m_stopRequested = true;
    setState(ServerState::Stopping, tr("Stopping"));
    // Listeners abort their requests now (directly connected): an open stream would keep a
    // SIGTERM'd llama-server alive for up to its 30 s ping interval.
    Q_EMIT aboutToStop();
    m_pollTimer->stop();
    abortProbe();
    signalServer(ServerSignal::Terminate);
    m_killTimer->start(m_options.stopGrace);
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

void ServerSupervisor::restart()
{
    if (!m_process) {
        start();
        return;
    }
    m_consecutiveFailures = 0;
    stop();
    m_startAfterStop = true;
}

void ServerSupervisor::probeHealth()
{
    if (!m_process || !m_plan || m_stopRequested)
        return;
    if (m_probe) {
        m_probeAgain = true;
        return;
    }
    m_pollTimer->stop();
    QUrl url = m_plan->baseUrl();
    url.setPath(QStringLiteral("/health"));
    QNetworkRequest request(url);
    request.setTransferTimeout(static_cast<int>(m_options.probeTimeout.count()));
    // A fresh connection per probe: on a kept-alive one, the server's response (headers and
    // body written separately, Nagle on) waits for the client's delayed ACK, 40 ms on Linux,
    // which made the dot turn green 40 ms after the first 200. A new loopback connection
    // costs a fraction of a millisecond.
    request.setRawHeader("Connection", "close");
    QNetworkReply *reply = m_network->get(request);
    m_probe = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onHealthReply(reply); });
}

void ServerSupervisor::onHealthReply(QNetworkReply *reply)
{
    reply->deleteLater();
    if (reply != m_probe)
        return;
    m_probe = nullptr;
    if (!m_process || m_stopRequested)
        return;

    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 0)
        m_sinceAnswer.start();
    if (status == 200) {
        if (m_state != ServerState::Running) {
            m_runningSince = QDateTime::currentDateTime();
            spdlog::info("llama-server is ready at {} ({} ms after spawn)", m_plan->baseUrl().toString(),
                         m_sinceSpawn.elapsed());
            setState(ServerState::Running, tr("Running"));
        }
        setHealthy(true);
    } else if (status != 0) {
        // 503 "Loading model" until the model is ready; the HTTP port is bound before that.
        if (m_state == ServerState::Starting)
            setState(ServerState::Loading, displayName(m_stage == LoadStage::NotStarted ? LoadStage::LoadingModel
                                                                                         : m_stage));
        if (m_state == ServerState::Running && m_healthy)
            spdlog::warn("llama-server answered /health with {}", status);
        setHealthy(status == 200);
    } else {
        if (m_state == ServerState::Running && m_healthy)
            spdlog::warn("llama-server did not answer /health: {}", reply->errorString());
        setHealthy(false);
        // A server that does not answer at all is stuck: before it ever ran, nothing a restart
        // changes; once it ran, a restart brings it back.
        if (m_sinceAnswer.hasExpired(m_options.noAnswerTimeout.count())) {
            const QString url = m_plan->baseUrl().toString();
            const double seconds = static_cast<double>(m_options.noAnswerTimeout.count()) / 1000.0;
            Failure failure;
            failure.kind = FailureKind::Unknown;
            if (m_state == ServerState::Running) {
                failure.reason = tr("llama-server stopped answering on %1 for %2 s.").arg(url).arg(seconds);
                // No action: the window says whether it restarts ("Restarting automatically.").
                failure.retryable = true;
            } else {
                failure.reason = tr("llama-server did not answer on %1 within %2 s.").arg(url).arg(seconds);
                failure.action =
                    tr("Look at the server log; the program may not be llama-server or may be stuck.");
                failure.retryable = false;
            }
            m_failOnExit = failure;
            spdlog::error("{}", failure.reason);
            addLogLine(tr("llamadesk: %1 Sending SIGKILL").arg(failure.reason));
            killAndWatch();
            return;
        }
    }
    if (m_probeAgain) {
        m_probeAgain = false;
        probeHealth();
        return;
    }
    schedulePoll();
}

void ServerSupervisor::schedulePoll()
{
    if (!m_process || m_stopRequested)
        return;
    m_pollTimer->start(m_state == ServerState::Running ? m_options.slowPoll : m_options.fastPoll);
}

void ServerSupervisor::setHealthy(bool healthy)
{
    if (m_healthy == healthy)
        return;
    m_healthy = healthy;
    // Only health without a break for the restart window proves that a restart helped.
    if (healthy)
        m_steadyTimer->start(m_options.restartWindow);
    else
        m_steadyTimer->stop();
    Q_EMIT healthChanged(healthy);
}

void ServerSupervisor::setState(ServerState state, const QString &reason)
{
    if (m_state == state && m_reason == reason)
        return;
    m_state = state;
    m_reason = reason;
    Q_EMIT stateChanged(state, reason);
}

void ServerSupervisor::abortProbe()
{
    // Forget the reply first: abort() finishes it synchronously, and its handler must see a
    // stale reply, not a failed probe.
    QNetworkReply *reply = m_probe;
    m_probe = nullptr;
    m_probeAgain = false;
    if (reply)
        reply->abort();
}

void ServerSupervisor::cleanupProcess()
{
    m_pollTimer->stop();
    m_killTimer->stop();
    m_abandonTimer->stop();
    abortProbe();
    setHealthy(false);
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
