// Push-to-talk without a window: the keys as a value (PushToTalkKeys), and VoiceController
// between VoiceInput, the server and the chat: why the mic cannot be used now, the desktop-wide
// hotkey, what becomes of a transcript, and the notices that keep what the user said (Retry,
// Save as WAV, Transcribe a recording cut off by the microphone). The microphone's failures
// enter through AudioCapture's own signals; no device is needed.
#include "audio/audiocapture.h"
#include "controllerfixture.h"
#include "platform/globalhotkey.h"
#include "core/media/audioclip.h"
#include "core/media/transcription.h"
#include "core/media/wavformat.h"
#include "application/settinghotkey.h"
#include "application/voicecontroller.h"
#include "application/voiceinput.h"

#include <cmath>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

using Step = PushToTalkKeys::Step;

namespace
{
constexpr auto CtrlShift = Qt::ControlModifier | Qt::ShiftModifier;

TEST(PushToTalkKeys, CtrlShiftVHeldIsOnePressAndReleasingVEndsIt)
{
    PushToTalkKeys keys;
    EXPECT_EQ(keys.key(true, Qt::Key_V, CtrlShift, false, true, false), Step::Press);
    EXPECT_TRUE(keys.isHeld());
    EXPECT_EQ(keys.key(true, Qt::Key_V, CtrlShift, true, true, false), Step::Swallow) << "auto-repeat";
    EXPECT_EQ(keys.key(false, Qt::Key_V, CtrlShift, true, true, false), Step::Swallow) << "auto-repeat's release";
    // Ctrl goes up first: still held until V does.
    EXPECT_EQ(keys.key(false, Qt::Key_Control, Qt::ShiftModifier, false, true, false), Step::Pass);
    EXPECT_TRUE(keys.isHeld());
    EXPECT_EQ(keys.key(false, Qt::Key_V, Qt::ShiftModifier, false, true, false), Step::Release);
    EXPECT_FALSE(keys.isHeld());
    EXPECT_EQ(keys.key(false, Qt::Key_V, Qt::NoModifier, false, true, false), Step::Pass) << "V alone is typing";
}

TEST(PushToTalkKeys, WhileUnavailableTheKeysAreLeftToTheWidget)
{
    PushToTalkKeys keys;
    EXPECT_EQ(keys.key(true, Qt::Key_V, CtrlShift, false, false, false), Step::Pass);
    EXPECT_EQ(keys.key(false, Qt::Key_V, CtrlShift, false, false, false), Step::Pass);
    EXPECT_EQ(keys.key(true, Qt::Key_V, Qt::ControlModifier, false, true, false), Step::Pass) << "Ctrl+V pastes";
}

TEST(PushToTalkKeys, EscCancelsOnlyARunningTranscription)
{
    PushToTalkKeys keys;
    EXPECT_EQ(keys.key(true, Qt::Key_Escape, Qt::NoModifier, false, true, true), Step::CancelTranscription);
    EXPECT_EQ(keys.key(true, Qt::Key_Escape, Qt::NoModifier, false, true, false), Step::Pass);
}

TEST(PushToTalkKeys, LosingTheFocusWhileHeldReleases)
{
    PushToTalkKeys keys;
    EXPECT_EQ(keys.focusLost(), Step::Pass);
    ASSERT_EQ(keys.key(true, Qt::Key_V, CtrlShift, false, true, false), Step::Press);
    EXPECT_EQ(keys.focusLost(), Step::Release) << "the release will never arrive";
    EXPECT_EQ(keys.key(false, Qt::Key_V, CtrlShift, false, true, false), Step::Pass);
}

// A desktop-wide hotkey that the test presses.
class ManualHotkey final : public GlobalHotkey
{
public:
    QKeyCombination combination() const override { return QKeyCombination(CtrlShift, Qt::Key_V); }
    bool isSupported() const override { return true; }
    QString unsupportedReason() const override { return {}; }
    bool enable() override { return m_enabled = true; }
    void disable() override { m_enabled = false; }
    bool isEnabled() const override { return m_enabled; }
    QString lastError() const override { return {}; }
    void press() { Q_EMIT pressed(); }

private:
    bool m_enabled = false;
};

QByteArray tonePcm(double seconds)
{
    QByteArray pcm(static_cast<int>(seconds * AudioCapture::TargetRate) * 2, Qt::Uninitialized);
    auto *samples = reinterpret_cast<qint16 *>(pcm.data());
    for (int i = 0; i < pcm.size() / 2; ++i)
        samples[i] = static_cast<qint16>(8000 * std::sin(2 * M_PI * 440.0 * i / AudioCapture::TargetRate));
    return pcm;
}

AudioClip clipOf(double seconds)
{
    return AudioClip(tonePcm(seconds), AudioCapture::TargetRate, 1);
}

class VoiceControllerTest : public ControllerTest
{
protected:
    void makeVoice(bool microphone = true)
    {
        m_capture = std::make_unique<AudioCapture>();
        m_input = std::make_unique<VoiceInput>(*m_capture, *m_client, *m_settings);
        m_hotkey = std::make_unique<SettingHotkey>(m_keys, *m_settings, Keys::AudioGlobalHotkey);
        m_voice = std::make_unique<VoiceController>(*m_input, microphone, *m_server, *m_chat, *m_settings, *m_hotkey);
        m_voiceNotices = std::make_unique<QSignalSpy>(m_voice.get(), &VoiceController::notice);
        m_hotkey->apply();
    }

