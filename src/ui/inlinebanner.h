#pragma once

#include "application/notice.h"

#include <QFrame>

class QLabel;
class QPushButton;
class QToolButton;

namespace Llamadesk
{
// A message above the chat for something the user can fix: what is wrong, the actions that fix
// it (a Notice's, each bound to what it was made for), and a close button. Never a modal dialog.
class InlineBanner final : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InlineBanner)

public:
    using Level = Notice::Level;

    explicit InlineBanner(QWidget *parent = nullptr);

    // Shows the notice (the first two actions as buttons); an empty text hides the banner.
    void showNotice(const Notice &notice);
    // Hides the banner when what it shows is about topic (a problem that is over).
    void withdraw(Notice::Topic topic);
    QString text() const;
    Level level() const;
    Notice::Topic topic() const;

private:
    void run(int index);

    QLabel *m_text;
    QPushButton *m_action;
    QPushButton *m_secondAction;
    QToolButton *m_close;
    Notice m_notice;
};
} // namespace Llamadesk
