// parseWav: chunk layouts, sample formats, and the sentence for each malformed file.
#include "testsupport.h"
#include "wavtesting.h"

#include <cmath>

using namespace Llamadesk;
using namespace Llamadesk::WavTesting;

// --- encoding and round trips ---

TEST(WavFormat, RoundTripsMonoAt16kHz)
{
    const AudioClip clip = ramp(0.5, 16000);
    const WavParseResult r = parseWav(clip.toWav());
    ASSERT_TRUE(r.clip.has_value()) << r.error.toStdString();
    EXPECT_EQ(*r.clip, clip);
    EXPECT_FALSE(r.truncated);
    EXPECT_TRUE(r.error.isEmpty());
}

TEST(WavFormat, RoundTripsStereoAt44100Hz)
{
    const AudioClip clip = ramp(0.25, 44100, 2);
    const AudioClip back = parsed(clip.toWav());
    EXPECT_EQ(back.sampleRate(), 44100);
    EXPECT_EQ(back.channels(), 2);
    EXPECT_EQ(back.frameCount(), 11025);
    EXPECT_EQ(back, clip);
}

TEST(WavFormat, ReadsTheSharedTestFile)
{
    const QByteArray bytes =
            TestSupport::readFile(TestSupport::sharedDir() + QStringLiteral("/media/test.wav"));
    ASSERT_FALSE(bytes.isEmpty()) << "missing shared/media/test.wav";
    const AudioClip clip = parsed(bytes);
    EXPECT_EQ(clip.sampleRate(), 16000);
    EXPECT_EQ(clip.channels(), 1);
    EXPECT_EQ(clip.frameCount(), 32000);
    EXPECT_DOUBLE_EQ(clip.durationSeconds(), 2.0);
    // A sine's RMS is its amplitude over sqrt(2); 440 Hz at 16 kHz hits its crest closely.
    ASSERT_GT(clip.peak(), 0.1);
    EXPECT_NEAR(clip.rms(), clip.peak() / std::sqrt(2.0), 0.002);
}

// --- layouts ---

TEST(WavFormat, ReadsExtensiblePcm)
{
    const QList<qint16> samples{100, -100, 2000, -2000};
    const AudioClip clip = parsed(
            riff(chunk("fmt ", extensibleBody(2, 48000, 16, Pcm)) + chunk("data", samplesLe16(samples))));
    EXPECT_EQ(clip.channels(), 2);
    EXPECT_EQ(clip.sampleRate(), 48000);
    EXPECT_EQ(clip.samples(), samples);
}

TEST(WavFormat, ReadsExtensibleFloat)
{
    QByteArray data(8, '\0');
    qToLittleEndian(0.5f, data.data());
    qToLittleEndian(-1.0f, data.data() + 4);
    const AudioClip clip =
            parsed(riff(chunk("fmt ", extensibleBody(1, 16000, 32, Float)) + chunk("data", data)));
    EXPECT_EQ(clip.samples(), (QList<qint16>{16384, -32768}));
}

TEST(WavFormat, SkipsAListChunkBeforeFmt)
{
    const QByteArray list = chunk("LIST", "INFOISFT" + le32(6) + raw("Lavf\0\0"));
    const AudioClip clip = parsed(
            riff(list + chunk("fmt ", fmtBody(Pcm, 1, 8000, 16)) + chunk("data", samplesLe16({7, 8}))));
    EXPECT_EQ(clip.samples(), (QList<qint16>{7, 8}));
}

TEST(WavFormat, AcceptsDataBeforeFmt)
{
    const AudioClip clip =
            parsed(riff(chunk("data", samplesLe16({7, 8})) + chunk("fmt ", fmtBody(Pcm, 2, 8000, 16))));
    EXPECT_EQ(clip.channels(), 2);
    EXPECT_EQ(clip.samples(), (QList<qint16>{7, 8}));
}

