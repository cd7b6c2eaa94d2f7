#include "platform/qscreengrabber.h"

#include <QCursor>
#include <QGuiApplication>
#include <QPixmap>
#include <QScreen>
#include <QWindow>

#include <algorithm>

namespace Llamadesk
{
namespace
{
bool isOwnWindow(WId id)
{
    const QWindowList windows = QGuiApplication::allWindows();
    // handle() first: winId() would create a native window for one that has none yet.
    return std::any_of(windows.cbegin(), windows.cend(),
                       [id](const QWindow *window) { return window->handle() && window->winId() == id; });
}

// Qt places a scaled screen's logical geometry at its native top-left corner and divides only
// the size (and offsets within it) by the device pixel ratio.
QRect nativeGeometry(const QScreen *screen)
{
    const QRect logical = screen->geometry();
    return {logical.topLeft(), (QSizeF(logical.size()) * screen->devicePixelRatio()).toSize()};
}
} // namespace

bool looksBlank(const QImage &image)
{
    if (image.isNull())
        return true;
    const bool direct = image.format() == QImage::Format_RGB32 || image.format() == QImage::Format_ARGB32
        || image.format() == QImage::Format_ARGB32_Premultiplied;
    const QImage pixels = direct ? image : image.convertToFormat(QImage::Format_RGB32);
    for (int y = 0; y < pixels.height(); ++y) {
        const auto *line = reinterpret_cast<const QRgb *>(pixels.constScanLine(y));
        for (int x = 0; x < pixels.width(); ++x) {
            if ((line[x] & 0x00ffffffu) != 0)
                return false;
        }
    }
    return true;
}

QScreenGrabber::QScreenGrabber(ActiveWindowFinder activeWindow, QObject *parent)
    : ScreenGrabber(parent)
    , m_activeWindow(std::move(activeWindow))
{
}

QScreenGrabber::~QScreenGrabber() = default;

bool QScreenGrabber::supports(Target target) const
{
    switch (target) {
    case Target::Screen:
        return true;
    case Target::Window:
        return m_activeWindow && m_activeWindow().has_value();
    case Target::Interactive:
        return false;
    }
    return false;
}

QString QScreenGrabber::unsupportedReason(Target target) const
{
    switch (target) {
    case Target::Screen:
        return {};
    case Target::Window:
        if (!m_activeWindow)
            return tr("Capturing a single window is not available on this system yet; capture the screen instead.");
        if (!m_activeWindow())
            return tr("Capturing a single window needs a window manager that reports the active window.");
        return {};
    case Target::Interactive:
        return tr("Choosing an area is done in Llamadesk's own overlay on this system.");
    }
    return {};
}

void QScreenGrabber::grab(Target target)
{
    switch (target) {
    case Target::Screen:
        grabScreen();
        return;
    case Target::Window:
        grabActiveWindow();
        return;
    case Target::Interactive:
        fail(unsupportedReason(target));
        return;
    }
}

void QScreenGrabber::grabScreen()
{
    QScreen *screen = QGuiApplication::screenAt(QCursor::pos());
    if (!screen)
        screen = QGuiApplication::primaryScreen();
    if (!screen) {
        fail(tr("The screen could not be captured: no screen is connected."));
        return;
    }
    // In Qt 6, window 0 stands for this screen: the area counts from its own top-left corner
    // and defaults to all of it (not the whole virtual desktop).
    const QPixmap pixmap = screen->grabWindow(0);
    if (pixmap.isNull()) {
        fail(tr("The screen could not be captured: the window system returned no picture."));
        return;
    }
    deliver(pixmap.toImage(), screen->geometry());
}

void QScreenGrabber::grabActiveWindow()
{
    if (!m_activeWindow) {
        fail(unsupportedReason(Target::Window));
        return;
    }
    const std::optional<ActiveWindow> active = m_activeWindow();
    if (!active) {
        fail(tr("Capturing a single window needs a window manager that reports the active window."));
        return;
    }
    if (active->id == 0 || isOwnWindow(active->id) || active->nativeGeometry.isEmpty()) {
        fail(tr("No other program's window is active; click the window to capture first."));
        return;
    }
    const QPoint centre = active->nativeGeometry.center();
    QScreen *screen = QGuiApplication::primaryScreen();
    const QList<QScreen *> screens = QGuiApplication::screens();
    for (QScreen *candidate : screens) {
        if (nativeGeometry(candidate).contains(centre)) {
            screen = candidate;
            break;
        }
    }
    if (!screen) {
        fail(tr("The window could not be captured: no screen is connected."));
        return;
    }
    // The pixels as the screen shows them, windows overlapping it included: what the user sees.
    const QPixmap pixmap = screen->grabWindow(active->id);
    if (pixmap.isNull()) {
        fail(tr("The window could not be captured: it closed, or the window system returned no picture."));
        return;
    }
    const qreal ratio = screen->devicePixelRatio();
    const QPoint origin = screen->geometry().topLeft();
    const QRect native = active->nativeGeometry;
    const QRect geometry(origin + (QPointF(native.topLeft() - origin) / ratio).toPoint(),
                         (QSizeF(native.size()) / ratio).toSize());
    deliver(pixmap.toImage(), geometry);
}

void QScreenGrabber::deliver(const QImage &image, const QRect &geometry)
{
#ifdef Q_OS_MACOS
    // Without the Screen Recording permission macOS does not refuse: it hands out a black picture.
    if (looksBlank(image)) {
        fail(tr("macOS did not let Llamadesk see the screen. Allow Llamadesk in System Settings → Privacy & "
                "Security → Screen Recording, then start Llamadesk again."));
        return;
    }
#endif
    QMetaObject::invokeMethod(
        this, [this, image, geometry] { Q_EMIT captured(image, geometry); }, Qt::QueuedConnection);
}

void QScreenGrabber::fail(const QString &message)
{
    QMetaObject::invokeMethod(this, [this, message] { Q_EMIT failed(message); }, Qt::QueuedConnection);
}
} // namespace Llamadesk
