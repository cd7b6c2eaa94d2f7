// AudioCapture through a real microphone: the PulseAudio virtual source of scripts/test.sh, fed
// with espeak-ng speech through paplay. A missing microphone fails the tests when the script has
// promised one (LLAMADESK_REQUIRE_AUDIO=1) and skips them otherwise.
#include "audio/audiocapture.h"
#include "audio/audioinputs.h"
#include "audio/resampler.h"
#include "audiotesting.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QMediaDevices>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtEndian>

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>

using namespace Llamadesk;

namespace
{
// Recording through Qt 6.4's PulseAudio backend can abort in libpulse at exit: end without teardown.
const bool g_quickExit = (Llamadesk::TestSupport::exitWithoutTeardown(), true);
} // namespace

using namespace Llamadesk::AudioTesting;
using namespace std::chrono_literals;

namespace
{
constexpr int BytesPerSecond = AudioCapture::TargetRate * 2;
const QString Phrase = QStringLiteral("hello world this is a test");

bool haveInputs()
{
    return !AudioInputs::available().isEmpty();
}

bool hasInput(const QByteArray &id)
{
    const QList<QAudioDevice> inputs = QMediaDevices::audioInputs();
    return std::any_of(inputs.cbegin(), inputs.cend(),
                       [&id](const QAudioDevice &device) { return device.id() == id; });
}

// Results a person reads in the test log (ctest --output-on-failure, or -V).
void report(const char *what, double value, const char *unit)
{
    std::printf("[ measured ] %s: %.3f %s\n", what, value, unit);
    std::fflush(stdout);
}

struct Recorded
{
    QByteArray pcm;
    QByteArray played; // the file that was played, at 16 kHz mono: the reference
    double playedSeconds = 0.0;
    double latencySeconds = -1.0;
    double startCallSeconds = 0.0;
};

// Starts capture, waits for the device to deliver, plays the phrase into sink, waits until the
// recording covers it, stops. Failures are reported through gtest in the caller's test.
// espeak-ng speaks the phrase into dir/speech.wav; reference is that file at 16 kHz mono.
void speakPhrase(const QTemporaryDir &dir, QByteArray &reference, double &seconds)
{
    ASSERT_TRUE(dir.isValid());
    const QString wavPath = dir.filePath(QStringLiteral("speech.wav"));
    const QString spoken = speak(Phrase, wavPath);
    ASSERT_TRUE(spoken.isEmpty()) << spoken.toStdString();
    const WavFile wav = readWav(wavPath);
    ASSERT_TRUE(wav.isValid()) << "espeak-ng wrote an unreadable WAV";
    seconds = wav.durationSeconds();
    reference = Resampler::convert(wav.monoPcm16(), wav.sampleRate, 1, Resampler::SampleFormat::Int16,
                                   AudioCapture::TargetRate);
}

void recordPhrase(AudioCapture &capture, const QString &sink, Recorded &out)
{
    QTemporaryDir dir;
    speakPhrase(dir, out.played, out.playedSeconds);
    if (::testing::Test::HasFatalFailure())
        return;
    const QString wavPath = dir.filePath(QStringLiteral("speech.wav"));

    QSignalSpy finished(&capture, &AudioCapture::finished);
    QSignalSpy failed(&capture, &AudioCapture::failed);
    QElapsedTimer call;
    call.start();
    capture.start();
    out.startCallSeconds = static_cast<double>(call.nsecsElapsed()) / 1e9;
    ASSERT_TRUE(capture.isRecording())
        << (failed.isEmpty() ? std::string() : failed.constFirst().constFirst().toString().toStdString());
    // Capture can start late: nothing is played before the device delivers.
    ASSERT_TRUE(TestSupport::waitUntil([&capture] { return !capture.pcm().isEmpty(); }, 5s))
        << "the microphone delivered nothing within 5 s";
    out.latencySeconds = capture.startLatencySeconds();

    const qsizetype atPlay = capture.pcm().size();
    const QString played = runProcess(QStringLiteral("paplay"), {QStringLiteral("-d"), sink, wavPath});
    ASSERT_TRUE(played.isEmpty()) << played.toStdString();
    const auto needed = atPlay + static_cast<qsizetype>((out.playedSeconds + 0.2) * BytesPerSecond);
    ASSERT_TRUE(TestSupport::waitUntil([&] { return capture.pcm().size() >= needed; }, 5s))
        << "recorded " << capture.pcm().size() - atPlay << " bytes after playback started, expected "
        << needed - atPlay;
    capture.stop();
    EXPECT_FALSE(capture.isRecording());
    ASSERT_EQ(finished.count(), 1);
    EXPECT_TRUE(failed.isEmpty());
    out.pcm = finished.constFirst().constFirst().toByteArray();
}

// The played speech is in the recording sample for sample (up to PulseAudio's resampling and
// gain): every 250 ms of it correlates with what the file holds, so no word was cut off, dropped
// or padded with silence. Independent of how fast the machine was.
void expectRecordedFaithfully(const Recorded &recorded)
{
    const Alignment alignment = alignReference(recorded.pcm, recorded.played, AudioCapture::TargetRate);
    report("played speech found at", static_cast<double>(alignment.offset) / AudioCapture::TargetRate, "s");
    report("correlation with the played file", alignment.correlation, "");
    report("weakest voiced 250 ms segment", alignment.weakestSegment, "");
    EXPECT_TRUE(alignment.isFaithful())
        << "the recording does not hold the played speech: offset " << alignment.offset << ", inside "
        << alignment.insideRecording << ", correlation " << alignment.correlation << ", weakest of "
        << alignment.voicedSegments << " voiced segments " << alignment.weakestSegment;
}

// A second, 44.1 kHz stereo microphone in the test's PulseAudio, fed through its own sink.
class StereoMicrophone final
{
public:
    StereoMicrophone()
        : m_sink(QStringLiteral("module-null-sink"),
                 {QStringLiteral("sink_name=stereo_sink"), QStringLiteral("rate=44100"),
                  QStringLiteral("channels=2"),
                  QStringLiteral("sink_properties=device.description=StereoSink")})
        , m_source(QStringLiteral("module-remap-source"),
                   {QStringLiteral("master=stereo_sink.monitor"), QStringLiteral("source_name=stereomic"),
                    QStringLiteral("rate=44100"), QStringLiteral("channels=2"),
                    QStringLiteral("source_properties=device.description=StereoMic")})
    {}
    QString error() const { return m_sink.isLoaded() ? m_source.error() : m_sink.error(); }
    bool isLoaded() const { return m_sink.isLoaded() && m_source.isLoaded(); }
    void unplug() { m_source.unload(); }

private:
    PulseModule m_sink;
    PulseModule m_source;
};
} // namespace


