#include "application/voicecontroller.h"

#include "application/chatcontroller.h"
#include "core/media/audioclip.h"
#include "core/media/transcription.h"
#include "application/servercontroller.h"
#include "application/settinghotkey.h"
#include "core/settingkeys.h"
#include "core/settings.h"
#include "application/voiceinput.h"

#include <QCoreApplication>
#include <QFile>

namespace Llamadesk
{
PushToTalkKeys::Step PushToTalkKeys::key(bool press, int key, Qt::KeyboardModifiers modifiers, bool autoRepeat,
                                         bool enabled, bool transcribing)
{
    // Esc stops a transcription (a model repeating itself, the wrong recording).
    if (press && key == Qt::Key_Escape && transcribing)
        return Step::CancelTranscription;
    const bool combo = key == Qt::Key_V && (modifiers & (Qt::ControlModifier | Qt::ShiftModifier)) ==
                                                   (Qt::ControlModifier | Qt::ShiftModifier);
    if (autoRepeat && (combo || (m_held && key == Qt::Key_V)))
        return Step::Swallow; // held down: one press, one release
    if (press && combo && enabled) {
        m_held = true;
        return Step::Press;
    }
    // Released in any order (Ctrl may go first): V going up ends it.
    if (!press && m_held && key == Qt::Key_V) {
        m_held = false;
        return Step::Release;
    }
    return Step::Pass;
}

PushToTalkKeys::Step PushToTalkKeys::focusLost()
{
    if (!m_held)
        return Step::Pass;
    m_held = false;
    return Step::Release;
}

bool PushToTalkKeys::isHeld() const
{
    return m_held;
}

VoiceController::VoiceController(VoiceInput &voice, bool microphoneAvailable, ServerController &server,
                                 ChatController &chat, const Settings &settings, SettingHotkey &hotkey,
                                 QObject *parent)
    : QObject(parent)
    , m_voice(voice)
    , m_microphone(microphoneAvailable)
    , m_server(server)
    , m_chat(chat)
    , m_settings(settings)
{
    connect(&m_server, &ServerController::stateChanged, this, &VoiceController::update);
    connect(&m_server, &ServerController::capabilitiesChanged, this, &VoiceController::update);
    connect(&m_voice, &VoiceInput::transcribingChanged, this, &VoiceController::update);
    connect(&m_voice, &VoiceInput::transcriptReady, this, &VoiceController::onTranscript);
    connect(&m_voice, &VoiceInput::failed, this, [this](const QString &message, const AudioClip &clip) {
        if (clip.isEmpty())
            Q_EMIT notice({Notice::Level::Error, message, {}, Notice::Topic::Voice});
        else
            offerClip(true, tr("%1 The recording is kept.").arg(message), clip);
    });
    connect(&m_voice, &VoiceInput::transcriptionCancelled, this, [this](const AudioClip &clip) {
        offerClip(false, tr("Transcription cancelled. The recording is kept."), clip);
    });
    connect(&m_voice, &VoiceInput::recordingInterrupted, this, &VoiceController::offerInterrupted);
    connect(&hotkey, &SettingHotkey::pressed, this, [this] {
        if (m_available)
            m_voice.press();
    });
    connect(&hotkey, &SettingHotkey::released, &m_voice, &VoiceInput::release);
    update();
}

VoiceInput &VoiceController::input() const
{
    return m_voice;
}

bool VoiceController::isAvailable() const
{
    return m_available;
}

QString VoiceController::toolTip() const
{
    if (!m_microphone)
        return tr("No microphone found");
    if (!m_server.isRunning())
        return tr("The server is not running");
    if (!m_server.modelHears())
        return tr("Voice input needs a model with an audio projector (mmproj), such as Gemma 4 E2B/E4B, "
                  "Ultravox, Qwen2.5-Omni or Voxtral");
    if (m_voice.isTranscribing())
        return tr("Transcribing the last recording");
    if (m_imagesAttached)
        return tr("Hold to ask about the attached images by voice (or hold Ctrl+Shift+V)");
    return tr("Hold to talk (or hold Ctrl+Shift+V); release to transcribe");
}

int VoiceController::maxSeconds() const
{
    return m_settings.get(Keys::AudioMaxSeconds);
}

void VoiceController::update()
{
    m_available = m_microphone && m_server.isRunning() && m_server.modelHears() && !m_voice.isTranscribing();
    Q_EMIT availabilityChanged();
}

void VoiceController::setImagesAttached(bool attached)
{
    if (attached == m_imagesAttached)
        return;
    m_imagesAttached = attached;
    Q_EMIT availabilityChanged();
}

bool VoiceController::handleKey(bool press, int key, Qt::KeyboardModifiers modifiers, bool autoRepeat)
{
    switch (m_keys.key(press, key, modifiers, autoRepeat, m_available, m_voice.isTranscribing())) {
    case PushToTalkKeys::Step::Pass:
        return false;
    case PushToTalkKeys::Step::Swallow:
        return true;
    case PushToTalkKeys::Step::Press:
        m_voice.press();
        return true;
    case PushToTalkKeys::Step::Release:
        m_voice.release();
        return true;
    case PushToTalkKeys::Step::CancelTranscription:
        // The box keeps what it held: nothing of the transcript is in it until it is complete.
        m_voice.cancelTranscription();
        return true;
    }
    return false;
}

void VoiceController::handleFocusLost()
{
    if (m_keys.focusLost() == PushToTalkKeys::Step::Release)
        m_voice.release();
}

void VoiceController::press()
{
    if (m_available)
        m_voice.press();
}

void VoiceController::release()
{
    m_voice.release();
}

void VoiceController::onTranscript(const QString &text, int cutAtTokens)
{
    if (text.isEmpty()) {
        Q_EMIT notice({Notice::Level::Info, tr("The model heard nothing to transcribe."), {}, Notice::Topic::Voice});
        return;
    }
    // A cut transcript is left in the box to be checked, even where it would be sent at once.
    if (cutAtTokens > 0)
        Q_EMIT notice({Notice::Level::Warning, Transcription::cutMessage(cutAtTokens), {}, Notice::Topic::Voice});
    else if (m_settings.get(Keys::AudioSendTranscript) && m_chat.send(text))
        return;
    Q_EMIT transcriptForComposer(text);
}

void VoiceController::offerClip(bool error, const QString &text, const AudioClip &clip)
{
    Notice offer{error ? Notice::Level::Error : Notice::Level::Info, text, {}, Notice::Topic::Voice};
    offer.actions.append({tr("Retry"), [this, clip] {
                              if (m_voice.transcribe(clip))
                                  Q_EMIT noticeWithdrawn(Notice::Topic::Voice);
                              else
                                  offerClip(false, tr("Another recording is being transcribed; retry this one when it is done."), clip);
                          }});
    offer.actions.append({tr("Save as WAV\u2026"), [this, clip] { Q_EMIT saveClipRequested(clip); }});
    Q_EMIT notice(offer);
}

void VoiceController::offerInterrupted(const QString &message, const AudioClip &partial)
{
    offerRecording(Notice::Level::Warning, Transcription::interruptedQuestion(message, partial.durationSeconds()),
                   partial);
}

void VoiceController::offerRecording(Notice::Level level, const QString &text, const AudioClip &partial)
{
    Notice offer{level, text, {}, Notice::Topic::Voice};
    offer.actions.append({tr("Transcribe"), [this, partial] {
                              if (m_voice.isTranscribing()) {
                                  // The same choice, still bound to this recording.
                                  offerRecording(Notice::Level::Info,
                                                 tr("Another recording is being transcribed; transcribe this one when it is done."),
                                                 partial);
                                  return;
                              }
                              Q_EMIT noticeWithdrawn(Notice::Topic::Voice);
                              m_voice.submit(partial);
                          }});
    offer.actions.append({tr("Discard"), [this] { Q_EMIT noticeWithdrawn(Notice::Topic::Voice); }});
    Q_EMIT notice(offer);
}

bool VoiceController::saveClip(const AudioClip &clip, const QString &path)
{
    QFile file(path);
    if (file.open(QIODevice::WriteOnly) && file.write(clip.toWav()) >= 0 && file.flush())
        return true;
    Q_EMIT notice({Notice::Level::Error, tr("Could not save %1: %2").arg(path, file.errorString()), {},
                   Notice::Topic::Voice});
    return false;
}
} // namespace Llamadesk
