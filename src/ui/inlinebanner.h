#pragma once

#include <QFrame>

class QLabel;
class QPushButton;
class QToolButton;

namespace Llamadesk
{
// A message above the chat for something the user can fix: what is wrong, one action that
// fixes it, and a close button. Never a modal dialog for that.
class InlineBanner final : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InlineBanner)

public:
    enum class Level { Info, Warning, Error };

    explicit InlineBanner(QWidget *parent = nullptr);

    // actionText empty: no action button.
    void showMessage(Level level, const QString &text, const QString &actionText = {});
    QString text() const;
    Level level() const;

Q_SIGNALS:
    void actionTriggered();

private:
    QLabel *m_text;
    QPushButton *m_action;
    QToolButton *m_close;
    Level m_level = Level::Info;
};
} // namespace Llamadesk
