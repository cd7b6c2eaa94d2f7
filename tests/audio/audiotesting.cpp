#include "audiotesting.h"

#include "testsupport.h"

#include <QFile>
#include <QProcess>
#include <QtEndian>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <vector>

namespace Llamadesk::AudioTesting
{
using namespace std::chrono_literals;

double WavFile::durationSeconds() const
{
    if (!isValid())
        return 0.0;
    return static_cast<double>(data.size()) / (sampleRate * channels * (bitsPerSample / 8));
}

QByteArray WavFile::monoPcm16() const
{
    if (channels == 1)
        return data;
    QByteArray mono;
    const int frameBytes = channels * 2;
    for (qsizetype i = 0; i + frameBytes <= data.size(); i += frameBytes)
        mono.append(data.constData() + i, 2);
    return mono;
}

WavFile readWav(const QString &path)
{
    WavFile wav;
    const QByteArray bytes = TestSupport::readFile(path);
    if (bytes.size() < 12 || !bytes.startsWith("RIFF") || bytes.mid(8, 4) != "WAVE")
        return wav;
    qsizetype offset = 12;
    while (offset + 8 <= bytes.size()) {
        const QByteArray id = bytes.mid(offset, 4);
        auto size = static_cast<qsizetype>(qFromLittleEndian<quint32>(bytes.constData() + offset + 4));
        const qsizetype body = offset + 8;
        // espeak-ng writes to a pipe-friendly stream and leaves the sizes at their maximum.
        size = std::min(size, bytes.size() - body);
        if (id == "fmt " && size >= 16) {
            wav.channels = qFromLittleEndian<quint16>(bytes.constData() + body + 2);
            wav.sampleRate = static_cast<int>(qFromLittleEndian<quint32>(bytes.constData() + body + 4));
            wav.bitsPerSample = qFromLittleEndian<quint16>(bytes.constData() + body + 14);
        } else if (id == "data") {
            wav.data = bytes.mid(body, size);
        }
        offset = body + size + (size & 1);
    }
    return wav;
}

QString runProcess(const QString &program, const QStringList &arguments, std::chrono::milliseconds timeout)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    const bool ended =
        TestSupport::waitUntil([&process] { return process.state() == QProcess::NotRunning; }, timeout);
    if (!ended) {
        process.kill();
        process.waitForFinished(1000);
        return program + QStringLiteral(" did not finish in time");
    }
    if (process.error() == QProcess::FailedToStart)
        return program + QStringLiteral(" could not be started: ") + process.errorString();
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        return program + QStringLiteral(" failed (exit code %1): ").arg(process.exitCode())
            + QString::fromLocal8Bit(process.readAll());
    }
    return {};
}

QString speak(const QString &text, const QString &wavPath)
{
    return runProcess(QStringLiteral("espeak-ng"), {QStringLiteral("-w"), wavPath, text});
}

namespace
{
std::vector<double> samplesOf(const QByteArray &pcm16)
{
    std::vector<double> samples(static_cast<std::size_t>(pcm16.size() / 2));
    for (std::size_t i = 0; i < samples.size(); ++i)
        samples[i] = qFromLittleEndian<qint16>(pcm16.constData() + i * 2) / 32768.0;
    return samples;
}

std::vector<double> averaged(const std::vector<double> &samples, std::size_t factor)
{
    std::vector<double> out(samples.size() / factor);
    for (std::size_t i = 0; i < out.size(); ++i) {
        double sum = 0.0;
        for (std::size_t k = 0; k < factor; ++k)
            sum += samples[i * factor + k];
        out[i] = sum / static_cast<double>(factor);
    }
    return out;
}

// Normalised correlation of reference[from, to) with recording[offset + from, offset + to).
double correlationAt(const std::vector<double> &recording, const std::vector<double> &reference,
                     std::size_t offset, std::size_t from, std::size_t to)
{
    double xy = 0.0, xx = 0.0, yy = 0.0;
    for (std::size_t i = from; i < to; ++i) {
        const double x = reference[i];
        const double y = recording[offset + i];
        xy += x * y;
        xx += x * x;
        yy += y * y;
    }
    return (xx > 0.0 && yy > 0.0) ? xy / std::sqrt(xx * yy) : 0.0;
}

std::size_t bestOffset(const std::vector<double> &recording, const std::vector<double> &reference,
                       std::size_t first, std::size_t last)
{
    std::size_t best = first;
    double bestValue = -2.0;
    for (std::size_t offset = first; offset <= last; ++offset) {
        const double value = correlationAt(recording, reference, offset, 0, reference.size());
        if (value > bestValue) {
            bestValue = value;
            best = offset;
        }
    }
    return best;
}
} // namespace

