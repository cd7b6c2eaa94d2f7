#include "fallbackprocessguard.h"
#include "platformfactory.h"

namespace Llamadesk::Platform
{
std::unique_ptr<ProcessGuard> createProcessGuard()
{
    return std::make_unique<FallbackProcessGuard>();
}
} // namespace Llamadesk::Platform
