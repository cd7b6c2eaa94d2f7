#pragma once

#include <QKeyCombination>

#include <memory>

namespace Llamadesk
{
class GlobalHotkey;
class ProcessGuard;
class ScreenGrabber;

// The one place where the platform's implementation of each concern is chosen.
namespace Platform
{
std::unique_ptr<ProcessGuard> createProcessGuard();
// combination: Ctrl, Shift, Alt and/or Meta with a letter A-Z or a digit 0-9 (see GlobalHotkey).
std::unique_ptr<GlobalHotkey>
createGlobalHotkey(QKeyCombination combination = QKeyCombination(Qt::ControlModifier | Qt::ShiftModifier, Qt::Key_V));
// Needs the QGuiApplication: the choice depends on its platform (X11 or Wayland).
std::unique_ptr<ScreenGrabber> createScreenGrabber();
} // namespace Platform
} // namespace Llamadesk
