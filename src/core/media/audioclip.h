#pragma once

#include <QByteArray>
#include <QList>

namespace Llamadesk
{
// 16-bit PCM audio in memory: what push-to-talk records and what is sent for transcription.
// Samples are interleaved little-endian int16, whatever the host's byte order, so pcm() can go
// into a WAV file or over the wire as it is. A clip always holds whole frames; one built from
// an invalid format (a rate or channel count below 1) is empty, with rate and channels 0.
class AudioClip final
{
public:
    AudioClip() = default;
    // A trailing partial frame in pcm16le is dropped.
    AudioClip(QByteArray pcm16le, int sampleRate, int channels);
    // Interleaved samples in host order; mono when channels is 1.
    static AudioClip fromSamples(const QList<qint16> &samples, int sampleRate, int channels = 1);

    bool isEmpty() const;
    int sampleRate() const;
    int channels() const;
    qint64 frameCount() const;
    double durationSeconds() const;
    const QByteArray &pcm() const;
    // The interleaved samples in host order.
    QList<qint16> samples() const;

    // RIFF/WAVE with the canonical 44-byte header: fmt (PCM, 16-bit), then data.
    QByteArray toWav() const;
    QByteArray toBase64Wav() const;
    // Size in bytes of toWav(), without encoding.
    qint64 wavSize() const;

    // The first `seconds` of the clip, in whole frames (rounded down); the whole clip when it is
    // shorter, an empty one of the same format for zero, negative or NaN.
    AudioClip trimmed(double seconds) const;

    // What a transcription request needs to know before sending: how long, how big, and
    // whether the clip is over the model's limit (a clip of exactly the limit is not).
    struct Info
    {
        double durationSeconds = 0;
        double sizeKb = 0; // of the WAV file, 1 KB = 1024 bytes
        bool exceedsLimit = false;
        double limitSeconds = 0;
    };
    Info info(double limitSeconds) const;

    // Of all samples on all channels, in [0, 1] of full scale (-32768 is 1.0); 0 when empty.
    double peak() const;
    double rms() const;

    bool operator==(const AudioClip &) const = default;

private:
    QByteArray m_pcm;
    int m_sampleRate = 0;
    int m_channels = 0;
};
} // namespace Llamadesk
