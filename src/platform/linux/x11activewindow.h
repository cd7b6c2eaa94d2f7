#pragma once

#include "platform/qscreengrabber.h"

#include <optional>

namespace Llamadesk::X11
{
// _NET_ACTIVE_WINDOW from the root window, with that window's place on the root window. nullopt
// when Qt does not run on X11 or no window manager sets the property (bare Xvfb); id 0 when
// the window manager says that no window is active or names a window that is gone.
// Round trips to the X server on Qt's connection: a few microseconds on a local display.
std::optional<ActiveWindow> activeWindow();
} // namespace Llamadesk::X11