    void useProjector(const char *file)
    {
        ASSERT_FALSE(m_settings->set(Keys::ServerMmproj, QString(sharedDir() + QStringLiteral("/models/") +
                                                                 QString::fromLatin1(file))));
    }

    void TearDown() override
    {
        qunsetenv("FAKE_LLAMA_TOKENS_PER_SECOND");
        qunsetenv("FAKE_LLAMA_REPLY_TOKENS");
        m_voiceNotices.reset();
        m_voice.reset();
        m_hotkey.reset();
        m_input.reset();
        m_capture.reset();
        ControllerTest::TearDown();
    }

    Notice lastVoiceNotice() const { return m_voiceNotices->constLast().at(0).value<Notice>(); }

    ManualHotkey m_keys;
    std::unique_ptr<AudioCapture> m_capture;
    std::unique_ptr<VoiceInput> m_input;
    std::unique_ptr<SettingHotkey> m_hotkey;
    std::unique_ptr<VoiceController> m_voice;
    std::unique_ptr<QSignalSpy> m_voiceNotices;
};
} // namespace

TEST_F(VoiceControllerTest, TheMicSaysWhyItCannotBeUsedNow)
{
    makeVoice(false);
    EXPECT_FALSE(m_voice->isAvailable());
    EXPECT_EQ(m_voice->toolTip(), QStringLiteral("No microphone found"));
    m_voice.reset();
    makeVoice(true);
    EXPECT_EQ(m_voice->toolTip(), QStringLiteral("The server is not running"));
    ASSERT_NO_FATAL_FAILURE(startServer()); // no audio projector
    EXPECT_FALSE(m_voice->isAvailable());
    EXPECT_TRUE(m_voice->toolTip().startsWith(u"Voice input needs a model with an audio projector (mmproj)"))
            << m_voice->toolTip().toStdString();
}

TEST_F(VoiceControllerTest, AModelThatHearsMakesTheMicAvailableAndPicturesChangeWhatItDoes)
{
    useProjector("tiny-mmproj-audio.gguf");
    makeVoice();
    QSignalSpy availability(m_voice.get(), &VoiceController::availabilityChanged);
    ASSERT_NO_FATAL_FAILURE(startServer());
    EXPECT_TRUE(m_voice->isAvailable());
    EXPECT_FALSE(availability.isEmpty());
    EXPECT_EQ(m_voice->toolTip(), QStringLiteral("Hold to talk (or hold Ctrl+Shift+V); release to transcribe"));
    m_voice->setImagesAttached(true);
    EXPECT_EQ(m_voice->toolTip(), QStringLiteral("Hold to ask about the attached images by voice (or hold Ctrl+Shift+V)"));
}

