#pragma once

#include "platform/screengrabber.h"

#include <QRect>
#include <QtGui/qwindowdefs.h>

#include <functional>
#include <optional>

namespace Llamadesk
{
// The window the window system reports as active.
struct ActiveWindow
{
    WId id = 0;           // 0: the window system says no window is active
    QRect nativeGeometry; // on the virtual desktop, in device pixels
};
// Asks the window system for the active window; nullopt when it does not tell (on X11: no
// window manager sets _NET_ACTIVE_WINDOW). Supplied by the platform factory (linux/x11activewindow).
using ActiveWindowFinder = std::function<std::optional<ActiveWindow>()>;

// True for a capture that holds nothing: null, or every pixel black. macOS hands out such a
// picture when the app lacks the Screen Recording permission.
bool looksBlank(const QImage &image);

// QScreen::grabWindow: X11, Windows and macOS. Screen grabs the screen under the mouse pointer;
// Window grabs the active window where an ActiveWindowFinder is given (X11), the pixels as the
// screen shows them (overlapping windows included); Interactive is Llamadesk's own overlay's job.
class QScreenGrabber final : public ScreenGrabber
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QScreenGrabber)

public:
    explicit QScreenGrabber(ActiveWindowFinder activeWindow = {}, QObject *parent = nullptr);
    ~QScreenGrabber() override;

    bool supports(Target target) const override;
    QString unsupportedReason(Target target) const override;
    // Grabs at once (what the screen shows now); the result follows through the event loop.
    void grab(Target target) override;

private:
    void grabScreen();
    void grabActiveWindow();
    void deliver(const QImage &image, const QRect &geometry);
    void fail(const QString &message);

    ActiveWindowFinder m_activeWindow;
};
} // namespace Llamadesk