// The comparison itself, without a microphone: it must find a delayed copy and must refuse a
// recording that lost a part of what was played.
TEST(AudioCapture, TheRecordingCheckFindsTheSpeechAndNoticesALostWord)
{
    QTemporaryDir dir;
    QByteArray reference;
    double seconds = 0.0;
    speakPhrase(dir, reference, seconds);
    if (HasFatalFailure())
        return;
    const qsizetype delay = 12345; // samples
    QByteArray recording(delay * 2, '\0');
    QByteArray quieter = reference;
    for (qsizetype i = 0; i + 1 < quieter.size(); i += 2) {
        const auto value = qFromLittleEndian<qint16>(quieter.constData() + i);
        qToLittleEndian<qint16>(static_cast<qint16>(value / 3), quieter.data() + i);
    }
    recording += quieter + QByteArray(8000, '\0');

    const Alignment found = alignReference(recording, reference, AudioCapture::TargetRate);
    EXPECT_EQ(found.offset, delay);
    EXPECT_TRUE(found.isFaithful()) << found.weakestSegment;
    EXPECT_GT(found.voicedSegments, 3);

    // Half a second of the speech replaced by silence, as a dropped buffer would leave it.
    QByteArray lost = recording;
    const qsizetype voicedMiddle = (delay + reference.size() / 4) * 2;
    lost.replace(voicedMiddle, AudioCapture::TargetRate, QByteArray(AudioCapture::TargetRate, '\0'));
    EXPECT_FALSE(alignReference(lost, reference, AudioCapture::TargetRate).isFaithful());

    // The last 0.8 s cut off (espeak-ng ends with about 0.4 s of silence).
    const QByteArray cut = recording.left((delay + reference.size() / 2 - 12800) * 2);
    EXPECT_FALSE(alignReference(cut, reference, AudioCapture::TargetRate).isFaithful());
}

