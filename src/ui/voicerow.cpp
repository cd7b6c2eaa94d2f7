#include "ui/voicerow.h"

#include "application/voicecontroller.h"
#include "application/voiceinput.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QTimer>
#include <QToolButton>

#include <algorithm>

namespace Llamadesk
{
namespace
{
constexpr QChar Filled = u'\u25cf';
constexpr QChar Hollow = u'\u25cb';
} // namespace

VoiceRow::VoiceRow(VoiceController &voice, QWidget *parent)
    : QWidget(parent)
    , m_voice(voice)
    , m_mic(new QToolButton(this))
    , m_recording(new QLabel(this))
    , m_level(new QProgressBar(this))
    , m_pulse(new QTimer(this))
{
    m_mic->setObjectName(QStringLiteral("micButton"));
    m_mic->setText(tr("Hold to talk"));
    m_recording->setObjectName(QStringLiteral("recordingLabel"));
    m_recording->hide();
    m_level->setObjectName(QStringLiteral("levelMeter"));
    m_level->setRange(0, 100);
    m_level->setTextVisible(false);
    m_level->setFixedSize(80, 6);
    m_level->hide();
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 0, 10, 0);
    layout->addWidget(m_mic);
    layout->addWidget(m_recording);
    layout->addWidget(m_level);
    layout->addStretch(1);

    connect(m_mic, &QToolButton::pressed, &m_voice, &VoiceController::press);
    connect(m_mic, &QToolButton::released, &m_voice, &VoiceController::release);
    connect(&m_voice, &VoiceController::availabilityChanged, this, &VoiceRow::updateMic);

    // The dot in front of "Recording" pulses, so that a glance tells the mic is live.
    m_pulse->setInterval(500);
    connect(m_pulse, &QTimer::timeout, this, [this] {
        QString text = m_recording->text();
        if (!text.isEmpty() && (text.front() == Filled || text.front() == Hollow))
            text[0] = text.front() == Filled ? Hollow : Filled;
        m_recording->setText(text);
    });
    VoiceInput &input = m_voice.input();
    connect(&input, &VoiceInput::recordingChanged, this, &VoiceRow::onRecordingChanged);
    connect(&input, &VoiceInput::elapsedChanged, this, &VoiceRow::onElapsed);
    connect(&input, &VoiceInput::levelChanged, this,
            [this](double rms, double) { m_level->setValue(static_cast<int>(std::min(1.0, rms * 4) * 100)); });
    connect(&input, &VoiceInput::transcribingChanged, this, &VoiceRow::onTranscribingChanged);
    updateMic();
}

QToolButton *VoiceRow::micButton() const
{
    return m_mic;
}

QLabel *VoiceRow::recordingLabel() const
{
    return m_recording;
}

void VoiceRow::updateMic()
{
    m_mic->setEnabled(m_voice.isAvailable());
    m_mic->setToolTip(m_voice.toolTip());
}

void VoiceRow::onRecordingChanged(bool recording)
{
    m_recording->setVisible(recording);
    m_level->setVisible(recording);
    if (recording) {
        m_recording->setText(tr("\u25cf Recording 0.0 s"));
        m_recording->setStyleSheet(QStringLiteral("color: #c62828;"));
        m_pulse->start();
    } else {
        m_pulse->stop();
    }
}

void VoiceRow::onElapsed(double seconds, bool overLimit)
{
    const int limit = m_voice.maxSeconds();
    const QChar dot = m_recording->text().isEmpty() ? Filled : m_recording->text().at(0);
    m_recording->setText(dot + (overLimit ? tr(" Recording %1 s (over %2 s)").arg(seconds, 0, 'f', 1).arg(limit)
                                          : tr(" Recording %1 s").arg(seconds, 0, 'f', 1)));
    m_recording->setStyleSheet(overLimit ? QStringLiteral("color: #e65100; font-weight: bold;")
                                         : QStringLiteral("color: #c62828;"));
}

void VoiceRow::onTranscribingChanged(bool transcribing)
{
    m_recording->setVisible(transcribing);
    if (transcribing) {
        m_recording->setText(tr("Transcribing\u2026"));
        m_recording->setStyleSheet({});
    }
}
} // namespace Llamadesk
