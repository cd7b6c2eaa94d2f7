#include "core/server/versionprobe.h"

#include "core/sanitizers.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>

#include <utility>

namespace Llamadesk
{
namespace
{
// Enough for any --version or --help answer (0.5.0 prints 58 KB of help).
constexpr qsizetype MaxOutput = 512 * 1024;
// How much of a failing program's last line goes into the message.
constexpr qsizetype MaxQuotedLine = 200;

QString lastLine(const QString &output)
{
    const QStringList lines = output.split(QRegularExpression(QStringLiteral("[\r\n]+")), Qt::SkipEmptyParts);
    for (auto it = lines.crbegin(); it != lines.crend(); ++it) {
        const QString line = it->trimmed();
        if (!line.isEmpty())
            return line.size() > MaxQuotedLine ? line.left(MaxQuotedLine) + u'…' : line;
    }
    return {};
}

QString withoutFinalPeriod(QString text)
{
    while (text.endsWith(u'.'))
        text.chop(1);
    return text;
}

QString seconds(std::chrono::milliseconds timeout)
{
    return QString::number(static_cast<double>(timeout.count()) / 1000.0);
}
} // namespace

std::optional<VersionInfo> parseVersionOutput(const QString &output)
{
    static const QString VersionPrefix = QStringLiteral("version:");
    static const QString BuiltWithPrefix = QStringLiteral("built with ");
    std::optional<VersionInfo> info;
    QString buildInfo;
    const QStringList lines = output.split(QRegularExpression(QStringLiteral("[\r\n]+")), Qt::SkipEmptyParts);
    for (const QString &raw : lines) {
        const QString line = raw.trimmed();
        if (!info && line.startsWith(VersionPrefix)) {
            const QString version = line.mid(VersionPrefix.size()).trimmed();
            if (!version.isEmpty())
                info = VersionInfo{version, {}};
        } else if (buildInfo.isEmpty() && line.startsWith(BuiltWithPrefix)) {
            buildInfo = line.mid(BuiltWithPrefix.size()).trimmed();
        }
    }
    if (info)
        info->buildInfo = buildInfo;
    return info;
}

VersionProbe::VersionProbe(QObject *parent)
    : QObject(parent)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &VersionProbe::onTimeout);
}

VersionProbe::~VersionProbe()
{
    discardProcess();
}

void VersionProbe::setTimeout(std::chrono::milliseconds timeout)
{
    m_timeout = timeout;
}

std::chrono::milliseconds VersionProbe::timeout() const
{
    return m_timeout;
}

bool VersionProbe::isRunning() const
{
    return m_active;
}

void VersionProbe::start(const QString &executable)
{
    abort();
    m_active = true;
    m_executable = executable;
    m_version.reset();
    launch(QStringLiteral("--version"));
}

void VersionProbe::launch(const QString &argument)
{
    m_output.clear();
    auto *process = new QProcess(this);
    m_process = process;
    process->setProcessChannelMode(QProcess::MergedChannels);
    process->setStandardInputFile(QProcess::nullDevice());
    const QFileInfo info(m_executable);
    if (info.isAbsolute() && info.dir().exists())
        process->setWorkingDirectory(info.absolutePath());
    connect(process, &QProcess::readyReadStandardOutput, this, &VersionProbe::onOutput);
    connect(process, &QProcess::finished, this, [this](int exitCode, QProcess::ExitStatus status) {
        if (m_version)
            onHelpFinished();
        else
            onProcessFinished(exitCode, status == QProcess::CrashExit);
    });
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return;
        if (m_version)
            onHelpFinished();
        else
            onStartFailed(process->errorString());
    });
    m_timer.start(m_timeout);
    process->start(m_executable, {argument});
}

void VersionProbe::abort()
{
    ++m_run;
    m_active = false;
    m_timer.stop();
    discardProcess();
}

void VersionProbe::onOutput()
{
    if (!m_process)
        return;
    const QByteArray chunk = m_process->readAllStandardOutput();
    m_output.append(chunk.left(MaxOutput - m_output.size()));
}

void VersionProbe::onProcessFinished(int exitCode, bool crashed)
{
    onOutput();
    const QString output = QString::fromLocal8Bit(m_output);
    if (std::optional<VersionInfo> version = parseVersionOutput(output)) {
        // The same process object must not be reused: start a fresh one for --help.
        discardProcess();
        m_version = std::move(version);
        launch(QStringLiteral("--help"));
        return;
    }
    const QString line = lastLine(output);
    const QString detail =
            line.isEmpty() ? QStringLiteral(".") : QString(u": " + withoutFinalPeriod(line) + u'.');
    if (crashed)
        finish(std::nullopt,
               QStringLiteral("%1 crashed when asked for '--version'").arg(m_executable) + detail);
    else if (exitCode != 0)
        finish(std::nullopt,
               QStringLiteral("%1 failed to answer '--version' (exit code %2)")
                               .arg(m_executable)
                               .arg(exitCode)
                       + detail);
    else
        finish(std::nullopt,
               QStringLiteral("%1 is not llama-server: '--version' printed no version.").arg(m_executable));
}

void VersionProbe::onHelpFinished()
{
    onOutput();
    VersionInfo version = *m_version;
    version.flags = parseHelpOutput(QString::fromLocal8Bit(m_output));
    finish(version, {});
}

void VersionProbe::onStartFailed(const QString &reason)
{
    finish(std::nullopt,
           QStringLiteral("%1 could not be started: %2.").arg(m_executable, withoutFinalPeriod(reason)));
}

void VersionProbe::onTimeout()
{
    if (m_version) {
        finish(m_version, {}); // no flags: nothing will be filtered
        return;
    }
    finish(std::nullopt,
           QStringLiteral("%1 did not answer '--version' within %2 s.")
                   .arg(m_executable, seconds(m_timeout)));
}

void VersionProbe::finish(const std::optional<VersionInfo> &version, const QString &error)
{
    if (!m_active || !m_process)
        return; // this run has already ended
    m_timer.stop();
    discardProcess();
    // Queued: the process may report a failure inside QProcess::start(), that is inside our
    // start(), and listeners must never be called back from inside the call they made.
    const quint64 run = m_run;
    QMetaObject::invokeMethod(
            this,
            [this, run, version, error] {
                if (run != m_run || !m_active)
                    return;
                m_active = false;
                Q_EMIT finished(version, error);
            },
            Qt::QueuedConnection);
}

void VersionProbe::discardProcess()
{
    QProcess *process = std::exchange(m_process, nullptr);
    if (!process)
        return;
    disconnect(process, nullptr, this, nullptr);
    if (process->state() == QProcess::NotRunning) {
        process->deleteLater();
        return;
    }
    // Deleting a running QProcess waits for it to exit; let it go on its own instead, and delete
    // it once the kill has been reaped.
    process->setParent(nullptr);
    connect(process, &QProcess::finished, process, &QObject::deleteLater);
    letGo(process);
    process->kill();
}
} // namespace Llamadesk