TEST(AudioCapture, SpeechPlayedIntoTheMicrophoneIsRecordedAt16kHzMono)
{
    LLAMADESK_REQUIRE_MICROPHONE(haveInputs());
    AudioCapture capture;
    Recorded recorded;
    recordPhrase(capture, QStringLiteral("virtmic_sink"), recorded);
    if (HasFatalFailure())
        return;

    EXPECT_EQ(capture.deviceFormat().sampleRate(), AudioCapture::TargetRate);
    EXPECT_EQ(capture.deviceFormat().channelCount(), 1);
    EXPECT_GT(AudioCapture::rms(recorded.pcm), 0.01) << "the recording is silent";
    report("start() call duration", recorded.startCallSeconds * 1000.0, "ms");
    report("start latency (start() to first bytes)", recorded.latencySeconds * 1000.0, "ms");
    report("played file duration (header)", recorded.playedSeconds, "s");
    expectRecordedFaithfully(recorded);
}

TEST(AudioCapture, AStereo44kHzMicrophoneIsConvertedTo16kHzMono)
{
    LLAMADESK_REQUIRE_MICROPHONE(haveInputs());
    StereoMicrophone microphone;
    ASSERT_TRUE(microphone.isLoaded()) << microphone.error().toStdString();
    ASSERT_TRUE(TestSupport::waitUntil([] { return hasInput("stereomic"); }, 5s))
        << "Qt Multimedia never listed the new source";

    AudioCapture capture;
    capture.setDevice("stereomic");
    capture.setFormatPolicy(AudioCapture::FormatPolicy::DeviceNative);
    Recorded recorded;
    recordPhrase(capture, QStringLiteral("stereo_sink"), recorded);
    if (HasFatalFailure())
        return;

    EXPECT_EQ(capture.deviceFormat().sampleRate(), 44100);
    EXPECT_EQ(capture.deviceFormat().channelCount(), 2);
    EXPECT_GT(AudioCapture::rms(recorded.pcm), 0.01) << "the recording is silent";
    report("converted: start latency", recorded.latencySeconds * 1000.0, "ms");
    expectRecordedFaithfully(recorded);
}

