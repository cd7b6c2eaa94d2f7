// AudioClip: the 16-bit clip push-to-talk records, its WAV encoding, trimming and levels.
#include "wavtesting.h"

#include <cmath>

using namespace Llamadesk;
using namespace Llamadesk::WavTesting;

TEST(AudioClip, ToWavWritesTheCanonicalHeader)
{
    const AudioClip clip = AudioClip::fromSamples({1, -2, 3, -4, 5, -6}, 22050, 2);
    const QByteArray wav = clip.toWav();
    ASSERT_EQ(wav.size(), 44 + 12);
    const char *p = wav.constData();
    EXPECT_EQ(wav.first(4), "RIFF");
    EXPECT_EQ(qFromLittleEndian<quint32>(p + 4), 36u + 12u);
    EXPECT_EQ(wav.sliced(8, 4), "WAVE");
    EXPECT_EQ(wav.sliced(12, 4), "fmt ");
    EXPECT_EQ(qFromLittleEndian<quint32>(p + 16), 16u);    // fmt size
    EXPECT_EQ(qFromLittleEndian<quint16>(p + 20), 1u);     // PCM
    EXPECT_EQ(qFromLittleEndian<quint16>(p + 22), 2u);     // channels
    EXPECT_EQ(qFromLittleEndian<quint32>(p + 24), 22050u); // sample rate
    EXPECT_EQ(qFromLittleEndian<quint32>(p + 28), 88200u); // byte rate
    EXPECT_EQ(qFromLittleEndian<quint16>(p + 32), 4u);     // block align
    EXPECT_EQ(qFromLittleEndian<quint16>(p + 34), 16u);    // bits per sample
    EXPECT_EQ(wav.sliced(36, 4), "data");
    EXPECT_EQ(qFromLittleEndian<quint32>(p + 40), 12u);
    EXPECT_EQ(wav.sliced(44), samplesLe16({1, -2, 3, -4, 5, -6}));
}

TEST(AudioClip, Base64DecodesBackToTheWav)
{
    const AudioClip clip = ramp(0.1, 16000);
    EXPECT_EQ(QByteArray::fromBase64(clip.toBase64Wav()), clip.toWav());
}

TEST(AudioClip, TrimmedKeepsTheFirstSeconds)
{
    const AudioClip clip = ramp(17.0, 16000);
    const AudioClip cut = clip.trimmed(15.0);
    EXPECT_EQ(cut.frameCount(), 240000);
    EXPECT_EQ(cut.durationSeconds(), 15.0);
    EXPECT_EQ(cut.pcm(), clip.pcm().first(480000));
    EXPECT_EQ(cut.sampleRate(), 16000);
}

TEST(AudioClip, TrimmedRoundsDownToWholeFrames)
{
    const AudioClip cut = ramp(1.0, 100, 2).trimmed(0.295);
    EXPECT_EQ(cut.frameCount(), 29);
    EXPECT_EQ(cut.channels(), 2);
}

TEST(AudioClip, TrimmedDoesNotLoseAFrameToRounding)
{
    EXPECT_EQ(ramp(1.0, 100).trimmed(0.29).frameCount(), 29); // 0.29 * 100 = 28.999...
}

TEST(AudioClip, TrimmedBeyondTheEndKeepsTheWholeClip)
{
    const AudioClip clip = ramp(2.0, 8000);
    EXPECT_EQ(clip.trimmed(15.0), clip);
}

TEST(AudioClip, TrimmedToNothingKeepsTheFormat)
{
    const AudioClip cut = ramp(1.0, 8000).trimmed(std::nan(""));
    EXPECT_TRUE(cut.isEmpty());
    EXPECT_EQ(cut.sampleRate(), 8000);
}

TEST(AudioClip, InfoReportsDurationSizeAndLimit)
{
    const AudioClip::Info info = ramp(2.0, 16000).info(15.0);
    EXPECT_DOUBLE_EQ(info.durationSeconds, 2.0);
    EXPECT_DOUBLE_EQ(info.sizeKb, (44.0 + 64000.0) / 1024.0);
    EXPECT_FALSE(info.exceedsLimit);
    EXPECT_DOUBLE_EQ(info.limitSeconds, 15.0);
}

TEST(AudioClip, InfoSizeIsTheSizeOfTheWav)
{
    const AudioClip clip = ramp(0.3, 44100, 2);
    EXPECT_DOUBLE_EQ(clip.info(15.0).sizeKb, double(clip.toWav().size()) / 1024.0);
}

TEST(AudioClip, InfoAtExactlyTheLimitDoesNotExceedIt)
{
    EXPECT_FALSE(ramp(15.0, 16000).info(15.0).exceedsLimit);
}

TEST(AudioClip, InfoOneFrameOverTheLimitExceedsIt)
{
    const AudioClip clip = AudioClip::fromSamples(QList<qint16>(15 * 16000 + 1, 0), 16000);
    EXPECT_TRUE(clip.info(15.0).exceedsLimit);
}

TEST(AudioClip, SilenceHasZeroPeakAndRms)
{
    const AudioClip silence = AudioClip::fromSamples(QList<qint16>(1600, 0), 16000);
    EXPECT_EQ(silence.peak(), 0.0);
    EXPECT_EQ(silence.rms(), 0.0);
}

TEST(AudioClip, FullScaleSquareWaveHasPeakAndRmsOfOne)
{
    QList<qint16> square;
    for (int i = 0; i < 1600; ++i)
        square.append((i / 20) % 2 ? qint16(-32768) : qint16(32767));
    const AudioClip clip = AudioClip::fromSamples(square, 16000);
    EXPECT_DOUBLE_EQ(clip.peak(), 1.0);
    EXPECT_NEAR(clip.rms(), 1.0, 1e-4);
}

TEST(AudioClip, AnEmptyClipHasNoLevelAndNoDuration)
{
    const AudioClip clip;
    EXPECT_TRUE(clip.isEmpty());
    EXPECT_EQ(clip.durationSeconds(), 0.0);
    EXPECT_EQ(clip.peak(), 0.0);
    EXPECT_EQ(clip.rms(), 0.0);
}

TEST(AudioClip, AnInvalidFormatGivesAnEmptyClip)
{
    const AudioClip clip(samplesLe16({1, 2}), 0, 1);
    EXPECT_TRUE(clip.isEmpty());
    EXPECT_EQ(clip.sampleRate(), 0);
    EXPECT_EQ(clip.channels(), 0);
}

TEST(AudioClip, DropsATrailingPartialFrame)
{
    const AudioClip clip(samplesLe16({1, 2, 3}) + '\x7f', 8000, 2);
    EXPECT_EQ(clip.frameCount(), 1);
    EXPECT_EQ(clip.pcm().size(), 4);
}
