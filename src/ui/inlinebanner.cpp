#include "ui/inlinebanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QToolButton>

namespace Llamadesk
{
InlineBanner::InlineBanner(QWidget *parent)
    : QFrame(parent)
    , m_text(new QLabel(this))
    , m_action(new QPushButton(this))
    , m_secondAction(new QPushButton(this))
    , m_close(new QToolButton(this))
{
    setObjectName(QStringLiteral("inlineBanner"));
    setFrameShape(QFrame::StyledPanel);
    m_text->setObjectName(QStringLiteral("bannerText"));
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_action->setObjectName(QStringLiteral("bannerAction"));
    m_secondAction->setObjectName(QStringLiteral("bannerSecondAction"));
    m_close->setObjectName(QStringLiteral("bannerClose"));
    m_close->setText(QStringLiteral("\u2715"));
    m_close->setToolTip(tr("Dismiss"));
    m_close->setAutoRaise(true);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 6, 6);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_action);
    layout->addWidget(m_secondAction);
    layout->addWidget(m_close, 0, Qt::AlignTop);

    connect(m_action, &QPushButton::clicked, this, [this] { run(0); });
    connect(m_secondAction, &QPushButton::clicked, this, [this] { run(1); });
    connect(m_close, &QToolButton::clicked, this, &InlineBanner::hide);
    hide();
}

void InlineBanner::showNotice(const Notice &notice)
{
    if (notice.text.isEmpty()) {
        hide();
        return;
    }
    m_notice = notice;
    m_text->setText(notice.text);
    QPushButton *buttons[] = {m_action, m_secondAction};
    for (int i = 0; i < 2; ++i) {
        const bool shown = i < notice.actions.size();
        buttons[i]->setText(shown ? notice.actions.at(i).label : QString());
        buttons[i]->setVisible(shown);
    }
    const char *colors = notice.level == Level::Error     ? "background: #fde8e8; color: #7a1c1c;"
                         : notice.level == Level::Warning ? "background: #fff4d6; color: #5c4200;"
                                                          : "background: #e6f0fd; color: #15385e;";
    setStyleSheet(QStringLiteral("#inlineBanner { %1 border: 1px solid palette(mid); border-radius: 4px; }"
                                 " #bannerText { %1 }")
                      .arg(QLatin1String(colors)));
    show();
}

void InlineBanner::withdraw(Notice::Topic topic)
{
    if (isVisible() && m_notice.topic == topic)
        hide();
}

void InlineBanner::run(int index)
{
    if (index >= m_notice.actions.size())
        return;
    // A copy: the action may show another notice, replacing this one.
    const std::function<void()> action = m_notice.actions.at(index).run;
    if (action)
        action();
}

QString InlineBanner::text() const
{
    return m_text->text();
}

InlineBanner::Level InlineBanner::level() const
{
    return m_notice.level;
}

Notice::Topic InlineBanner::topic() const
{
    return m_notice.topic;
}
} // namespace Llamadesk