// The recording interrupted: what was recorded up to the failure goes out with the signal.
TEST(AudioCapture, AMicrophoneThatDisappearsWhileRecordingIsAnInterruptionThatKeepsTheRecording)
{
    LLAMADESK_REQUIRE_MICROPHONE(haveInputs());
    StereoMicrophone microphone;
    ASSERT_TRUE(microphone.isLoaded()) << microphone.error().toStdString();
    ASSERT_TRUE(TestSupport::waitUntil([] { return hasInput("stereomic"); }, 5s));

    AudioCapture capture;
    capture.setDevice("stereomic");
    QSignalSpy interrupted(&capture, &AudioCapture::interrupted);
    QSignalSpy failed(&capture, &AudioCapture::failed);
    QSignalSpy finished(&capture, &AudioCapture::finished);
    capture.start();
    ASSERT_TRUE(capture.isRecording());
    ASSERT_TRUE(TestSupport::waitUntil([&capture] { return !capture.pcm().isEmpty(); }, 5s));
    QElapsedTimer noticed;
    noticed.start();
    microphone.unplug();
    ASSERT_TRUE(TestSupport::waitUntil([&interrupted] { return !interrupted.isEmpty(); }, 5s))
        << "unplugging the microphone went unnoticed";
    report("unplugged microphone noticed after", static_cast<double>(noticed.elapsed()), "ms");
    EXPECT_EQ(interrupted.constFirst().at(0).toString(), QStringLiteral("The microphone was disconnected."));
    const QByteArray kept = interrupted.constFirst().at(1).toByteArray();
    EXPECT_FALSE(kept.isEmpty()) << "what was recorded before the microphone went is handed over";
    EXPECT_EQ(kept, capture.pcm());
    report("recording kept", static_cast<double>(kept.size()) / BytesPerSecond, "s");
    EXPECT_FALSE(capture.isRecording());
    EXPECT_TRUE(finished.isEmpty());
    EXPECT_TRUE(failed.isEmpty()) << "failed() is for a recording that could not start";
}

TEST(AudioCapture, AnUnknownDeviceIdFallsBackToTheDefaultInput)
{
    LLAMADESK_REQUIRE_MICROPHONE(haveInputs());
    AudioCapture capture;
    capture.setDevice("no-such-microphone");
    EXPECT_TRUE(capture.isAvailable());
    QSignalSpy started(&capture, &AudioCapture::started);
    capture.start();
    EXPECT_EQ(started.count(), 1);
    EXPECT_TRUE(capture.isRecording());
    EXPECT_TRUE(TestSupport::waitUntil([&capture] { return !capture.pcm().isEmpty(); }, 5s));
    capture.cancel();
}

TEST(AudioCapture, LevelsAndElapsedTimeArriveAbout30TimesASecond)
{
    LLAMADESK_REQUIRE_MICROPHONE(haveInputs());
    AudioCapture capture;
    QSignalSpy levels(&capture, &AudioCapture::levelChanged);
    QSignalSpy elapsed(&capture, &AudioCapture::elapsedChanged);
    capture.start();
    ASSERT_TRUE(levels.wait(5000)) << "no level within 5 s";
    levels.clear();
    elapsed.clear();
    const double from = capture.elapsedSeconds();
    // They keep coming (a busy machine may only slow them down)...
    ASSERT_TRUE(TestSupport::waitUntil([&] { return levels.count() >= 10 && elapsed.count() >= 10; }, 10s))
        << levels.count() << " levels and " << elapsed.count() << " elapsed updates within 10 s";
    // ...and never faster than about 30 a second of recorded audio: ten of them span at least
    // 0.2 s of it (50 a second would be too many). Recorded time, not wall-clock time.
    EXPECT_GE(capture.elapsedSeconds() - from, 0.2);
    for (const QList<QVariant> &level : std::as_const(levels)) {
        EXPECT_GE(level.at(0).toDouble(), 0.0);
        EXPECT_LE(level.at(1).toDouble(), 1.0);
    }
    capture.cancel();
}

TEST(AudioCapture, RecordingStopsByItselfAtTheCap)
{
    LLAMADESK_REQUIRE_MICROPHONE(haveInputs());
    AudioCapture capture;
    capture.setMaximumSeconds(0.5);
    QSignalSpy finished(&capture, &AudioCapture::finished);
    capture.start();
    ASSERT_TRUE(finished.wait(5000));
    EXPECT_FALSE(capture.isRecording());
    const qsizetype bytes = finished.constFirst().constFirst().toByteArray().size();
    EXPECT_LE(bytes, BytesPerSecond / 2);
    EXPECT_GE(bytes, BytesPerSecond * 45 / 100);
}

