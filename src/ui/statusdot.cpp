#include "ui/statusdot.h"

#include <QEvent>
#include <QPainter>

namespace Llamadesk
{
StatusDot::StatusDot(QWidget *parent)
    : QAbstractButton(parent)
{
    setCursor(Qt::PointingHandCursor);
    // By Tab only: a click must leave the focus where the user types, or the next Space
    // would open the settings.
    setFocusPolicy(Qt::TabFocus);
    setObjectName(QStringLiteral("statusDot"));
    setState(ServerState::Unknown);
}

ServerState StatusDot::state() const
{
    return m_state;
}

QColor StatusDot::colorFor(StatusColor color)
{
    switch (color) {
    case StatusColor::Green:
        return QColor(0x2e, 0xb8, 0x4b);
    case StatusColor::Yellow:
        return QColor(0xf2, 0xb7, 0x05);
    case StatusColor::Red:
        return QColor(0xd9, 0x3a, 0x3a);
    case StatusColor::Grey:
        break;
    }
    return QColor(0x8a, 0x8f, 0x98);
}

QColor StatusDot::color() const
{
    return colorFor(statusColorFor(m_state));
}

void StatusDot::setState(ServerState state, const QString &detail)
{
    m_state = state;
    m_detail = detail;
    updateToolTip();
    setAccessibleName(tr("Server status: %1").arg(displayName(state)));
    update();
}

void StatusDot::setDetailProvider(std::function<QString()> provider)
{
    m_detailProvider = std::move(provider);
    updateToolTip();
}

void StatusDot::updateToolTip()
{
    QString tip = tr("llama-server: %1").arg(displayName(m_state));
    if (!m_detail.isEmpty() && m_detail != displayName(m_state))
        tip += u'\n' + m_detail;
    if (m_detailProvider) {
        const QString more = m_detailProvider();
        if (!more.isEmpty())
            tip += u'\n' + more;
    }
    tip += u'\n' + tr("Click for server settings");
    setToolTip(tip);
}

bool StatusDot::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip)
        updateToolTip();
    return QAbstractButton::event(event);
}

QSize StatusDot::sizeHint() const
{
    return {Diameter + 8, Diameter + 8};
}

void StatusDot::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QRectF dot(QPointF(0, 0), QSizeF(Diameter, Diameter));
    const QRectF centred = dot.translated(rect().center() - dot.center());
    const QColor fill = color();
    painter.setPen(QPen(fill.darker(130), 1));
    painter.setBrush(isDown() ? fill.darker(115) : fill);
    painter.drawEllipse(centred.adjusted(0.5, 0.5, -0.5, -0.5));
    if (hasFocus()) {
        painter.setBrush(Qt::NoBrush);
        painter.setPen(QPen(palette().highlight().color(), 1.5));
        painter.drawEllipse(centred.adjusted(-3, -3, 3, 3));
    }
}
} // namespace Llamadesk
