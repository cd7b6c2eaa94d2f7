#include "voiceinput.h"

#include "audiocapture.h"
#include "chat/chatclient.h"
#include "qtfmt.h"
#include "settingkeys.h"
#include "settings.h"

#include <QCoreApplication>
#include <QMessageBox>
#include <QPushButton>

#include <spdlog/spdlog.h>

namespace Llamadesk
{
namespace
{
const QString TranscriptionKey = QStringLiteral("voice-transcription");

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

MessageBoxClipPrompt::MessageBoxClipPrompt(QWidget *parent)
    : m_parent(parent)
{
}

void MessageBoxClipPrompt::askTrim(double seconds, double limitSeconds, std::function<void(bool trim)> answer)
{
    // Window-modal and asynchronous: no nested event loop.
    auto *box = new QMessageBox(QMessageBox::Question, QCoreApplication::translate("VoiceInput", "Recording too long"),
                                question(seconds, limitSeconds), QMessageBox::Ok | QMessageBox::Cancel, m_parent);
    box->setObjectName(QStringLiteral("clipTooLongBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setDefaultButton(QMessageBox::Ok);
    QObject::connect(box, &QMessageBox::finished, box,
                     [box, answer = std::move(answer)](int) { answer(box->clickedButton() == box->button(QMessageBox::Ok)); });
    box->open();
}

VoiceInput::VoiceInput(AudioCapture &capture, ChatClient &client, const Settings &settings, ClipPrompt &prompt,
                       QObject *parent)
    : QObject(parent)
    , m_capture(capture)
    , m_client(client)
    , m_settings(settings)
    , m_prompt(prompt)
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
        Q_EMIT failed(message);
    });
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

AudioClip VoiceInput::failedClip() const
{
    return m_failed;
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
    const AudioClip clip(pcm, AudioCapture::TargetRate, 1);
    const double limit = m_settings.get(Keys::AudioMaxSeconds);
    if (clip.durationSeconds() <= limit) {
        deliver(clip);
        return;
    }
    m_prompt.askTrim(clip.durationSeconds(), limit, [this, clip, limit](bool trim) {
        if (trim)
            deliver(clip.trimmed(limit));
        else
            spdlog::info("A {:.1f} s recording was discarded", clip.durationSeconds());
    });
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

void VoiceInput::transcribe(const AudioClip &clip)
{
    if (clip.isEmpty() || m_transcribing)
        return;
    ChatRequest request;
    ChatMessage message;
    message.role = QStringLiteral("user");
    message.parts = {ContentPart::fromText(m_settings.get(Keys::AudioInstruction)),
                     ContentPart::fromAudio(clip.toBase64Wav(), QStringLiteral("wav"))};
    request.messages = {message};
    request.stream = true;
    if (!m_client.send(TranscriptionKey, request))
        return;
    m_sending = clip;
    spdlog::info("Sending a {:.1f} s recording ({} Hz, {} channel(s), {} bytes of WAV) for transcription",
                 clip.durationSeconds(), clip.sampleRate(), clip.channels(), clip.wavSize());
    setTranscribing(true);
    Q_EMIT clipSent(clip);
}

void VoiceInput::retry()
{
    const AudioClip clip = m_failed;
    m_failed = {};
    transcribe(clip);
}

void VoiceInput::onFinished(const QString &key, const ChatResult &result)
{
    if (key != TranscriptionKey)
        return;
    setTranscribing(false);
    m_sending = {};
    Q_EMIT transcriptReady(result.content.trimmed());
}

void VoiceInput::onFailed(const QString &key, const ChatError &error)
{
    if (key != TranscriptionKey)
        return;
    setTranscribing(false);
    m_failed = m_sending;
    m_sending = {};
    Q_EMIT failed(error.message);
}

void VoiceInput::setTranscribing(bool transcribing)
{
    if (m_transcribing == transcribing)
        return;
    m_transcribing = transcribing;
    Q_EMIT transcribingChanged(transcribing);
}
} // namespace Llamadesk
