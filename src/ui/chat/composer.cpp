#include "composer.h"

#include <QAbstractTextDocumentLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace Llamadesk
{
Composer::Composer(QWidget *parent)
    : QWidget(parent)
    , m_edit(new QPlainTextEdit(this))
    , m_send(new QPushButton(this))
    , m_meter(new QProgressBar(this))
    , m_meterLabel(new QLabel(this))
    , m_placeholder(tr("Message the model (Enter sends, Shift+Enter adds a line)"))
{
    setObjectName(QStringLiteral("composer"));
    m_edit->setObjectName(QStringLiteral("composerEdit"));
    m_edit->setPlaceholderText(m_placeholder);
    m_edit->setTabChangesFocus(true);
    m_edit->setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_edit->installEventFilter(this);
    m_send->setObjectName(QStringLiteral("sendButton"));
    m_send->setMinimumWidth(std::max(m_send->fontMetrics().horizontalAdvance(tr("Send")),
                                     m_send->fontMetrics().horizontalAdvance(tr("Stop")))
                            + 40);
    m_meter->setObjectName(QStringLiteral("contextMeter"));
    m_meter->setTextVisible(false);
    m_meter->setFixedHeight(4);
    m_meterLabel->setObjectName(QStringLiteral("contextLabel"));
    QFont small = m_meterLabel->font();
    if (small.pointSizeF() > 0)
        small.setPointSizeF(small.pointSizeF() * 0.88);
    m_meterLabel->setFont(small);
    m_meterLabel->setForegroundRole(QPalette::PlaceholderText);
    m_meter->hide();
    m_meterLabel->hide();

    auto *input = new QHBoxLayout;
    input->setSpacing(8);
    input->addWidget(m_edit, 1);
    input->addWidget(m_send, 0, Qt::AlignBottom);
    auto *meter = new QHBoxLayout;
    meter->setSpacing(8);
    meter->addWidget(m_meter, 1, Qt::AlignVCenter);
    meter->addWidget(m_meterLabel);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 6, 12, 8);
    layout->setSpacing(4);
    layout->addLayout(input);
    layout->addLayout(meter);

    connect(m_edit, &QPlainTextEdit::textChanged, this, [this] {
        updateButton();
        updateHeight();
    });
    connect(m_send, &QPushButton::clicked, this, [this] {
        if (m_busy)
            Q_EMIT stopRequested();
        else
            trySend();
    });
    updateButton();
    updateHeight();
    updateMeterStyle();
}

void Composer::setBusy(bool busy)
{
    m_busy = busy;
    updateButton();
}

bool Composer::isBusy() const
{
    return m_busy;
}

void Composer::setSendEnabled(bool enabled, const QString &reasonWhenDisabled)
{
    m_sendEnabled = enabled;
    m_reason = enabled ? QString() : reasonWhenDisabled;
    m_edit->setPlaceholderText(enabled || m_reason.isEmpty() ? m_placeholder : m_reason);
    updateButton();
}

bool Composer::isSendEnabled() const
{
    return m_sendEnabled;
}

void Composer::setContextUsage(int usedTokens, int contextTokens)
{
    m_used = std::max(0, usedTokens);
    m_context = std::max(0, contextTokens);
    const bool shown = m_context > 0;
    m_meter->setVisible(shown);
    m_meterLabel->setVisible(shown);
    if (!shown)
        return;
    m_meter->setRange(0, m_context);
    m_meter->setValue(std::min(m_used, m_context));
    const QLocale locale;
    m_meterLabel->setText(tr("%1 / %2 tokens").arg(locale.toString(m_used), locale.toString(m_context)));
    const int percent = static_cast<int>(std::lround(100.0 * m_used / m_context));
    m_meter->setToolTip(tr("The conversation uses %1% of the model's context").arg(percent));
    m_meterLabel->setToolTip(m_meter->toolTip());
    updateMeterStyle();
}

QString Composer::contextText() const
{
    return m_meterLabel->isHidden() ? QString() : m_meterLabel->text();
}

void Composer::setText(const QString &text)
{
    m_edit->setPlainText(text);
    m_edit->moveCursor(QTextCursor::End);
    m_edit->setFocus(Qt::OtherFocusReason);
}

QString Composer::text() const
{
    return m_edit->toPlainText();
}

QPlainTextEdit *Composer::editor() const
{
    return m_edit;
}

bool Composer::eventFilter(QObject *watched, QEvent *event)
{
    if (watched != m_edit || event->type() != QEvent::KeyPress)
        return QWidget::eventFilter(watched, event);
    const auto *key = static_cast<QKeyEvent *>(event);
    if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
        if (key->modifiers() & Qt::ShiftModifier)
            m_edit->textCursor().insertText(QStringLiteral("\n"));
        else
            trySend();
        return true;
    }
    if (key->key() == Qt::Key_Escape && m_busy) {
        Q_EMIT stopRequested();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void Composer::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
        updateHeight();
        updateMeterStyle();
    }
}

void Composer::trySend()
{
    if (m_busy || !m_sendEnabled)
        return;
    const QString text = m_edit->toPlainText().trimmed();
    if (text.isEmpty())
        return;
    Q_EMIT sendRequested(text);
    m_edit->clear();
}

void Composer::updateButton()
{
    const bool hasText = !m_edit->toPlainText().trimmed().isEmpty();
    m_send->setText(m_busy ? tr("Stop") : tr("Send"));
    m_send->setEnabled(m_busy || (m_sendEnabled && hasText));
    if (m_busy)
        m_send->setToolTip(tr("Stop the answer (Esc)"));
    else if (!m_sendEnabled)
        m_send->setToolTip(m_reason);
    else
        m_send->setToolTip(tr("Send (Enter)"));
}

void Composer::updateHeight()
{
    // QPlainTextEdit's layout counts lines, wrapped ones included.
    const int lines = std::clamp(static_cast<int>(m_edit->document()->documentLayout()->documentSize().height()), 1, MaxLines);
    const int margins = 2 * (m_edit->frameWidth() + static_cast<int>(std::ceil(m_edit->document()->documentMargin())));
    m_edit->setFixedHeight(lines * m_edit->fontMetrics().lineSpacing() + margins + 4);
}

void Composer::updateMeterStyle()
{
    const double used = m_context > 0 ? static_cast<double>(m_used) / m_context : 0;
    const QColor chunk = used >= 0.95  ? QColor(0xd3, 0x2f, 0x2f)
                         : used >= 0.8 ? QColor(0xe0, 0x9a, 0x00)
                                       : palette().color(QPalette::Highlight);
    const QColor window = palette().color(QPalette::Window);
    const QColor text = palette().color(QPalette::WindowText);
    const QColor groove = QColor::fromRgbF(window.redF() * 0.85f + text.redF() * 0.15f,
                                           window.greenF() * 0.85f + text.greenF() * 0.15f,
                                           window.blueF() * 0.85f + text.blueF() * 0.15f);
    m_meter->setStyleSheet(QStringLiteral("QProgressBar { border: none; border-radius: 2px; background: %1; }"
                                          " QProgressBar::chunk { border-radius: 2px; background: %2; }")
                               .arg(groove.name(), chunk.name()));
}
} // namespace Llamadesk
