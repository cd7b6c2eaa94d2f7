#include "core/server/launchcheck.h"

#include "core/server/executablelocator.h"
#include "core/qtfmt.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QPointer>
#include <QThreadPool>

#include <spdlog/spdlog.h>

#include <utility>

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

LaunchCheck::LaunchCheck(const ServerConfig &config, LaunchCheckOptions options, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_options(std::move(options))
{
    m_versionProbe.setTimeout(m_options.versionTimeout);
    m_portOwnerTimer.setSingleShot(true);
    connect(&m_versionProbe, &VersionProbe::finished, this, &LaunchCheck::onVersionChecked);
    connect(&m_portOwnerTimer, &QTimer::timeout, this, [this] {
        spdlog::warn("The search for the program holding port {} took longer than {} ms; not waiting for it",
                     m_portBusyConfig.port, m_options.portOwnerTimeout.count());
        onPortOwnerFound(m_attempt, std::nullopt);
    });
}

void LaunchCheck::begin()
{
    cancel();
    m_running = true;
    const quint64 attempt = m_attempt;
    QMetaObject::invokeMethod(this, [this, attempt] { step(attempt); }, Qt::QueuedConnection);
}

void LaunchCheck::cancel()
{
    ++m_attempt;
    m_running = false;
    m_portBusy.reset();
    m_portOwnerTimer.stop();
    m_versionProbe.abort();
}

bool LaunchCheck::isRunning() const
{
    return m_running;
}

std::optional<VersionInfo> LaunchCheck::version() const
{
    return m_version;
}

void LaunchCheck::step(quint64 attempt)
{
    if (attempt != m_attempt || !m_running || m_portBusy)
        return;
    if (const std::optional<PreflightIssue> issue = checkConfig(m_config)) {
        finish(issue);
        return;
    }
    const QString executable = resolveExecutable(m_config.executable);
    if (m_options.checkVersion && versionKey(executable) != m_versionCheckedFor) {
        Q_EMIT progress(tr("Checking llama-server…"));
        m_versionProbing = versionKey(executable);
        m_versionProbe.start(executable);
        return;
    }
    checkPort();
}

void LaunchCheck::onVersionChecked(const std::optional<VersionInfo> &version, const QString &error)
{
    if (!m_running)
        return;
    // The settings may have changed while the probe ran (it takes seconds): the launch must be
    // of the configuration that is checked, so every step runs again on the current one, and
    // probes again where the executable changed.
    if (m_versionProbing != versionKey(resolveExecutable(m_config.executable))) {
        step(m_attempt);
        return;
    }
    if (!version) {
        PreflightIssue issue;
        issue.code = PreflightCode::NotLlamaServer;
        issue.message = error;
        issue.hint = tr("Choose the llama-server program from a llama.cpp release or build.");
        finish(issue);
        return;
    }
    m_version = version;
    m_versionCheckedFor = m_versionProbing;
    spdlog::info("llama-server version {} ({}); {}", version->version, version->buildInfo,
                 version->flags ? fmt::format("--help lists {} options", version->flags->names.size())
                                : std::string("its --help could not be read, so every argument is passed"));
    step(m_attempt);
}

void LaunchCheck::checkPort()
{
    const std::variant<int, PreflightIssue> port = resolvePort(m_config, PortOwnerSearch::Later);
    const auto *issue = std::get_if<PreflightIssue>(&port);
    if (!issue) {
        finish(std::nullopt, std::get<int>(port));
        return;
    }
    if (issue->code != PreflightCode::PortBusy) {
        finish(*issue);
        return;
    }
    // Who holds it is read from /proc/*/fd: every process's every descriptor, which takes a
    // while on a busy machine and can block on a stuck process's entry. Off the GUI thread,
    // within a time budget; the configuration is not launched in the meantime.
    const quint64 attempt = m_attempt;
    const int busyPort = m_config.port;
    m_portBusy = *issue;
    m_portBusyConfig = m_config;
    Q_EMIT progress(tr("Port %1 is in use; looking for the program that holds it").arg(busyPort));
    auto lookup = m_options.findPortOwner ? m_options.findPortOwner
                                          : std::function<std::optional<PortOwner>(int)>(&findPortOwner);
    QPointer<LaunchCheck> self(this);
    QThreadPool::globalInstance()->start([self, lookup, busyPort, attempt] {
        const std::optional<PortOwner> owner = lookup(busyPort);
        // The check may be gone by now; the QPointer is only read on the GUI thread.
        QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [self, attempt, owner] {
                    if (self)
                        self->onPortOwnerFound(attempt, owner);
                },
                Qt::QueuedConnection);
    });
    m_portOwnerTimer.start(m_options.portOwnerTimeout);
}

void LaunchCheck::onPortOwnerFound(quint64 attempt, const std::optional<PortOwner> &owner)
{
    // The first of the answer and the time budget counts.
    if (!m_portBusy || attempt != m_attempt)
        return;
    m_portOwnerTimer.stop();
    // Named for the port that was found busy, whatever the settings say by now.
    const PreflightIssue issue = withPortOwner(m_portBusyConfig, *std::exchange(m_portBusy, std::nullopt), owner);
    // Settings saved meanwhile (another port, most likely) are checked, not refused unseen.
    if (!(m_config == m_portBusyConfig)) {
        step(m_attempt);
        return;
    }
    finish(issue);
}

void LaunchCheck::finish(const std::optional<PreflightIssue> &issue, int port)
{
    ++m_attempt;
    m_running = false;
    if (issue) {
        spdlog::warn("Not starting llama-server: {}", issue->message);
        Q_EMIT failed(*issue);
    } else {
        Q_EMIT passed(port);
    }
}
} // namespace Llamadesk
