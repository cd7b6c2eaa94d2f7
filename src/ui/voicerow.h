#pragma once

#include <QWidget>

class QLabel;
class QProgressBar;
class QTimer;
class QToolButton;

namespace Llamadesk
{
class VoiceController;

// The voice row under the transcript: the "Hold to talk" button (enabled, with its tooltip, as the
// VoiceController says), and while recording a pulsing "Recording 3.2 s" with a level meter, then
// "Transcribing…". It only shows what the controller and its VoiceInput report.
class VoiceRow final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(VoiceRow)

public:
    explicit VoiceRow(VoiceController &voice, QWidget *parent = nullptr);

    QToolButton *micButton() const;
    QLabel *recordingLabel() const;

private:
    void updateMic();
    void onRecordingChanged(bool recording);
    void onElapsed(double seconds, bool overLimit);
    void onTranscribingChanged(bool transcribing);

    VoiceController &m_voice;
    QToolButton *m_mic;
    QLabel *m_recording;
    QProgressBar *m_level;
    QTimer *m_pulse;
};
} // namespace Llamadesk