TEST(WavFormat, SkipsOddSizedChunksAndTheirPadByte)
{
    const QByteArray odd = chunk("junk", "abc"); // 3 bytes + pad
    ASSERT_EQ(odd.size(), 12);
    const AudioClip clip = parsed(riff(odd + chunk("fmt ", fmtBody(Pcm, 1, 8000, 16)) + chunk("zzzz", "x")
                                       + chunk("data", samplesLe16({1, 2, 3}))));
    EXPECT_EQ(clip.samples(), (QList<qint16>{1, 2, 3}));
}

TEST(WavFormat, ReadsAnOddSizedEightBitDataChunkFollowedByAnotherChunk)
{
    const QByteArray data("\x80\xff\x00", 3);
    const AudioClip clip = parsed(
            riff(chunk("fmt ", fmtBody(Pcm, 1, 8000, 8)) + chunk("data", data) + chunk("LIST", "INFO")));
    EXPECT_EQ(clip.samples(), (QList<qint16>{0, 127 * 256, -32768}));
}

TEST(WavFormat, IgnoresAStreamingWritersRiffSize)
{
    QByteArray wav = AudioClip::fromSamples({5, 6}, 8000).toWav();
    qToLittleEndian<quint32>(0xFFFFFFFF, wav.data() + 4);
    EXPECT_EQ(parsed(wav).samples(), (QList<qint16>{5, 6}));
}

TEST(WavFormat, TakesWhatThereIsOfATruncatedDataChunkAndSaysSo)
{
    QByteArray wav = AudioClip::fromSamples({1, 2, 3, 4}, 8000).toWav();
    wav.chop(3); // half of sample 3 and all of sample 4
    const WavParseResult r = parseWav(wav);
    ASSERT_TRUE(r.clip.has_value());
    EXPECT_TRUE(r.truncated);
    EXPECT_EQ(r.clip->samples(), (QList<qint16>{1, 2}));
}

TEST(WavFormat, AnAbsurdDataSizeAllocatesOnlyWhatIsThere)
{
    QByteArray wav = AudioClip::fromSamples({1, 2}, 8000).toWav();
    qToLittleEndian<quint32>(0xFFFFFFF0, wav.data() + 40);
    const WavParseResult r = parseWav(wav);
    ASSERT_TRUE(r.clip.has_value());
    EXPECT_TRUE(r.truncated);
    EXPECT_EQ(r.clip->pcm().size(), 4);
}

TEST(WavFormat, DropsATrailingPartialFrame)
{
    const AudioClip clip =
            parsed(riff(chunk("fmt ", fmtBody(Pcm, 2, 8000, 16)) + chunk("data", samplesLe16({1, 2, 3}))));
    EXPECT_EQ(clip.frameCount(), 1);
    EXPECT_EQ(clip.samples(), (QList<qint16>{1, 2}));
}

TEST(WavFormat, ReadsAnEmptyDataChunkAsAnEmptyClip)
{
    const AudioClip clip = parsed(riff(chunk("fmt ", fmtBody(Pcm, 1, 16000, 16)) + chunk("data", {})));
    EXPECT_TRUE(clip.isEmpty());
    EXPECT_EQ(clip.sampleRate(), 16000);
}

// --- sample formats ---

TEST(WavFormat, Converts24BitPcmFromItsTopBytes)
{
    const QByteArray data = QByteArray::fromHex("ffff7f"
                                                "000080"
                                                "563412");
    const AudioClip clip = parsed(riff(chunk("fmt ", fmtBody(Pcm, 1, 8000, 24)) + chunk("data", data)));
    EXPECT_EQ(clip.samples(), (QList<qint16>{32767, -32768, 0x1234}));
}

TEST(WavFormat, Converts32BitPcmFromItsTopBytes)
{
    const QByteArray data = QByteArray::fromHex("ffffff7f"
                                                "00000080"
                                                "78563412");
    const AudioClip clip = parsed(riff(chunk("fmt ", fmtBody(Pcm, 1, 8000, 32)) + chunk("data", data)));
    EXPECT_EQ(clip.samples(), (QList<qint16>{32767, -32768, 0x1234}));
}

