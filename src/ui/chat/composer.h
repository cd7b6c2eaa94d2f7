#pragma once

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

namespace Llamadesk
{
// Where the user writes. Enter sends, Shift+Enter starts a new line. While an answer is being
// written the Send button becomes Stop (Escape too). Below it a thin meter shows how much of
// the model's context the conversation uses.
class Composer final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Composer)

public:
    // The field grows with its text up to this many lines, then scrolls.
    static constexpr int MaxLines = 8;

    explicit Composer(QWidget *parent = nullptr);

    // Busy: an answer is streaming; the button stops it and Enter does not send.
    void setBusy(bool busy);
    bool isBusy() const;
    // Disabled: the reason goes in the field's placeholder and the button's tooltip. What the
    // user has typed stays.
    void setSendEnabled(bool enabled, const QString &reasonWhenDisabled = {});
    bool isSendEnabled() const;
    // "1,234 / 4,096 tokens"; contextTokens 0 hides the meter.
    void setContextUsage(int usedTokens, int contextTokens);
    QString contextText() const;
    // For edit-and-resend: replaces the text, cursor at the end, focus in the field.
    void setText(const QString &text);
    QString text() const;
    QPlainTextEdit *editor() const;

Q_SIGNALS:
    // Trimmed and never empty; the field is cleared.
    void sendRequested(const QString &text);
    void stopRequested();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void trySend();
    void updateButton();
    void updateHeight();
    void updateMeterStyle();

    QPlainTextEdit *m_edit;
    QPushButton *m_send;
    QProgressBar *m_meter;
    QLabel *m_meterLabel;
    QString m_placeholder;
    QString m_reason;
    int m_used = 0;
    int m_context = 0;
    bool m_busy = false;
    bool m_sendEnabled = true;
};
} // namespace Llamadesk
