#pragma once

#include <QAudio>
#include <QAudioDevice>
#include <QAudioFormat>
#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

#include <memory>
#include <optional>

class QAudioSource;
class QIODevice;
class QMediaDevices;
class QTimer;

namespace Llamadesk
{
class Resampler;

// Records from one microphone into memory as 16 kHz mono 16-bit PCM, the format speech
// recognition wants. The device is opened in its own format when it cannot deliver that one, and
// converted on the fly. Everything runs on the caller's thread through timers and signals; the
// only wait is Qt's own while PulseAudio connects the stream.
class AudioCapture final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AudioCapture)

public:
    static constexpr int TargetRate = 16000;  // what is delivered: 16 kHz mono 16-bit
    static constexpr int HardCapSeconds = 60; // recording stops by itself here, to bound memory
    static constexpr int LevelIntervalMs = 33;

    enum class FormatPolicy {
        PreferTarget, // 16 kHz mono Int16 when the device supports it, else its preferred format
        DeviceNative, // always the device's preferred format (exercises the conversion)
    };

    explicit AudioCapture(QObject *parent = nullptr);
    ~AudioCapture() override;

    // deviceId as stored in audio/input_device; empty: the default input (AudioInputs::resolve).
    void setDevice(const QByteArray &deviceId);
    QByteArray deviceId() const;
    void setFormatPolicy(FormatPolicy policy);
    // Lowers the limit (never above HardCapSeconds), e.g. for short voice notes or tests.
    void setMaximumSeconds(double seconds);

    bool isAvailable() const; // false: no microphone at all
    bool isRecording() const;

    void start();  // failed() at once when there is no microphone or it cannot be opened
    void stop();   // reads what the device still holds, then emits finished(pcm)
    void cancel(); // discards the recording; emits nothing

    double elapsedSeconds() const;
    QByteArray pcm() const; // 16 kHz mono int16 LE recorded so far
    // The format the device was opened with for the current or last recording.
    QAudioFormat deviceFormat() const;
    // Seconds from start() to the first bytes from the device; negative until they came.
    double startLatencySeconds() const;

    // The format start() opens device with under policy: 16 kHz mono Int16 when supported (and
    // asked for), else the device's preferred format, which the Resampler converts.
    static QAudioFormat captureFormat(const QAudioDevice &device,
                                      FormatPolicy policy = FormatPolicy::PreferTarget);
    // What to tell the user about error, reported while opening or while recording.
    static QString errorMessage(QAudio::Error error, bool whileRecording = false);
    static double rms(QByteArrayView pcm16);
    static double peak(QByteArrayView pcm16);

Q_SIGNALS:
    void started();
    void firstAudioReceived();                  // the device delivers: from here on nothing said is lost
    void levelChanged(double rms, double peak); // in [0,1], about 30 times a second
    void elapsedChanged(double seconds);
    void finished(const QByteArray &pcm16kMono); // after stop() or the hard cap
    // The recording could not start (no microphone, cannot be opened).
    void failed(const QString &message);
    // The device failed mid-recording (removed, taken away, silent, the sound server gone):
    // pcm16kMono is what was recorded up to then, so nothing said before is lost.
    void interrupted(const QString &message, const QByteArray &pcm16kMono);

private:
    void onReadyRead();
    void readAvailable();
    void consume(QByteArrayView bytes);
    void publishLevels();
    void onStateChanged(QAudio::State state);
    void onInputsChanged();
    void fail(const QString &message); // mid-recording: interrupted()
    void truncateToMaximum();
    void closeSource();
    void deleteRetiredSources();

    QByteArray m_deviceId;
    FormatPolicy m_policy = FormatPolicy::PreferTarget;
    double m_maximumSeconds = HardCapSeconds;
    QMediaDevices *m_mediaDevices;
    QTimer *m_levelTimer;
    QAudioSource *m_source = nullptr;
    QPointer<QIODevice> m_io;        // Qt deletes it when the stream dies
    QList<QAudioSource *> m_retired; // stopped, deleted from the event loop
    QAudioDevice m_device;
    QAudioFormat m_format;
    std::unique_ptr<Resampler> m_resampler;
    QByteArray m_pcm;
    qsizetype m_levelFrom = 0; // start of the samples not yet in a levelChanged()
    QElapsedTimer m_clock;
    std::optional<qint64> m_firstAudioNs;
    qint64 m_lastAudioNs = 0;
    int m_ticks = 0;
    bool m_recording = false;
};
} // namespace Llamadesk