TEST(WavFormat, ConvertsFloatClampingOutOfRangeAndNan)
{
    QByteArray data(16, '\0');
    qToLittleEndian(2.5f, data.data());
    qToLittleEndian(-7.0f, data.data() + 4);
    qToLittleEndian(std::nanf(""), data.data() + 8);
    qToLittleEndian(-0.25f, data.data() + 12);
    const AudioClip clip = parsed(riff(chunk("fmt ", fmtBody(Float, 1, 8000, 32)) + chunk("data", data)));
    EXPECT_EQ(clip.samples(), (QList<qint16>{32767, -32768, 0, -8192}));
}

TEST(WavFormat, Converts64BitFloat)
{
    QByteArray data(8, '\0');
    qToLittleEndian(0.5, data.data());
    const AudioClip clip = parsed(riff(chunk("fmt ", fmtBody(Float, 1, 8000, 64)) + chunk("data", data)));
    EXPECT_EQ(clip.samples(), (QList<qint16>{16384}));
}

TEST(WavFormat, KeepsEveryChannel)
{
    const AudioClip six = ramp(0.01, 48000, 6);
    const AudioClip back = parsed(six.toWav());
    EXPECT_EQ(back.channels(), 6);
    EXPECT_EQ(back, six);
}

// --- malformed input: each with the sentence the user sees ---

TEST(WavFormat, RejectsEmptyInput)
{
    EXPECT_EQ(errorOf({}), QStringLiteral("Not a WAV file: it is empty."));
}

TEST(WavFormat, RejectsAFileThatDoesNotStartWithRiff)
{
    EXPECT_EQ(errorOf("ID3\x04 some mp3"), QStringLiteral("Not a WAV file: it does not start with RIFF."));
}

TEST(WavFormat, RejectsARiffFileOfAnotherKind)
{
    EXPECT_EQ(errorOf(raw("RIFF\x04\0\0\0AVI ")),
              QStringLiteral("Not a WAV file: it is a RIFF file of another kind."));
}

TEST(WavFormat, RejectsACutRiffHeader)
{
    EXPECT_EQ(errorOf(raw("RIFF\x04\0")), QStringLiteral("The WAV file is cut off inside its RIFF header."));
}

TEST(WavFormat, RejectsBigEndianRifx)
{
    EXPECT_EQ(errorOf(raw("RIFX\x04\0\0\0WAVE")),
              QStringLiteral("Big-endian WAV files (RIFX) are not supported."));
}

TEST(WavFormat, RejectsAFileWithoutFmt)
{
    EXPECT_EQ(errorOf(riff(chunk("data", samplesLe16({1})))),
              QStringLiteral("The WAV file has no fmt chunk, so its format is unknown."));
}

TEST(WavFormat, RejectsAFileCutBeforeFmt)
{
    EXPECT_EQ(errorOf(riff("fmt ")), QStringLiteral("The WAV file is cut off before its fmt chunk."));
}

TEST(WavFormat, RejectsAShortFmt)
{
    EXPECT_EQ(errorOf(riff(chunk("fmt ", fmtBody(Pcm, 1, 8000, 16).first(14)) + chunk("data", {}))),
              QStringLiteral("The WAV file's fmt chunk is too short (14 bytes; at least 16 are needed)."));
}

TEST(WavFormat, RejectsAFileCutInsideFmt)
{
    const QByteArray fmt = chunk("fmt ", fmtBody(Pcm, 1, 8000, 16));
    EXPECT_EQ(errorOf(riff(fmt.first(18))), QStringLiteral("The WAV file is cut off inside its fmt chunk."));
}

TEST(WavFormat, RejectsAFileWithoutData)
{
    EXPECT_EQ(errorOf(riff(chunk("fmt ", fmtBody(Pcm, 1, 8000, 16)))),
              QStringLiteral("The WAV file has no data chunk."));
}

TEST(WavFormat, RejectsAFileCutInsideTheDataChunkHeader)
{
    EXPECT_EQ(errorOf(riff(chunk("fmt ", fmtBody(Pcm, 1, 8000, 16)) + "data\x10")),
              QStringLiteral("The WAV file is cut off before its data chunk."));
}

