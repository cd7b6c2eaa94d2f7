#include "ui/regionoverlay.h"

#include <QCloseEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QPointer>

#include <algorithm>
#include <cmath>

namespace Llamadesk
{
namespace
{
const QColor Dim(0, 0, 0, 110);
const QColor Accent(0x3d, 0xae, 0xe9);
const QColor LabelBackground(20, 20, 20, 215);

// A rounded dark box with white text, for the size label and the hint.
QRectF drawLabel(QPainter &painter, const QPointF &topLeft, const QString &text, const QRectF &bounds)
{
    const QFontMetricsF metrics(painter.font());
    QRectF box(topLeft, QSizeF(metrics.horizontalAdvance(text) + 16, metrics.height() + 8));
    // Kept on screen.
    box.moveLeft(std::clamp(box.left(), bounds.left() + 4, std::max(bounds.left() + 4, bounds.right() - box.width() - 4)));
    box.moveTop(std::clamp(box.top(), bounds.top() + 4, std::max(bounds.top() + 4, bounds.bottom() - box.height() - 4)));
    painter.setPen(Qt::NoPen);
    painter.setBrush(LabelBackground);
    painter.drawRoundedRect(box, 5, 5);
    painter.setPen(Qt::white);
    painter.drawText(box, Qt::AlignCenter, text);
    return box;
}
} // namespace

RegionOverlay::RegionOverlay(const QImage &frozen, const QRect &screenGeometry, QWidget *parent)
    : QWidget(parent, Qt::Window | Qt::FramelessWindowHint | Qt::WindowStaysOnTopHint | Qt::Tool
                          | Qt::BypassWindowManagerHint)
    , m_frozen(frozen)
    , m_screenGeometry(screenGeometry)
{
    setObjectName(QStringLiteral("regionOverlay"));
    setWindowTitle(tr("Select a region"));
    if (m_screenGeometry.isEmpty())
        m_screenGeometry = QRect(QPoint(0, 0), m_frozen.deviceIndependentSize().toSize());
    setAttribute(Qt::WA_OpaquePaintEvent);
    setAttribute(Qt::WA_NoSystemBackground);
    setCursor(Qt::CrossCursor);
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
}

RegionOverlay::~RegionOverlay() = default;

void RegionOverlay::start()
{
    setGeometry(m_screenGeometry);
    show();
    activateWindow();
    raise();
    setFocus(Qt::ActiveWindowFocusReason);
    // The overlay bypasses the window manager (it must cover panels too), so it would not get
    // the keyboard by being active.
    grabKeyboard();
}

QString RegionOverlay::hintText()
{
    return tr("Drag to select · Enter: whole screen · Esc: cancel");
}

QRectF RegionOverlay::selectionF() const
{
    if (!m_dragging && !m_moved)
        return {};
    return QRectF(m_origin, m_current).normalized().intersected(QRectF(rect()));
}

bool RegionOverlay::isDrag() const
{
    // A hand that shakes a little while clicking still clicks.
    const QPointF delta = m_current - m_origin;
    return std::abs(delta.x()) >= MinSelection || std::abs(delta.y()) >= MinSelection;
}

QRect RegionOverlay::selection() const
{
    return selectionF().toAlignedRect();
}

QRect RegionOverlay::toPixels(const QRectF &logical) const
{
    // Pixels per logical pixel: the image's devicePixelRatio when the window has the size it
    // asked for, and still right when it does not (what is painted is scaled to the window).
    const double sx = width() > 0 ? static_cast<double>(m_frozen.width()) / width() : m_frozen.devicePixelRatio();
    const double sy = height() > 0 ? static_cast<double>(m_frozen.height()) / height() : m_frozen.devicePixelRatio();
    // Rounded to the nearest thousandth first, so that 100 × 1.5 is 150, not 151.
    auto snap = [](double v) { return std::round(v * 1000) / 1000; };
    const int left = static_cast<int>(std::floor(snap(logical.left() * sx)));
    const int top = static_cast<int>(std::floor(snap(logical.top() * sy)));
    const int right = static_cast<int>(std::ceil(snap(logical.right() * sx)));
    const int bottom = static_cast<int>(std::ceil(snap(logical.bottom() * sy)));
    return QRect(QPoint(left, top), QPoint(right - 1, bottom - 1)).intersected(m_frozen.rect());
}

void RegionOverlay::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    painter.drawImage(QRectF(rect()), m_frozen);
    const QRectF chosen = selectionF();
    QPainterPath dimmed;
    dimmed.addRect(QRectF(rect()));
    if (!chosen.isEmpty()) {
        QPainterPath hole;
        hole.addRect(chosen);
        dimmed = dimmed.subtracted(hole);
    }
    painter.fillPath(dimmed, Dim);

