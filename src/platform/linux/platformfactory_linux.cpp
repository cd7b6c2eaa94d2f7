#include "platform/linux/linuxprocessguard.h"
#include "platform/platformfactory.h"
#include "platform/linux/portalscreengrabber.h"
#include "platform/qscreengrabber.h"
#include "platform/linux/x11activewindow.h"
#include "platform/linux/x11globalhotkey.h"

#include <QGuiApplication>

namespace Llamadesk::Platform
{
std::unique_ptr<ProcessGuard> createProcessGuard()
{
    return std::make_unique<LinuxProcessGuard>();
}

std::unique_ptr<GlobalHotkey> createGlobalHotkey(QKeyCombination combination)
{
    // X11 sessions (and XWayland apps get no global keys: the class says so on Wayland).
    return std::make_unique<X11GlobalHotkey>(combination);
}

std::unique_ptr<ScreenGrabber> createScreenGrabber()
{
    const QString platform = QGuiApplication::platformName();
    if (screenshotsNeedPortal(platform, qEnvironmentVariable("XDG_SESSION_TYPE"),
                              qEnvironmentVariable("WAYLAND_DISPLAY"))) {
        return std::make_unique<PortalScreenGrabber>();
    }
    if (platform == u"xcb")
        return std::make_unique<QScreenGrabber>(&X11::activeWindow);
    return std::make_unique<QScreenGrabber>(); // offscreen, eglfs, …: the screen only
}
} // namespace Llamadesk::Platform