TEST(WavFormat, RejectsZeroChannels)
{
    EXPECT_EQ(errorOf(riff(chunk("fmt ", fmtBody(Pcm, 0, 8000, 16)) + chunk("data", {}))),
              QStringLiteral("The WAV file declares 0 channels."));
}

TEST(WavFormat, RejectsAbsurdChannelCounts)
{
    EXPECT_EQ(errorOf(riff(chunk("fmt ", fmtBody(Pcm, 65535, 8000, 16)) + chunk("data", {}))),
              QStringLiteral("The WAV file declares 65535 channels; at most 1024 are supported."));
}

TEST(WavFormat, RejectsAZeroSampleRate)
{
    EXPECT_EQ(errorOf(riff(chunk("fmt ", fmtBody(Pcm, 1, 0, 16)) + chunk("data", {}))),
              QStringLiteral("The WAV file declares a sample rate of 0 Hz."));
}

TEST(WavFormat, RejectsAbsurdSampleRates)
{
    EXPECT_EQ(
            errorOf(riff(chunk("fmt ", fmtBody(Pcm, 1, 4000000000u, 16)) + chunk("data", {}))),
            QStringLiteral(
                    "The WAV file declares a sample rate of 4000000000 Hz; at most 768000 Hz is supported."));
}

TEST(WavFormat, RejectsZeroBitSamples)
{
    EXPECT_EQ(errorOf(riff(chunk("fmt ", fmtBody(Pcm, 1, 8000, 0)) + chunk("data", {}))),
              QStringLiteral("The WAV file declares 0-bit PCM samples; 1 to 32 bits are supported."));
}

TEST(WavFormat, RejectsHalfFloats)
{
    EXPECT_EQ(
            errorOf(riff(chunk("fmt ", fmtBody(Float, 1, 8000, 16)) + chunk("data", {}))),
            QStringLiteral(
                    "The WAV file declares 16-bit floating-point samples; only 32 and 64-bit are supported."));
}

TEST(WavFormat, RejectsALaw)
{
    EXPECT_EQ(
            errorOf(riff(chunk("fmt ", fmtBody(6, 1, 8000, 8)) + chunk("data", "\xd5"))),
            QStringLiteral("The WAV file holds A-law audio (format 0x0006); only PCM and floating-point WAV "
                           "files are supported."));
}

TEST(WavFormat, RejectsAnUnknownFormatByItsCode)
{
    EXPECT_EQ(
            errorOf(riff(chunk("fmt ", fmtBody(0x1A2B, 1, 8000, 8)) + chunk("data", {}))),
            QStringLiteral("The WAV file holds audio in format 0x1A2B; only PCM and floating-point WAV files "
                           "are supported."));
}

TEST(WavFormat, RejectsAShortExtensibleFmt)
{
    EXPECT_EQ(errorOf(riff(chunk("fmt ", extensibleBody(1, 8000, 16, Pcm).first(24)) + chunk("data", {}))),
              QStringLiteral("The WAV file's extensible fmt chunk is too short (24 bytes; 40 are needed)."));
}

TEST(WavFormat, RejectsAnExtensibleSubformatThatIsNotPcm)
{
    QByteArray body = extensibleBody(1, 8000, 16, Pcm);
    body[30] = '\x11'; // not the KSDATAFORMAT GUID family
    EXPECT_EQ(
            errorOf(riff(chunk("fmt ", body) + chunk("data", {}))),
            QStringLiteral(
                    "The WAV file's extensible format names a subformat that is not PCM or floating point."));
}

TEST(WavFormat, RejectsExtensibleALaw)
{
    EXPECT_EQ(
            errorOf(riff(chunk("fmt ", extensibleBody(1, 8000, 8, 6)) + chunk("data", {}))),
            QStringLiteral("The WAV file holds A-law audio (format 0x0006); only PCM and floating-point WAV "
                           "files are supported."));
}
