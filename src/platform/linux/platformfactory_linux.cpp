#include "linuxprocessguard.h"
#include "platformfactory.h"
#include "x11globalhotkey.h"

namespace Llamadesk::Platform
{
std::unique_ptr<ProcessGuard> createProcessGuard()
{
    return std::make_unique<LinuxProcessGuard>();
}

std::unique_ptr<GlobalHotkey> createGlobalHotkey()
{
    // X11 sessions (and XWayland apps get no global keys: the class says so on Wayland).
    return std::make_unique<X11GlobalHotkey>();
}
} // namespace Llamadesk::Platform
