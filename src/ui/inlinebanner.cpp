#include "inlinebanner.h"

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

    connect(m_action, &QPushButton::clicked, this, &InlineBanner::actionTriggered);
    connect(m_secondAction, &QPushButton::clicked, this, &InlineBanner::secondActionTriggered);
    connect(m_close, &QToolButton::clicked, this, &InlineBanner::hide);
    hide();
}

void InlineBanner::showMessage(Level level, const QString &text, const QString &actionText,
                               const QString &secondActionText)
{
    m_level = level;
    m_text->setText(text);
    m_action->setText(actionText);
    m_action->setVisible(!actionText.isEmpty());
    m_secondAction->setText(secondActionText);
    m_secondAction->setVisible(!secondActionText.isEmpty());
    const char *colors = level == Level::Error     ? "background: #fde8e8; color: #7a1c1c;"
                         : level == Level::Warning ? "background: #fff4d6; color: #5c4200;"
                                                   : "background: #e6f0fd; color: #15385e;";
    setStyleSheet(QStringLiteral("#inlineBanner { %1 border: 1px solid palette(mid); border-radius: 4px; }"
                                 " #bannerText { %1 }")
                      .arg(QLatin1String(colors)));
    show();
}

QString InlineBanner::text() const
{
    return m_text->text();
}

InlineBanner::Level InlineBanner::level() const
{
    return m_level;
}
} // namespace Llamadesk
