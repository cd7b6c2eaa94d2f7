#include "linuxprocessguard.h"
#include "platformfactory.h"

namespace Llamadesk::Platform
{
std::unique_ptr<ProcessGuard> createProcessGuard()
{
    return std::make_unique<LinuxProcessGuard>();
}
} // namespace Llamadesk::Platform
