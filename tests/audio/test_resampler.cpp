// Resampler: any PCM to 16 kHz mono int16 through libsoxr, checked on synthetic sines.
#include "audio/resampler.h"

#include <QtEndian>

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

using namespace Llamadesk;
using Format = Resampler::SampleFormat;

namespace
{
struct Sine
{
    double frequency = 440.0;
    double amplitude = 0.5;
    int rate = 44100;
    int channels = 1;
    double seconds = 1.0;

    qsizetype frames() const { return static_cast<qsizetype>(std::lround(rate * seconds)); }
    double at(qsizetype frame) const
    {
        return amplitude * std::sin(2.0 * std::numbers::pi * frequency * static_cast<double>(frame) / rate);
    }
};

QByteArray render(const Sine &sine, Format format)
{
    QByteArray out;
    const int width = Resampler::bytesPerSample(format);
    out.resize(sine.frames() * sine.channels * width);
    char *dest = out.data();
    for (qsizetype frame = 0; frame < sine.frames(); ++frame) {
        const double value = sine.at(frame);
        for (int channel = 0; channel < sine.channels; ++channel, dest += width) {
            switch (format) {
            case Format::UInt8:
                *dest = static_cast<char>(static_cast<unsigned char>(std::lround(128.0 + value * 127.0)));
                break;
            case Format::Int16:
                qToUnaligned(static_cast<qint16>(std::lround(value * 32767.0)), dest);
                break;
            case Format::Int32:
                qToUnaligned(static_cast<qint32>(std::lround(value * 2147483647.0)), dest);
                break;
            case Format::Float:
                qToUnaligned(static_cast<float>(value), dest);
                break;
            }
        }
    }
    return out;
}

std::vector<double> samples(const QByteArray &pcm16)
{
    std::vector<double> out;
    for (qsizetype i = 0; i + 1 < pcm16.size(); i += 2)
        out.push_back(qFromLittleEndian<qint16>(pcm16.constData() + i) / 32768.0);
    return out;
}

// Frequency and amplitude over the middle of the signal, away from the filter's edges.
struct Measured
{
    double frequency = 0.0;
    double amplitude = 0.0;
};

Measured measure(const std::vector<double> &signal, int rate)
{
    const std::size_t from = signal.size() / 10;
    const std::size_t to = signal.size() - from;
    int crossings = 0;
    double sumSquares = 0.0;
    for (std::size_t i = from; i < to; ++i) {
        if (i > from && (signal[i - 1] < 0.0) != (signal[i] < 0.0))
            ++crossings;
        sumSquares += signal[i] * signal[i];
    }
    const double seconds = static_cast<double>(to - from) / rate;
    return {crossings / 2.0 / seconds,
            std::sqrt(sumSquares / static_cast<double>(to - from)) * std::sqrt(2.0)};
}
} // namespace

TEST(Resampler, StereoAt44100BecomesMonoAt16000WithFrequencyAndAmplitudeKept)
{
    const Sine sine{.frequency = 440.0, .amplitude = 0.5, .rate = 44100, .channels = 2};
    const QByteArray out = Resampler::convert(render(sine, Format::Int16), 44100, 2, Format::Int16);

    const std::vector<double> signal = samples(out);
    EXPECT_NEAR(static_cast<double>(signal.size()), 16000.0, 4.0);
    const Measured measured = measure(signal, 16000);
    EXPECT_NEAR(measured.frequency, 440.0, 2.0);
    EXPECT_NEAR(measured.amplitude, 0.5, 0.5 * 0.03);
}

TEST(Resampler, FloatAt48000IsConverted)
{
    const Sine sine{.frequency = 1000.0, .amplitude = 0.25, .rate = 48000, .channels = 1, .seconds = 0.5};
    const QByteArray out = Resampler::convert(render(sine, Format::Float), 48000, 1, Format::Float);

    const std::vector<double> signal = samples(out);
    EXPECT_NEAR(static_cast<double>(signal.size()), 8000.0, 4.0);
    const Measured measured = measure(signal, 16000);
    EXPECT_NEAR(measured.frequency, 1000.0, 4.0);
    EXPECT_NEAR(measured.amplitude, 0.25, 0.25 * 0.03);
}

