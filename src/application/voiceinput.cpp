#include "application/voiceinput.h"

#include "audio/audiocapture.h"
#include "core/chat/chatclient.h"
#include "core/media/transcription.h"
#include "core/qtfmt.h"
#include "core/settingkeys.h"
#include "core/settings.h"

#include <QCoreApplication>

#include <spdlog/spdlog.h>

#include <utility>

namespace Llamadesk
{
namespace
{
QString seconds(double value)
{
    return QString::number(value, 'f', value < 10 ? 1 : 0);
}
} // namespace

QString ClipPrompt::question(double seconds, double limitSeconds)
{
    return QCoreApplication::translate("VoiceInput",
                                       "The recording is %1 s; the limit is %2 s. OK trims it to the first %2 s "
                                       "and sends it, Cancel discards it.")
        .arg(Llamadesk::seconds(seconds), Llamadesk::seconds(limitSeconds));
}

VoiceInput::VoiceInput(AudioCapture &capture, ChatClient &client, const Settings &settings, QObject *parent)
    : QObject(parent)
    , m_capture(capture)
    , m_client(client)
    , m_settings(settings)
{
    connect(&m_capture, &AudioCapture::finished, this, &VoiceInput::onCaptured);
    connect(&m_capture, &AudioCapture::levelChanged, this, &VoiceInput::levelChanged);
    connect(&m_capture, &AudioCapture::firstAudioReceived, this,
            [] { spdlog::info("The microphone delivers audio"); });
    connect(&m_capture, &AudioCapture::elapsedChanged, this, [this](double elapsed) {
        Q_EMIT elapsedChanged(elapsed, elapsed > m_settings.get(Keys::AudioMaxSeconds));
    });
    connect(&m_capture, &AudioCapture::failed, this, [this](const QString &message) {
        Q_EMIT recordingChanged(false);
        Q_EMIT failed(message, {});
    });
    connect(&m_capture, &AudioCapture::interrupted, this, &VoiceInput::onInterrupted);
    connect(&m_client, &ChatClient::finished, this, &VoiceInput::onFinished);
    connect(&m_client, &ChatClient::failed, this,
            [this](const QString &key, const ChatError &error) { onFailed(key, error); });
}

bool VoiceInput::isRecording() const
{
    return m_capture.isRecording();
}

bool VoiceInput::isTranscribing() const
{
    return m_transcribing;
}

void VoiceInput::press()
{
    if (m_capture.isRecording() || m_transcribing)
        return;
    m_pressed.start();
    m_tapped = false;
    m_capture.start();
    if (m_capture.isRecording()) {
        spdlog::info("Recording from the microphone");
        Q_EMIT recordingChanged(true);
    }
}

void VoiceInput::release()
{
    if (!m_capture.isRecording())
        return;
    Q_EMIT recordingChanged(false);
    if (m_pressed.isValid() && !m_pressed.hasExpired(MinimumPressMs)) {
        m_tapped = true; // an accidental tap: nothing to send
        m_capture.cancel();
        return;
    }
    m_capture.stop();
}

void VoiceInput::onCaptured(const QByteArray &pcm)
{
    if (m_tapped)
        return;
    Q_EMIT recordingChanged(false);
    submit(AudioClip(pcm, AudioCapture::TargetRate, 1));
}

void VoiceInput::onInterrupted(const QString &message, const QByteArray &pcm)
{
    Q_EMIT recordingChanged(false);
    const AudioClip partial(pcm, AudioCapture::TargetRate, 1);
    if (m_tapped)
        return;
    if (!Transcription::worthOffering(partial)) {
        spdlog::info("The microphone stopped after {:.1f} s: too little to transcribe", partial.durationSeconds());
        Q_EMIT failed(message, {});
        return;
    }
    spdlog::info("The microphone stopped after {:.1f} s; the recording is kept", partial.durationSeconds());
    Q_EMIT recordingInterrupted(message, partial);
}

void VoiceInput::submit(const AudioClip &clip)
{
    const double limit = m_settings.get(Keys::AudioMaxSeconds);
    if (clip.durationSeconds() <= limit) {
        deliver(clip);
        return;
    }
    if (!m_prompt) { // no one to ask (no window): what was said is kept, up to the limit
        spdlog::info("A {:.1f} s recording was trimmed to {} s", clip.durationSeconds(), limit);
        deliver(clip.trimmed(limit));
        return;
    }
    m_prompt->askTrim(clip.durationSeconds(), limit, [this, clip, limit](bool trim) {
        if (trim)
            deliver(clip.trimmed(limit));
        else
            spdlog::info("A {:.1f} s recording was discarded", clip.durationSeconds());
    });
}

void VoiceInput::setClipPrompt(ClipPrompt *prompt)
{
    m_prompt = prompt;
}

void VoiceInput::setClipConsumer(std::function<bool(const AudioClip &)> consumer)
{
    m_consumer = std::move(consumer);
}

void VoiceInput::deliver(const AudioClip &clip)
{
    if (m_consumer && !clip.isEmpty() && m_consumer(clip)) {
        spdlog::info("A {:.1f} s recording was sent as the question itself", clip.durationSeconds());
        Q_EMIT clipSent(clip);
        return;
    }
    transcribe(clip);
}

bool VoiceInput::transcribe(const AudioClip &clip)
{
    if (clip.isEmpty() || m_transcribing)
        return false;
    const int maxTokens = m_settings.get(Keys::AudioMaxTokens);
    const QString key = QStringLiteral("voice-transcription-%1").arg(++m_requests);
    if (!m_client.send(key, Transcription::request(clip, m_settings.get(Keys::AudioInstruction), maxTokens)))
        return false;
    m_key = key;
    m_maxTokens = maxTokens;
    m_sending = clip;
    spdlog::info("Sending a {:.1f} s recording ({} Hz, {} channel(s), {} bytes of WAV) for transcription, "
                 "at most {} tokens back",
                 clip.durationSeconds(), clip.sampleRate(), clip.channels(), clip.wavSize(), maxTokens);
    setTranscribing(true);
    Q_EMIT clipSent(clip);
    return true;
}

void VoiceInput::cancelTranscription()
{
    if (!m_transcribing)
        return;
    // Forgotten first: the abort's own failed() (now or later) finds no key of ours.
    const QString key = std::exchange(m_key, {});
    const AudioClip clip = std::exchange(m_sending, {});
    m_client.cancel(key);
    spdlog::info("Transcription cancelled");
    setTranscribing(false);
    Q_EMIT transcriptionCancelled(clip);
}

void VoiceInput::onFinished(const QString &key, const ChatResult &result)
{
    if (m_key.isEmpty() || key != m_key)
        return;
    m_key.clear();
    m_sending = {};
    const Transcription::Transcript transcript = Transcription::fromResult(result, m_maxTokens);
    if (transcript.isCut())
        spdlog::warn("The transcript was cut at {} tokens (finish_reason length)", transcript.cutAtTokens);
    setTranscribing(false);
    Q_EMIT transcriptReady(transcript.text, transcript.cutAtTokens);
}

void VoiceInput::onFailed(const QString &key, const ChatError &error)
{
    if (m_key.isEmpty() || key != m_key)
        return;
    m_key.clear();
    const AudioClip clip = std::exchange(m_sending, {});
    setTranscribing(false);
    Q_EMIT failed(error.message, clip);
}

void VoiceInput::setTranscribing(bool transcribing)
{
    if (m_transcribing == transcribing)
        return;
    m_transcribing = transcribing;
    Q_EMIT transcribingChanged(transcribing);
}
} // namespace Llamadesk
