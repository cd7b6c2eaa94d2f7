#include "fallbackprocessguard.h"
#include "platformfactory.h"
#include "qscreengrabber.h"
#include "unsupportedglobalhotkey.h"

namespace Llamadesk::Platform
{
std::unique_ptr<ProcessGuard> createProcessGuard()
{
    return std::make_unique<FallbackProcessGuard>();
}

std::unique_ptr<GlobalHotkey> createGlobalHotkey(QKeyCombination combination)
{
    return std::make_unique<UnsupportedGlobalHotkey>(combination);
}

std::unique_ptr<ScreenGrabber> createScreenGrabber()
{
    // Windows and macOS: QScreen grabs the screen (macOS: a black picture means the Screen
    // Recording permission is missing, and QScreenGrabber says so). The active window is not
    // looked up yet.
    return std::make_unique<QScreenGrabber>();
}
} // namespace Llamadesk::Platform