Alignment alignReference(const QByteArray &recordingPcm16, const QByteArray &referencePcm16, int sampleRate)
{
    Alignment result;
    std::vector<double> recording = samplesOf(recordingPcm16);
    const std::vector<double> reference = samplesOf(referencePcm16);
    constexpr std::size_t Factor = 8;
    if (reference.size() < Factor * 16)
        return result;
    // Silence after the end, so that a recording that stopped too early still aligns (and fails).
    const std::size_t recorded = recording.size();
    recording.resize(recorded + reference.size(), 0.0);

    const std::vector<double> coarseRecording = averaged(recording, Factor);
    const std::vector<double> coarseReference = averaged(reference, Factor);
    const std::size_t coarse =
            bestOffset(coarseRecording, coarseReference, 0, coarseRecording.size() - coarseReference.size());
    const std::size_t lastOffset = recording.size() - reference.size();
    const std::size_t around = coarse * Factor;
    const std::size_t first = around > 2 * Factor ? around - 2 * Factor : 0;
    const std::size_t offset = bestOffset(recording, reference, std::min(first, lastOffset),
                                          std::min(around + 2 * Factor, lastOffset));
    result.offset = static_cast<qsizetype>(offset);
    result.insideRecording = offset + reference.size() <= recorded;
    result.correlation = correlationAt(recording, reference, offset, 0, reference.size());

    // Voiced segments: those holding at least a tenth of the loudest segment's energy.
    const auto segment = static_cast<std::size_t>(sampleRate / 4);
    std::vector<std::pair<std::size_t, double>> energies;
    for (std::size_t from = 0; from + segment <= reference.size(); from += segment) {
        double energy = 0.0;
        for (std::size_t i = from; i < from + segment; ++i)
            energy += reference[i] * reference[i];
        energies.emplace_back(from, energy);
    }
    double loudest = 0.0;
    for (const auto &[from, energy] : energies)
        loudest = std::max(loudest, energy);
    result.weakestSegment = 1.0;
    for (const auto &[from, energy] : energies) {
        if (loudest <= 0.0 || energy < loudest / 10.0)
            continue;
        ++result.voicedSegments;
        result.weakestSegment =
                std::min(result.weakestSegment, correlationAt(recording, reference, offset, from, from + segment));
    }
    if (result.voicedSegments == 0)
        result.weakestSegment = 0.0;
    return result;
}

namespace
{
// The daemon detaches itself, so it is nobody's child here; where nothing reaps orphans (a
// container whose init is the shell) it lingers as a zombie, which counts as gone.
bool isAlive(qint64 pid)
{
    if (::kill(static_cast<pid_t>(pid), 0) != 0)
        return false;
    const QByteArray stat = TestSupport::readFile(QStringLiteral("/proc/%1/stat").arg(pid));
    const qsizetype state = stat.lastIndexOf(')') + 2;
    return stat.isEmpty() || state >= stat.size() || stat.at(state) != 'Z';
}
} // namespace

PrivatePulseServer::~PrivatePulseServer()
{
    if (m_pid > 0 && isAlive(m_pid)) {
        ::kill(static_cast<pid_t>(m_pid), SIGTERM);
        (void)TestSupport::waitUntil([this] { return !isAlive(m_pid); }, 3s);
    }
}

QProcessEnvironment PrivatePulseServer::environment() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("PULSE_SERVER"));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), m_dir.path());
    env.insert(QStringLiteral("PULSE_CLIENTCONFIG"), m_dir.filePath(QStringLiteral("client.conf")));
    return env;
}

bool PrivatePulseServer::start()
{
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("no temporary directory");
        return false;
    }
    QFile conf(m_dir.filePath(QStringLiteral("client.conf")));
    if (!conf.open(QIODevice::WriteOnly) || conf.write("autospawn = no\n") < 0) {
        m_error = QStringLiteral("cannot write client.conf");
        return false;
    }
    conf.close();

    QProcess daemon;
    daemon.setProcessEnvironment(environment());
    daemon.setProcessChannelMode(QProcess::MergedChannels);
    daemon.start(
        QStringLiteral("pulseaudio"),
        {QStringLiteral("--daemonize=yes"), QStringLiteral("-n"), QStringLiteral("--exit-idle-time=-1"),
         QStringLiteral("--log-target=file:") + m_dir.filePath(QStringLiteral("pulse.log")),
         QStringLiteral("--load=module-native-protocol-unix"),
         QStringLiteral("--load=module-null-sink sink_name=private_sink"),
         QStringLiteral("--load=module-remap-source master=private_sink.monitor source_name=private_mic")});
    if (!TestSupport::waitUntil([&daemon] { return daemon.state() == QProcess::NotRunning; }, 10s)
        || daemon.exitCode() != 0) {
        m_error = QStringLiteral("pulseaudio did not start: ") + QString::fromLocal8Bit(daemon.readAll());
        return false;
    }
    const QString pidFile = m_dir.filePath(QStringLiteral("pulse/pid"));
    (void)TestSupport::waitUntil([&pidFile] { return QFile::exists(pidFile); }, 5s);
    m_pid = TestSupport::readFile(pidFile).trimmed().toLongLong();
    if (m_pid <= 0) {
        m_error = QStringLiteral("pulseaudio wrote no pid file");
        return false;
    }
    return true;
}

PulseModule::PulseModule(const QString &name, const QStringList &arguments)
{
    QProcess pactl;
    pactl.start(QStringLiteral("pactl"), QStringList{QStringLiteral("load-module"), name} + arguments);
    const bool ended = TestSupport::waitUntil([&pactl] { return pactl.state() == QProcess::NotRunning; });
    const QString output = QString::fromLocal8Bit(pactl.readAllStandardOutput()).trimmed();
    if (!ended || pactl.exitCode() != 0 || output.isEmpty()) {
        m_error = QStringLiteral("pactl load-module %1 failed: %2")
                      .arg(name, QString::fromLocal8Bit(pactl.readAllStandardError()));
        return;
    }
    m_index = output;
}

PulseModule::~PulseModule()
{
    unload();
}

void PulseModule::unload()
{
    if (m_index.isEmpty())
        return;
    runProcess(QStringLiteral("pactl"), {QStringLiteral("unload-module"), m_index});
    m_index.clear();
}
} // namespace Llamadesk::AudioTesting
