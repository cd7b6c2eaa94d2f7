#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <memory>

namespace Llamadesk
{
// Streaming conversion of interleaved PCM at any rate and channel count to mono 16-bit
// little-endian PCM at one output rate (16 kHz for speech recognition), through libsoxr.
// Channels are averaged before resampling. Feed chunks of any size to process() (a frame split
// across two chunks is kept until it is complete), then call flush() once at the end for the
// samples still held in the filter. Input that already is mono Int16 at the output rate is
// passed through untouched. Not thread-safe; one instance per stream.
class Resampler final
{
    Q_DISABLE_COPY_MOVE(Resampler)

public:
    enum class SampleFormat {
        UInt8,
        Int16,
        Int32,
        Float,
    };

    static constexpr int DefaultOutputRate = 16000;

    Resampler(int inputRate, int inputChannels, SampleFormat format, int outputRate = DefaultOutputRate);
    ~Resampler();

    // False when the input description is unusable or libsoxr refused it; see errorString().
    bool isValid() const;
    QString errorString() const;
    bool isPassThrough() const;

    int inputRate() const;
    int inputChannels() const;
    int outputRate() const;
    int bytesPerInputFrame() const;
    // Whole input frames consumed so far (since construction or the last flush()).
    qint64 inputFrames() const;

    // Converts native-endian interleaved samples; returns mono int16 LE at outputRate().
    QByteArray process(QByteArrayView input);
    // Returns what the filter still holds and makes the resampler ready for a new stream.
    QByteArray flush();

    // The whole conversion at once: process(input) + flush().
    static QByteArray convert(QByteArrayView input, int inputRate, int inputChannels, SampleFormat format,
                              int outputRate = DefaultOutputRate);

    static int bytesPerSample(SampleFormat format);

private:
    QByteArray resample(const float *mono, qsizetype frames);

    struct Soxr;
    int m_inputRate;
    int m_inputChannels;
    int m_outputRate;
    SampleFormat m_format;
    std::unique_ptr<Soxr> m_soxr; // null when passing through or invalid
    QString m_error;
    QByteArray m_partialFrame;
    qint64 m_inputFrames = 0;
};
} // namespace Llamadesk