TEST(Resampler, UInt8AndInt32InputsAreScaledLikeInt16)
{
    const Sine sine{.frequency = 300.0, .amplitude = 0.5, .rate = 22050, .channels = 1};
    for (const Format format : {Format::UInt8, Format::Int32}) {
        const QByteArray out = Resampler::convert(render(sine, format), 22050, 1, format);
        const Measured measured = measure(samples(out), 16000);
        EXPECT_NEAR(measured.frequency, 300.0, 2.0) << "format " << static_cast<int>(format);
        EXPECT_NEAR(measured.amplitude, 0.5, 0.5 * 0.03) << "format " << static_cast<int>(format);
    }
}

TEST(Resampler, MonoInt16At16000PassesThroughUnchanged)
{
    const Sine sine{.frequency = 440.0, .amplitude = 0.5, .rate = 16000, .channels = 1};
    const QByteArray input = render(sine, Format::Int16);
    Resampler resampler(16000, 1, Format::Int16);
    EXPECT_TRUE(resampler.isPassThrough());
    QByteArray out = resampler.process(input);
    out += resampler.flush();
    EXPECT_EQ(out.size(), input.size());
    EXPECT_EQ(out, input);
}

TEST(Resampler, StreamingInOddChunksGivesTheSameResultAsOnePiece)
{
    const Sine sine{.frequency = 440.0, .amplitude = 0.5, .rate = 44100, .channels = 2};
    const QByteArray input = render(sine, Format::Int16);
    const QByteArray whole = Resampler::convert(input, 44100, 2, Format::Int16);

    // Odd sizes split frames (4 bytes each) and even samples between chunks.
    const qsizetype sizes[] = {1, 7, 333, 1001, 4097, 3};
    Resampler resampler(44100, 2, Format::Int16);
    QByteArray streamed;
    qsizetype offset = 0;
    for (int i = 0; offset < input.size(); ++i) {
        const qsizetype size = std::min(sizes[i % std::size(sizes)], input.size() - offset);
        streamed += resampler.process(QByteArrayView(input).sliced(offset, size));
        offset += size;
    }
    EXPECT_EQ(resampler.inputFrames(), sine.frames());
    streamed += resampler.flush();

    ASSERT_EQ(streamed.size(), whole.size());
    const std::vector<double> a = samples(whole);
    const std::vector<double> b = samples(streamed);
    double largest = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i)
        largest = std::max(largest, std::abs(a[i] - b[i]));
    EXPECT_LE(largest, 1.0 / 32768.0) << "streamed output differs by more than one step";
}

TEST(Resampler, ChannelsAreAveraged)
{
    // Left and right in opposite phase cancel out.
    const Sine sine{.frequency = 440.0, .amplitude = 0.5, .rate = 48000, .channels = 1, .seconds = 0.25};
    const QByteArray mono = render(sine, Format::Int16);
    QByteArray stereo;
    for (qsizetype i = 0; i < mono.size(); i += 2) {
        const auto value = qFromLittleEndian<qint16>(mono.constData() + i);
        stereo.append(mono.constData() + i, 2);
        char inverted[2];
        qToLittleEndian(static_cast<qint16>(-value), inverted);
        stereo.append(inverted, 2);
    }
    const std::vector<double> signal = samples(Resampler::convert(stereo, 48000, 2, Format::Int16));
    ASSERT_FALSE(signal.empty());
    double largest = 0.0;
    for (const double value : signal)
        largest = std::max(largest, std::abs(value));
    EXPECT_LE(largest, 2.0 / 32768.0);
}

TEST(Resampler, FlushReadiesItForANewStream)
{
    const Sine sine{.frequency = 440.0, .amplitude = 0.5, .rate = 44100, .channels = 1, .seconds = 0.2};
    const QByteArray input = render(sine, Format::Int16);
    Resampler resampler(44100, 1, Format::Int16);
    QByteArray first = resampler.process(input);
    first += resampler.flush();
    EXPECT_EQ(resampler.inputFrames(), 0);
    QByteArray second = resampler.process(input);
    second += resampler.flush();
    EXPECT_EQ(first, second);
}

TEST(Resampler, AnUnusableFormatIsReportedNotCrashedOn)
{
    Resampler resampler(0, 2, Format::Int16);
    EXPECT_FALSE(resampler.isValid());
    EXPECT_FALSE(resampler.errorString().isEmpty());
    EXPECT_TRUE(resampler.process(QByteArray(64, '\1')).isEmpty());
    EXPECT_TRUE(resampler.flush().isEmpty());
}
