#pragma once

#include <QImage>
#include <QPoint>
#include <QRect>
#include <QWidget>

namespace Llamadesk
{
// The region picker: a frameless window over the whole screen showing the screenshot taken a
// moment ago, frozen, dimmed outside the selection. Dragging selects; releasing with a
// selection of at least MinSelection logical pixels picks it. A click without a drag, Enter or
// Return pick the whole image; Esc or a right click cancel. Exactly one of selected() or
// cancelled() is emitted, then the overlay closes and deletes itself.
class RegionOverlay final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RegionOverlay)

public:
    static constexpr int MinSelection = 4;

    // frozen: the screenshot in device pixels, its devicePixelRatio set (a 2x image fills the
    // screen at half its pixel size). screenGeometry: where that screen is, in device-independent
    // pixels; empty: at (0, 0), the image's logical size.
    RegionOverlay(const QImage &frozen, const QRect &screenGeometry, QWidget *parent = nullptr);
    ~RegionOverlay() override;

    // Shows it over the screen, takes the keyboard.
    void start();

    // The selection so far, in logical (widget) coordinates; empty when there is none.
    QRect selection() const;
    // A rectangle in widget coordinates as pixels of the frozen image: scaled by the image's
    // pixels per logical pixel, rounded outward, clipped to the image.
    QRect toPixels(const QRectF &logical) const;
    static QString hintText();

Q_SIGNALS:
    // cropped: frozen.copy(pixelRect) with devicePixelRatio 1; pixelRect in the image's pixels.
    void selected(const QImage &cropped, const QRect &pixelRect);
    void cancelled();

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void closeEvent(QCloseEvent *event) override;

private:
    QRectF selectionF() const;
    bool isDrag() const;
    void pick(const QRect &pixelRect);
    void cancel();
    void finish();

    QImage m_frozen;
    QRect m_screenGeometry;
    QPointF m_origin;
    QPointF m_current;
    bool m_dragging = false;
    bool m_moved = false;
    bool m_done = false;
};
} // namespace Llamadesk
