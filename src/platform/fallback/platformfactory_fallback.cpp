#include "fallbackprocessguard.h"
#include "platformfactory.h"
#include "unsupportedglobalhotkey.h"

namespace Llamadesk::Platform
{
std::unique_ptr<ProcessGuard> createProcessGuard()
{
    return std::make_unique<FallbackProcessGuard>();
}

std::unique_ptr<GlobalHotkey> createGlobalHotkey()
{
    return std::make_unique<UnsupportedGlobalHotkey>();
}
} // namespace Llamadesk::Platform