TEST(AudioCapture, CancelDiscardsTheRecording)
{
    LLAMADESK_REQUIRE_MICROPHONE(haveInputs());
    AudioCapture capture;
    QSignalSpy finished(&capture, &AudioCapture::finished);
    capture.start();
    ASSERT_TRUE(TestSupport::waitUntil([&capture] { return !capture.pcm().isEmpty(); }, 5s));
    capture.cancel();
    EXPECT_FALSE(capture.isRecording());
    EXPECT_TRUE(capture.pcm().isEmpty());
    QTest::qWait(100);
    EXPECT_TRUE(finished.isEmpty());
}

TEST(AudioCapture, ASecondRecordingStartsAfresh)
{
    LLAMADESK_REQUIRE_MICROPHONE(haveInputs());
    AudioCapture capture;
    QSignalSpy finished(&capture, &AudioCapture::finished);
    for (int round = 0; round < 2; ++round) {
        capture.start();
        ASSERT_TRUE(capture.isRecording()) << "round " << round;
        ASSERT_TRUE(TestSupport::waitUntil([&capture] { return capture.elapsedSeconds() >= 0.2; }, 5s));
        capture.stop();
    }
    ASSERT_EQ(finished.count(), 2);
    for (const QList<QVariant> &arguments : std::as_const(finished))
        EXPECT_LT(arguments.constFirst().toByteArray().size(), BytesPerSecond)
            << "the first recording was kept";
}

// Runs itself again as a child whose libpulse finds no server: there is then no microphone.
TEST(AudioCapture, WithoutASoundServerThereIsNoMicrophone)
{
    if (qEnvironmentVariableIsSet("LLAMADESK_AUDIOCAPTURE_NO_SERVER")) {
        AudioCapture capture;
        EXPECT_FALSE(capture.isAvailable());
        QSignalSpy failed(&capture, &AudioCapture::failed);
        capture.start();
        EXPECT_FALSE(capture.isRecording());
        ASSERT_EQ(failed.count(), 1);
        EXPECT_EQ(failed.constFirst().constFirst().toString(), QStringLiteral("No microphone found."));
        return;
    }
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString clientConf = dir.filePath(QStringLiteral("client.conf"));
    QFile conf(clientConf);
    ASSERT_TRUE(conf.open(QIODevice::WriteOnly));
    conf.write("autospawn = no\n");
    conf.close();

    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LLAMADESK_AUDIOCAPTURE_NO_SERVER"), QStringLiteral("1"));
    env.insert(QStringLiteral("PULSE_SERVER"),
               QStringLiteral("unix:") + dir.filePath(QStringLiteral("no-such-socket")));
    env.insert(QStringLiteral("PULSE_CLIENTCONFIG"), clientConf);
    child.setProcessEnvironment(env);
    child.setProcessChannelMode(QProcess::MergedChannels);
    child.start(QCoreApplication::applicationFilePath(),
                {QStringLiteral("--gtest_filter=AudioCapture.WithoutASoundServerThereIsNoMicrophone")});
    ASSERT_TRUE(TestSupport::waitUntil([&child] { return child.state() == QProcess::NotRunning; }, 15s));
    const QString output = QString::fromLocal8Bit(child.readAll())
        + (child.error() == QProcess::UnknownError ? QString() : child.errorString());
    EXPECT_EQ(child.exitCode(), 0) << output.toStdString();
    EXPECT_TRUE(output.contains(QStringLiteral("[  PASSED  ] 1 test"))) << output.toStdString();
}

