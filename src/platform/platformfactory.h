#pragma once

#include <memory>

class QObject;

namespace Llamadesk
{
class GlobalHotkey;
class ProcessGuard;

// The one place where the platform's implementation of each concern is chosen.
namespace Platform
{
std::unique_ptr<ProcessGuard> createProcessGuard();
std::unique_ptr<GlobalHotkey> createGlobalHotkey();
} // namespace Platform
} // namespace Llamadesk
