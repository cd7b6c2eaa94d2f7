#pragma once

#include <memory>

namespace Llamadesk
{
class ProcessGuard;

// The one place where the platform's implementation of each concern is chosen.
namespace Platform
{
std::unique_ptr<ProcessGuard> createProcessGuard();
} // namespace Platform
} // namespace Llamadesk
