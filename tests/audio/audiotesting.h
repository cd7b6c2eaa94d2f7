#pragma once

// Helpers of the microphone tests: speech from espeak-ng, playback into a PulseAudio sink,
// modules loaded for one test, and the measurements the assertions use.
#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <chrono>

namespace Llamadesk::AudioTesting
{
struct WavFile
{
    int sampleRate = 0;
    int channels = 0;
    int bitsPerSample = 0;
    QByteArray data; // the "data" chunk

    bool isValid() const { return sampleRate > 0 && channels > 0 && bitsPerSample == 16; }
    double durationSeconds() const;
    QByteArray monoPcm16() const; // the first channel
};

WavFile readWav(const QString &path);

// Runs a program to its end while the event loop keeps going. Empty string: success; else
// what went wrong, with the program's output.
QString runProcess(const QString &program, const QStringList &arguments,
                   std::chrono::milliseconds timeout = std::chrono::seconds(15));

// espeak-ng speaking text into a WAV file.
QString speak(const QString &text, const QString &wavPath);

// Where a played reference lies in a recording, found by cross-correlating the samples (both mono
// 16-bit at one rate), and how well each part of it was recorded there.
struct Alignment
{
    qsizetype offset = -1;            // the reference's first sample is recording[offset]; -1: not found
    double correlation = 0.0;         // normalised cross-correlation of the whole reference at offset
    double weakestSegment = 0.0;      // the lowest correlation of its voiced 250 ms segments
    int voicedSegments = 0;           // segments with speech in the reference
    bool insideRecording = false;     // the whole reference lies within the recording

    // Every word arrived where it belongs, none cut off, dropped or replaced by silence.
    bool isFaithful(double threshold = 0.8) const
    {
        return insideRecording && voicedSegments > 0 && weakestSegment >= threshold;
    }
};

// Searches every offset of reference within recording (a coarse pass on 8x averaged samples,
// then sample-exact around the best coarse offset). A segment cut off or replaced by silence
// correlates near 0, so one lost word fails isFaithful() while a uniform gain change does not.
Alignment alignReference(const QByteArray &recordingPcm16, const QByteArray &referencePcm16,
                         int sampleRate);

// A PulseAudio daemon of the test's own, with one virtual microphone, in a temporary runtime
// directory; stopped with the object unless something killed it first.
class PrivatePulseServer final
{
    Q_DISABLE_COPY_MOVE(PrivatePulseServer)

public:
    PrivatePulseServer() = default;
    ~PrivatePulseServer();
    bool start();
    QString error() const { return m_error; }
    qint64 pid() const { return m_pid; }
    // The environment in which libpulse finds this daemon, and no other.
    QProcessEnvironment environment() const;

private:
    QTemporaryDir m_dir;
    qint64 m_pid = 0;
    QString m_error;
};

// A PulseAudio module loaded with pactl for the lifetime of the object.
class PulseModule final
{
    Q_DISABLE_COPY_MOVE(PulseModule)

public:
    PulseModule(const QString &name, const QStringList &arguments);
    ~PulseModule();
    bool isLoaded() const { return !m_index.isEmpty(); }
    QString error() const { return m_error; }
    void unload();

private:
    QString m_index;
    QString m_error;
};
} // namespace Llamadesk::AudioTesting