    if (!chosen.isEmpty()) {
        painter.setPen(QPen(Accent, 1));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(chosen.adjusted(0.5, 0.5, -0.5, -0.5));
        const QRect pixels = toPixels(chosen);
        const QString size = tr("%1 × %2").arg(pixels.width()).arg(pixels.height());
        const QFontMetricsF metrics(painter.font());
        // Above the selection, or inside it when there is no room above.
        const double labelHeight = metrics.height() + 8;
        QPointF at(chosen.left(), chosen.top() - labelHeight - 4);
        if (at.y() < 4)
            at.setY(chosen.top() + 4);
        drawLabel(painter, at, size, QRectF(rect()));
    }
    if (!m_dragging) {
        const QFontMetricsF metrics(painter.font());
        const double width = metrics.horizontalAdvance(hintText()) + 16;
        drawLabel(painter, QPointF((this->width() - width) / 2, 24), hintText(), QRectF(rect()));
    }
}

void RegionOverlay::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::RightButton) {
        cancel();
        return;
    }
    if (event->button() != Qt::LeftButton)
        return;
    m_origin = event->position();
    m_current = m_origin;
    m_dragging = true;
    m_moved = false;
    update();
}

void RegionOverlay::mouseMoveEvent(QMouseEvent *event)
{
    if (!m_dragging)
        return;
    m_current = event->position();
    m_moved = m_moved || isDrag();
    update();
}

void RegionOverlay::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || !m_dragging)
        return;
    m_current = event->position();
    m_dragging = false;
    m_moved = m_moved || isDrag();
    if (!m_moved) {
        // A click: the whole screen.
        pick(m_frozen.rect());
        return;
    }
    const QRectF chosen = selectionF();
    if (chosen.width() < MinSelection || chosen.height() < MinSelection) {
        // A sliver is more likely a slip than a wish: start again.
        m_moved = false;
        update();
        return;
    }
    pick(toPixels(chosen));
}

void RegionOverlay::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Escape:
        cancel();
        return;
    case Qt::Key_Return:
    case Qt::Key_Enter:
        pick(m_frozen.rect());
        return;
    default:
        QWidget::keyPressEvent(event);
    }
}

void RegionOverlay::closeEvent(QCloseEvent *event)
{
    // Closed from outside (the window manager, the app quitting): that is a cancel.
    if (!m_done) {
        m_done = true;
        Q_EMIT cancelled();
    }
    releaseKeyboard();
    event->accept();
    deleteLater();
}

void RegionOverlay::pick(const QRect &pixelRect)
{
    if (m_done)
        return;
    m_done = true;
    QImage cropped = m_frozen.copy(pixelRect);
    cropped.setDevicePixelRatio(1);
    QPointer<RegionOverlay> guard(this);
    Q_EMIT selected(cropped, pixelRect);
    if (guard)
        finish();
}

void RegionOverlay::cancel()
{
    if (m_done)
        return;
    m_done = true;
    QPointer<RegionOverlay> guard(this);
    Q_EMIT cancelled();
    if (guard)
        finish();
}

void RegionOverlay::finish()
{
    releaseKeyboard();
    hide();
    deleteLater();
}
} // namespace Llamadesk
