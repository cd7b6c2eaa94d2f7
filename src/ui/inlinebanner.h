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

    // actionText empty: no action button; secondActionText likewise for a second one.
    void showMessage(Level level, const QString &text, const QString &actionText = {},
                     const QString &secondActionText = {});
    QString text() const;
    Level level() const;

Q_SIGNALS:
    void actionTriggered();
    void secondActionTriggered();

private:
    QLabel *m_text;
    QPushButton *m_action;
    QPushButton *m_secondAction;
    QToolButton *m_close;
    Level m_level = Level::Info;
};
} // namespace Llamadesk
