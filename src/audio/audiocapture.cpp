#include "audio/audiocapture.h"

#include "audio/audioinputs.h"
#include "core/qtfmt.h"
#include "audio/resampler.h"

#include <QAudioSource>
#include <QIODevice>
#include <QMediaDevices>
#include <QTimer>
#include <QtEndian>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <utility>

namespace Llamadesk
{
namespace
{
// PulseAudio hands the stream over in fragments of this length: short enough that the first
// words arrive at once and that stop() leaves little behind in the server.
constexpr qint64 DeviceBufferUs = 20000;
// A device that delivers nothing for this long has failed, even if it reports no error
// (PulseAudio silently ends a stream whose source vanished).
constexpr qint64 StallTimeoutMs = 4000;
constexpr int BytesPerSample = 2;
constexpr int DevicePollTicks = 15; // about twice a second

std::optional<Resampler::SampleFormat> resamplerFormat(QAudioFormat::SampleFormat format)
{
    switch (format) {
    case QAudioFormat::UInt8:
        return Resampler::SampleFormat::UInt8;
    case QAudioFormat::Int16:
        return Resampler::SampleFormat::Int16;
    case QAudioFormat::Int32:
        return Resampler::SampleFormat::Int32;
    case QAudioFormat::Float:
        return Resampler::SampleFormat::Float;
    default:
        return std::nullopt;
    }
}
} // namespace

AudioCapture::AudioCapture(QObject *parent)
    : QObject(parent)
    , m_mediaDevices(new QMediaDevices(this))
    , m_levelTimer(new QTimer(this))
{
    m_levelTimer->setInterval(LevelIntervalMs);
    m_levelTimer->setTimerType(Qt::PreciseTimer);
    connect(m_levelTimer, &QTimer::timeout, this, &AudioCapture::publishLevels);
    connect(m_mediaDevices, &QMediaDevices::audioInputsChanged, this, &AudioCapture::onInputsChanged);
}

AudioCapture::~AudioCapture()
{
    closeSource();
    deleteRetiredSources();
}

void AudioCapture::setDevice(const QByteArray &deviceId)
{
    m_deviceId = deviceId;
}

QByteArray AudioCapture::deviceId() const
{
    return m_deviceId;
}

void AudioCapture::setFormatPolicy(FormatPolicy policy)
{
    m_policy = policy;
}

void AudioCapture::setMaximumSeconds(double seconds)
{
    m_maximumSeconds = std::clamp(seconds, 0.0, static_cast<double>(HardCapSeconds));
}

bool AudioCapture::isAvailable() const
{
    return !AudioInputs::resolve(m_deviceId).isNull();
}

bool AudioCapture::isRecording() const
{
    return m_recording;
}

QAudioFormat AudioCapture::captureFormat(const QAudioDevice &device, FormatPolicy policy)
{
    QAudioFormat target;
    target.setSampleRate(TargetRate);
    target.setChannelCount(1);
    target.setSampleFormat(QAudioFormat::Int16);
    if (device.isNull())
        return target;
    if (policy == FormatPolicy::PreferTarget && device.isFormatSupported(target))
        return target;
    const QAudioFormat preferred = device.preferredFormat();
    return preferred.isValid() ? preferred : target;
}

QString AudioCapture::errorMessage(QAudio::Error error, bool whileRecording)
{
    switch (error) {
    case QAudio::NoError:
        return {};
    case QAudio::OpenError:
        if (whileRecording)
            return tr("The microphone was taken away: permission denied, or another program took it over.");
        return tr("The microphone could not be opened: permission denied, or another program is using it.");
    case QAudio::IOError:
    case QAudio::UnderrunError:
        return tr("The microphone stopped delivering sound. Was it unplugged?");
    case QAudio::FatalError:
        if (whileRecording)
            return tr("The sound system stopped; the recording was interrupted.");
        return tr("The microphone could not be opened: the sound system is not available.");
    }
    return tr("The microphone could not be opened: unknown error.");
}

void AudioCapture::start()
{
    if (m_recording)
        return;
    m_device = AudioInputs::resolve(m_deviceId);
    if (m_device.isNull()) {
        spdlog::warn("Recording not started: no microphone found");
        Q_EMIT failed(tr("No microphone found."));
        return;
    }

    m_format = captureFormat(m_device, m_policy);
    const auto sampleFormat = resamplerFormat(m_format.sampleFormat());
    if (!sampleFormat) {
        Q_EMIT failed(tr("The microphone could not be opened: its sample format is not supported."));
        return;
    }
    m_resampler = std::make_unique<Resampler>(m_format.sampleRate(), m_format.channelCount(), *sampleFormat,
                                              TargetRate);
    if (!m_resampler->isValid()) {
        Q_EMIT failed(tr("The microphone could not be opened: %1").arg(m_resampler->errorString()));
        return;
    }
    m_pcm.clear();
    m_levelFrom = 0;
    m_firstAudioNs.reset();
    m_lastAudioNs = 0;
    m_ticks = 0;

    m_source = new QAudioSource(m_device, m_format, this);
    m_source->setBufferSize(m_format.bytesForDuration(DeviceBufferUs));
    // Queued: the source must not be stopped and deleted inside its own signal.
    connect(m_source, &QAudioSource::stateChanged, this, &AudioCapture::onStateChanged, Qt::QueuedConnection);
    m_clock.start();
    m_io = m_source->start();
    const QAudio::Error error = m_source->error();
    if (!m_io || (error != QAudio::NoError && m_source->state() == QAudio::StoppedState)) {
        spdlog::warn("Microphone '{}' could not be opened (QAudio::Error {})", m_device.description(),
                     static_cast<int>(error));
        closeSource();
        Q_EMIT failed(errorMessage(error == QAudio::NoError ? QAudio::OpenError : error));
        return;
    }
    connect(m_io, &QIODevice::readyRead, this, &AudioCapture::onReadyRead);
    m_recording = true;
    m_levelTimer->start();
    spdlog::info("Recording from '{}' at {} Hz, {} channel(s){}", m_device.description(),
                 m_format.sampleRate(), m_format.channelCount(),
                 m_resampler->isPassThrough() ? "" : ", converted to 16 kHz mono");
    Q_EMIT started();
}

void AudioCapture::stop()
{
    if (!m_recording)
        return;
    // QAudioSource::stop() discards what the device has delivered but nobody read yet.
    readAvailable();
    closeSource();
    m_pcm += m_resampler->flush();
    truncateToMaximum();
    spdlog::info("Recording finished: {:.2f} s", elapsedSeconds());
    Q_EMIT elapsedChanged(elapsedSeconds());
    Q_EMIT finished(m_pcm);
}

void AudioCapture::cancel()
{
    if (!m_recording)
        return;
    closeSource();
    m_resampler.reset();
    m_pcm.clear();
    m_levelFrom = 0;
    spdlog::info("Recording cancelled");
}

double AudioCapture::elapsedSeconds() const
{
    if (m_recording && m_resampler)
        return static_cast<double>(m_resampler->inputFrames()) / m_resampler->inputRate();
    return static_cast<double>(m_pcm.size()) / (BytesPerSample * TargetRate);
}

QByteArray AudioCapture::pcm() const
{
    return m_pcm;
}

QAudioFormat AudioCapture::deviceFormat() const
{
    return m_format;
}

double AudioCapture::startLatencySeconds() const
{
    return m_firstAudioNs ? static_cast<double>(*m_firstAudioNs) / 1e9 : -1.0;
}

double AudioCapture::rms(QByteArrayView pcm16)
{
    const qsizetype count = pcm16.size() / BytesPerSample;
    if (count == 0)
        return 0.0;
    double sum = 0.0;
    for (qsizetype i = 0; i < count; ++i) {
        const double sample = qFromLittleEndian<qint16>(pcm16.data() + i * BytesPerSample) / 32768.0;
        sum += sample * sample;
    }
    return std::sqrt(sum / static_cast<double>(count));
}

double AudioCapture::peak(QByteArrayView pcm16)
{
    int largest = 0;
    for (qsizetype i = 0; i + 1 < pcm16.size(); i += BytesPerSample)
        largest = std::max(largest, std::abs(static_cast<int>(qFromLittleEndian<qint16>(pcm16.data() + i))));
    return std::min(1.0, largest / 32768.0);
}

void AudioCapture::onReadyRead()
{
    // Only reads: stopping here would delete the device inside its own readyRead().
    readAvailable();
}

void AudioCapture::readAvailable()
{
    if (!m_io)
        return;
    // The source's device is unbuffered: each read() takes straight from PulseAudio's queue.
    for (;;) {
        const QByteArray bytes = m_io->read(64 * 1024);
        if (bytes.isEmpty())
            break;
        consume(bytes);
    }
}

void AudioCapture::consume(QByteArrayView bytes)
{
    m_lastAudioNs = m_clock.nsecsElapsed();
    if (!m_firstAudioNs) {
        m_firstAudioNs = m_lastAudioNs;
        spdlog::debug("First audio {:.0f} ms after start()", startLatencySeconds() * 1000.0);
        Q_EMIT firstAudioReceived();
    }
    m_pcm += m_resampler->process(bytes);
}

void AudioCapture::publishLevels()
{
    if (!m_recording)
        return;
    readAvailable();
    if (elapsedSeconds() >= m_maximumSeconds) {
        spdlog::info("Recording reached its limit of {} s", m_maximumSeconds);
        stop();
        return;
    }
    if (m_pcm.size() > m_levelFrom) {
        const QByteArrayView fresh = QByteArrayView(m_pcm).sliced(m_levelFrom);
        m_levelFrom = m_pcm.size();
        Q_EMIT levelChanged(rms(fresh), peak(fresh));
        Q_EMIT elapsedChanged(elapsedSeconds());
    }
    // Qt 6.4 updates the device list when a PulseAudio source goes away but does not always
    // emit audioInputsChanged(), and PulseAudio moves the stream to another source: poll.
    if (++m_ticks % DevicePollTicks == 0) {
        onInputsChanged();
        if (!m_recording)
            return;
    }
    if (m_clock.nsecsElapsed() - m_lastAudioNs > StallTimeoutMs * 1000000) {
        fail(m_firstAudioNs ? tr("The microphone stopped delivering sound. Was it unplugged?")
                            : tr("The microphone does not deliver any sound."));
    }
}

void AudioCapture::onStateChanged(QAudio::State state)
{
    Q_UNUSED(state)
    if (!m_source || !m_recording)
        return;
    const QAudio::Error error = m_source->error();
    if (error == QAudio::OpenError || error == QAudio::IOError || error == QAudio::FatalError)
        fail(errorMessage(error, true));
}

void AudioCapture::onInputsChanged()
{
    if (!m_recording)
        return;
    const QList<QAudioDevice> inputs = QMediaDevices::audioInputs();
    const bool present = std::any_of(inputs.cbegin(), inputs.cend(), [this](const QAudioDevice &device) {
        return device.id() == m_device.id();
    });
    if (!present)
        fail(tr("The microphone was disconnected."));
}

void AudioCapture::fail(const QString &message)
{
    spdlog::warn("Recording failed: {}", message);
    closeSource();
    // What came before the failure goes out with the signal and stays available through pcm().
    if (m_resampler)
        m_pcm += m_resampler->flush();
    truncateToMaximum();
    Q_EMIT interrupted(message, m_pcm);
}

void AudioCapture::truncateToMaximum()
{
    const auto cap = static_cast<qsizetype>(m_maximumSeconds * TargetRate) * BytesPerSample;
    if (m_pcm.size() > cap)
        m_pcm.truncate(cap);
}

void AudioCapture::closeSource()
{
    m_recording = false;
    m_levelTimer->stop();
    if (!m_source)
        return;
    QAudioSource *source = std::exchange(m_source, nullptr);
    if (m_io)
        disconnect(m_io, nullptr, this, nullptr);
    m_io = nullptr;
    disconnect(source, nullptr, this, nullptr);
    source->stop(); // deletes the QIODevice it returned
    // Qt 6.4's PulseAudio source runs QCoreApplication::processEvents() in its destructor. Deleting
    // it here would run a nested event loop in the middle of stop(), and deleteLater() would be
    // delivered by that same loop a second time (a crash): it is deleted from the event loop.
    m_retired.append(source);
    QMetaObject::invokeMethod(this, &AudioCapture::deleteRetiredSources, Qt::QueuedConnection);
}

void AudioCapture::deleteRetiredSources()
{
    const QList<QAudioSource *> retired = std::exchange(m_retired, {});
    for (QAudioSource *source : retired)
        delete source;
}
} // namespace Llamadesk