TEST_F(VoiceControllerTest, TheDesktopHotkeyFollowsItsSettingAndDoesNothingWhileUnavailable)
{
    makeVoice();
    EXPECT_FALSE(m_keys.isEnabled()) << "off by default";
    ASSERT_FALSE(m_settings->set(Keys::AudioGlobalHotkey, true));
    EXPECT_TRUE(m_keys.isEnabled());
    QSignalSpy recording(m_input.get(), &VoiceInput::recordingChanged);
    m_keys.press(); // no server: nothing to transcribe with
    EXPECT_TRUE(recording.isEmpty());
    EXPECT_FALSE(m_input->isRecording());
    ASSERT_FALSE(m_settings->set(Keys::AudioGlobalHotkey, false));
    EXPECT_FALSE(m_keys.isEnabled());
}

TEST_F(VoiceControllerTest, ATranscriptGoesToTheComposerOrIsAskedAtOnce)
{
    useProjector("tiny-mmproj-audio.gguf");
    makeVoice();
    ASSERT_NO_FATAL_FAILURE(startServer());
    QSignalSpy composer(m_voice.get(), &VoiceController::transcriptForComposer);
    ASSERT_TRUE(m_input->transcribe(clipOf(1.0)));
    ASSERT_TRUE(composer.wait(10000));
    EXPECT_FALSE(composer.at(0).at(0).toString().isEmpty());
    EXPECT_TRUE(m_chat->messages().isEmpty()) << "checked in the box first";

    ASSERT_FALSE(m_settings->set(Keys::AudioSendTranscript, true));
    composer.clear();
    QSignalSpy added(m_chat.get(), &ChatController::messageAdded);
    ASSERT_TRUE(m_input->transcribe(clipOf(1.0)));
    ASSERT_TRUE(added.wait(10000));
    EXPECT_EQ(m_chat->messages().constFirst().role, Role::User);
    EXPECT_TRUE(composer.isEmpty());
}

TEST_F(VoiceControllerTest, ACutTranscriptIsLeftInTheComposerWithAWarning)
{
    qputenv("FAKE_LLAMA_REPLY_TOKENS", "2000"); // a model that will not stop
    useProjector("tiny-mmproj-audio.gguf");
    ASSERT_FALSE(m_settings->set(Keys::AudioMaxTokens, 30));
    ASSERT_FALSE(m_settings->set(Keys::AudioSendTranscript, true));
    makeVoice();
    ASSERT_NO_FATAL_FAILURE(startServer());
    QSignalSpy composer(m_voice.get(), &VoiceController::transcriptForComposer);
    ASSERT_TRUE(m_input->transcribe(clipOf(1.0)));
    ASSERT_TRUE(composer.wait(10000));
    ASSERT_FALSE(m_voiceNotices->isEmpty());
    EXPECT_EQ(lastVoiceNotice().level, Notice::Level::Warning);
    EXPECT_EQ(lastVoiceNotice().text, Transcription::cutMessage(30));
    EXPECT_TRUE(m_chat->messages().isEmpty()) << "a cut transcript is not sent at once";
}

