#pragma once

#include "application/notice.h"

#include <QObject>

namespace Llamadesk
{
class AudioClip;
class ChatController;
class ServerController;
class SettingHotkey;
class Settings;
class VoiceInput;

// Push-to-talk on the keyboard, as a value: Ctrl+Shift+V held records. Auto-repeat is one press;
// the release of V ends it whatever order the keys go up in (Ctrl may go first); the window losing
// the focus ends it (its release will never arrive); Esc cancels a running transcription.
class PushToTalkKeys
{
public:
    enum class Step {
        Pass,    // not ours: the widget gets the key
        Swallow, // ours, nothing to do (a repeat)
        Press,
        Release,
        CancelTranscription,
    };

    // enabled: push-to-talk may start now; transcribing: a transcription runs.
    Step key(bool press, int key, Qt::KeyboardModifiers modifiers, bool autoRepeat, bool enabled, bool transcribing);
    Step focusLost();
    bool isHeld() const;

private:
    bool m_held = false;
};

// The voice input as the widgets see it: whether the mic can be used now and why not (no
// microphone, no server, a model that cannot hear, a transcription running), push-to-talk from
// the mic button, the window's keys and the desktop-wide hotkey, what becomes of a transcript
// (sent at once, or put in the composer), and the notices that keep a recording the user said:
// Retry, Save as WAV, Transcribe a cut-off recording. Only the "too long" question (ClipPrompt)
// and the file dialog are the widgets' business.
class VoiceController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(VoiceController)

public:
    VoiceController(VoiceInput &voice, bool microphoneAvailable, ServerController &server, ChatController &chat,
                    const Settings &settings, SettingHotkey &hotkey, QObject *parent = nullptr);

    VoiceInput &input() const;
    bool isAvailable() const;
    // Why the mic is disabled, or what holding it does.
    QString toolTip() const;
    // audio/max_seconds: past it, a recording asks whether to trim it.
    int maxSeconds() const;
    // Pictures wait in the composer: holding the mic asks about them.
    void setImagesAttached(bool attached);

    // A key event of the window: true when push-to-talk took it.
    bool handleKey(bool press, int key, Qt::KeyboardModifiers modifiers, bool autoRepeat);
    void handleFocusLost();

    // Writes the clip as a WAV file; a notice says when that fails.
    bool saveClip(const Llamadesk::AudioClip &clip, const QString &path);

public Q_SLOTS:
    void press();
    void release();

Q_SIGNALS:
    void availabilityChanged();
    // Not sent at once: the transcript goes into the composer, at the cursor.
    void transcriptForComposer(const QString &text);
    void notice(const Llamadesk::Notice &notice);
    void noticeWithdrawn(Llamadesk::Notice::Topic topic);
    // A notice's "Save as WAV…": the widgets ask where, then call saveClip().
    void saveClipRequested(const Llamadesk::AudioClip &clip);

private:
    void onTranscript(const QString &text, int cutAtTokens);
    // A notice whose actions are bound to clip itself: Retry sends exactly that clip, Save as WAV
    // writes exactly that clip, whatever was recorded since.
    void offerClip(bool error, const QString &text, const AudioClip &clip);
    void offerInterrupted(const QString &message, const AudioClip &partial);
    // A recording the microphone cut short: Transcribe or Discard, bound to partial.
    void offerRecording(Notice::Level level, const QString &text, const AudioClip &partial);
    void update();

    VoiceInput &m_voice;
    bool m_microphone;
    ServerController &m_server;
    ChatController &m_chat;
    const Settings &m_settings;
    PushToTalkKeys m_keys;
    bool m_imagesAttached = false;
    bool m_available = false;
};
} // namespace Llamadesk
