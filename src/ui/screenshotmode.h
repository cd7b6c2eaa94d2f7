#pragma once

namespace Llamadesk
{
// What the screenshot button asks for: a region picked on the frozen screen (RegionOverlay),
// the whole screen under the pointer, or the active window.
enum class ScreenshotMode { Region, Screen, Window };
} // namespace Llamadesk
