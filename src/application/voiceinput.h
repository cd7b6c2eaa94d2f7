#pragma once

#include "core/media/audioclip.h"

#include <QElapsedTimer>
#include <QObject>

#include <functional>

namespace Llamadesk
{
class AudioCapture;
class ChatClient;
class Settings;
struct ChatError;
struct ChatResult;

// Asks what to do with a recording longer than the limit. The app shows a window-modal message
// box (MessageBoxClipPrompt, in the widgets); tests answer in advance.
class ClipPrompt
{
public:
    virtual ~ClipPrompt() = default;
    // answer(true): trim to the limit and send; answer(false): discard. Called exactly once.
    virtual void askTrim(double seconds, double limitSeconds, std::function<void(bool trim)> answer) = 0;
    static QString question(double seconds, double limitSeconds);
};

// Push-to-talk: press() starts recording, release() stops it. A tap under 200 ms is taken as
// an accident and dropped. A clip longer than audio/max_seconds asks (ClipPrompt) whether to trim
// it; the clip then goes to the model as an input_audio part with the instruction from the
// settings, the answer capped at audio/max_tokens, and the transcript comes back. Every signal
// that leaves a clip with the user carries that clip, so whatever acts on it later (a banner's
// Retry) acts on exactly that one, whatever was recorded since.
class VoiceInput final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(VoiceInput)

public:
    static constexpr int MinimumPressMs = 200;

    VoiceInput(AudioCapture &capture, ChatClient &client, const Settings &settings, QObject *parent = nullptr);

    // Who is asked about a clip longer than audio/max_seconds; it must outlive its use here. Without
    // one (no window yet) such a clip is trimmed to the limit.
    void setClipPrompt(ClipPrompt *prompt);

    bool isRecording() const;
    bool isTranscribing() const;
    // Asked first with every finished clip (after the length check): returning true takes the
    // clip (ChatPane sends it as a spoken question together with attached images) and nothing
    // is transcribed; false, or no consumer, transcribes it as usual.
    void setClipConsumer(std::function<bool(const AudioClip &)> consumer);

public Q_SLOTS:
    void press();
    void release();
    // What release() does with a finished recording: the length check, then the consumer or a
    // transcription. Also for a recording the microphone cut short, once the user says so.
    void submit(const Llamadesk::AudioClip &clip);
    // Sends a clip for transcription; false (nothing sent) when one is running or clip is empty.
    bool transcribe(const Llamadesk::AudioClip &clip);
    // Aborts the running transcription: nothing of it arrives afterwards; cancelled() keeps the clip.
    void cancelTranscription();

Q_SIGNALS:
    void recordingChanged(bool recording);
    void levelChanged(double rms, double peak);
    // overLimit: past audio/max_seconds, still recording (up to the hard cap).
    void elapsedChanged(double seconds, bool overLimit);
    void transcribingChanged(bool transcribing);
    // What the clip sent looks like (16 kHz mono WAV), for the log and for tests; also for a
    // clip the consumer took.
    void clipSent(const Llamadesk::AudioClip &clip);
    // cutAtTokens > 0: the server stopped the model there (finish_reason "length"); text is what
    // arrived.
    void transcriptReady(const QString &text, int cutAtTokens);
    // Recording or transcribing failed. clip: what the user said, kept for a retry or saving;
    // empty when nothing was recorded.
    void failed(const QString &message, const Llamadesk::AudioClip &clip);
    // The microphone stopped mid-recording (unplugged, taken away) after recording partial,
    // long enough to be worth transcribing: submit(partial) or let it go.
    void recordingInterrupted(const QString &message, const Llamadesk::AudioClip &partial);
    // cancelTranscription() ended the transcription of clip.
    void transcriptionCancelled(const Llamadesk::AudioClip &clip);

private:
    void onCaptured(const QByteArray &pcm);
    void onInterrupted(const QString &message, const QByteArray &pcm);
    void onFinished(const QString &key, const ChatResult &result);
    void onFailed(const QString &key, const ChatError &error);
    void setTranscribing(bool transcribing);
    void deliver(const AudioClip &clip);

    AudioCapture &m_capture;
    ChatClient &m_client;
    const Settings &m_settings;
    ClipPrompt *m_prompt = nullptr;
    QElapsedTimer m_pressed;
    bool m_tapped = false;
    bool m_transcribing = false;
    // Each transcription has a key of its own: whatever an aborted one still delivers is ignored.
    quint64 m_requests = 0;
    QString m_key;
    int m_maxTokens = 0;
    AudioClip m_sending;
    std::function<bool(const AudioClip &)> m_consumer;
};
} // namespace Llamadesk
