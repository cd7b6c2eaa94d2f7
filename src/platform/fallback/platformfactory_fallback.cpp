#include "platform/fallback/fallbackprocessguard.h"
#include "platform/platformfactory.h"
#include "platform/qscreengrabber.h"
#include "platform/fallback/unsupportedglobalhotkey.h"

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