// A sound server that dies mid-recording is an interrupted(), not a crash. The test runs itself again
// as a child against a PulseAudio daemon of its own, which the child then kills.
TEST(AudioCapture, ASoundServerThatDiesWhileRecordingIsReportedNotCrashedOn)
{
    if (qEnvironmentVariableIsSet("LLAMADESK_AUDIOCAPTURE_KILL_PID")) {
        AudioCapture capture;
        QSignalSpy interrupted(&capture, &AudioCapture::interrupted);
        capture.start();
        ASSERT_TRUE(capture.isRecording());
        ASSERT_TRUE(TestSupport::waitUntil([&capture] { return !capture.pcm().isEmpty(); }, 5s));
        ASSERT_EQ(::kill(qEnvironmentVariableIntValue("LLAMADESK_AUDIOCAPTURE_KILL_PID"), SIGTERM), 0);
        ASSERT_TRUE(TestSupport::waitUntil([&interrupted] { return !interrupted.isEmpty(); }, 5s));
        const QString message = interrupted.constFirst().at(0).toString();
        std::printf("[ measured ] interrupted() said: %s\n", qPrintable(message));
        EXPECT_FALSE(message.isEmpty());
        EXPECT_FALSE(capture.isRecording());
        EXPECT_FALSE(capture.pcm().isEmpty()) << "what was recorded before the failure is kept";
        EXPECT_EQ(interrupted.constFirst().at(1).toByteArray(), capture.pcm()) << "and handed over";
        return;
    }
    if (QStandardPaths::findExecutable(QStringLiteral("pulseaudio")).isEmpty()) {
        if (TestSupport::audioRequired())
            FAIL() << "LLAMADESK_REQUIRE_AUDIO=1 but there is no pulseaudio binary";
        GTEST_SKIP() << "no pulseaudio binary";
    }
    PrivatePulseServer server;
    ASSERT_TRUE(server.start()) << server.error().toStdString();

    QProcess child;
    QProcessEnvironment env = server.environment();
    env.insert(QStringLiteral("LLAMADESK_AUDIOCAPTURE_KILL_PID"), QString::number(server.pid()));
    child.setProcessEnvironment(env);
    child.setProcessChannelMode(QProcess::MergedChannels);
    child.start(QCoreApplication::applicationFilePath(),
                {QStringLiteral(
                    "--gtest_filter=AudioCapture.ASoundServerThatDiesWhileRecordingIsReportedNotCrashedOn")});
    ASSERT_TRUE(TestSupport::waitUntil([&child] { return child.state() == QProcess::NotRunning; }, 20s));
    const QString output = QString::fromLocal8Bit(child.readAll())
        + (child.error() == QProcess::UnknownError ? QString() : child.errorString());
    EXPECT_EQ(child.exitStatus(), QProcess::NormalExit) << output.toStdString();
    EXPECT_EQ(child.exitCode(), 0) << output.toStdString();
    EXPECT_TRUE(output.contains(QStringLiteral("[  PASSED  ] 1 test"))) << output.toStdString();
    const QStringList lines = output.split(u'\n');
    for (const QString &line : lines) {
        if (line.startsWith(QStringLiteral("[ measured ]")))
            std::printf("%s\n", qPrintable(line));
    }
}

TEST(AudioCapture, TheTargetFormatIsUsedWhenTheDeviceHasIt)
{
    const QAudioFormat format = AudioCapture::captureFormat(QAudioDevice());
    EXPECT_EQ(format.sampleRate(), 16000);
    EXPECT_EQ(format.channelCount(), 1);
    EXPECT_EQ(format.sampleFormat(), QAudioFormat::Int16);
    if (haveInputs()) {
        const QAudioDevice device = AudioInputs::resolve({});
        EXPECT_EQ(AudioCapture::captureFormat(device, AudioCapture::FormatPolicy::DeviceNative),
                  device.preferredFormat());
    }
}

TEST(AudioCapture, OpenErrorsSayPermissionDenied)
{
    EXPECT_TRUE(AudioCapture::errorMessage(QAudio::OpenError)
                    .startsWith(QStringLiteral("The microphone could not be opened: permission denied")));
    EXPECT_TRUE(AudioCapture::errorMessage(QAudio::NoError).isEmpty());
}