TEST_F(VoiceControllerTest, AFailedTranscriptionOffersRetryAndSavingItsOwnClip)
{
    makeVoice(); // no audio projector: the server refuses the clip
    ASSERT_NO_FATAL_FAILURE(startServer());
    const AudioClip first = clipOf(1.0);
    const AudioClip second = clipOf(1.5);
    QSignalSpy failed(m_input.get(), &VoiceInput::failed);
    ASSERT_TRUE(m_input->transcribe(first));
    ASSERT_TRUE(failed.wait(10000));
    const Notice forFirst = lastVoiceNotice();
    ASSERT_TRUE(waitUntil([&] { return !m_input->isTranscribing(); }));
    ASSERT_TRUE(m_input->transcribe(second));
    ASSERT_TRUE(failed.wait(10000));
    ASSERT_TRUE(waitUntil([&] { return !m_input->isTranscribing(); }));
    EXPECT_EQ(forFirst.level, Notice::Level::Error);
    EXPECT_TRUE(forFirst.text.endsWith(u"The recording is kept.")) << forFirst.text.toStdString();

    // Each notice acts on the clip it was made for.
    QSignalSpy save(m_voice.get(), &VoiceController::saveClipRequested);
    const NoticeAction *saveFirst = action(forFirst, QStringLiteral("Save as WAV\u2026"));
    ASSERT_NE(saveFirst, nullptr);
    saveFirst->run();
    ASSERT_EQ(save.count(), 1);
    EXPECT_EQ(save.at(0).at(0).value<AudioClip>(), first);

    QSignalSpy sent(m_input.get(), &VoiceInput::clipSent);
    const NoticeAction *retryFirst = action(forFirst, QStringLiteral("Retry"));
    ASSERT_NE(retryFirst, nullptr);
    retryFirst->run();
    ASSERT_EQ(sent.count(), 1);
    EXPECT_EQ(sent.at(0).at(0).value<AudioClip>(), first);

    const QString path = m_dir.filePath(QStringLiteral("kept.wav"));
    ASSERT_TRUE(m_voice->saveClip(first, path));
    EXPECT_EQ(readFile(path), first.toWav());
    EXPECT_FALSE(m_voice->saveClip(first, m_dir.filePath(QStringLiteral("missing/folder/kept.wav"))));
    EXPECT_TRUE(lastVoiceNotice().text.startsWith(u"Could not save ")) << lastVoiceNotice().text.toStdString();
}

TEST_F(VoiceControllerTest, ARecordingCutOffByTheMicrophoneIsOfferedAndTranscribedOnlyWhenAsked)
{
    useProjector("tiny-mmproj-audio.gguf");
    makeVoice();
    ASSERT_NO_FATAL_FAILURE(startServer());
    QSignalSpy sent(m_input.get(), &VoiceInput::clipSent);
    QSignalSpy withdrawn(m_voice.get(), &VoiceController::noticeWithdrawn);
    Q_EMIT m_capture->interrupted(QStringLiteral("The microphone was disconnected."), tonePcm(4.2));
    ASSERT_FALSE(m_voiceNotices->isEmpty());
    const Notice offer = lastVoiceNotice();
    EXPECT_EQ(offer.text, QStringLiteral("The recording stopped after 4.2 s. The microphone was disconnected. "
                                         "Transcribe what was recorded?"));
    EXPECT_EQ(sent.count(), 0) << "nothing is sent before the user says so";
    const NoticeAction *transcribe = action(offer, QStringLiteral("Transcribe"));
    ASSERT_NE(transcribe, nullptr);
    ASSERT_NE(action(offer, QStringLiteral("Discard")), nullptr);
    transcribe->run();
    ASSERT_EQ(sent.count(), 1);
    EXPECT_EQ(sent.at(0).at(0).value<AudioClip>(), clipOf(4.2));
    ASSERT_EQ(withdrawn.count(), 1);
    EXPECT_EQ(withdrawn.at(0).at(0).value<Notice::Topic>(), Notice::Topic::Voice);
}

TEST_F(VoiceControllerTest, EscCancelsATranscriptionAndTheRecordingIsKept)
{
    qputenv("FAKE_LLAMA_TOKENS_PER_SECOND", "5");
    qputenv("FAKE_LLAMA_REPLY_TOKENS", "200");
    useProjector("tiny-mmproj-audio.gguf");
    makeVoice();
    ASSERT_NO_FATAL_FAILURE(startServer());
    const AudioClip clip = clipOf(1.0);
    ASSERT_TRUE(m_input->transcribe(clip));
    ASSERT_TRUE(m_input->isTranscribing());
    EXPECT_TRUE(m_voice->handleKey(true, Qt::Key_Escape, Qt::NoModifier, false));
    ASSERT_TRUE(waitUntil([&] { return !m_input->isTranscribing(); }));
    ASSERT_FALSE(m_voiceNotices->isEmpty());
    const Notice kept = lastVoiceNotice();
    EXPECT_EQ(kept.text, QStringLiteral("Transcription cancelled. The recording is kept."));
    ASSERT_NE(action(kept, QStringLiteral("Retry")), nullptr);
    EXPECT_FALSE(m_voice->handleKey(true, Qt::Key_Escape, Qt::NoModifier, false)) << "Esc is the widget's again";
}
