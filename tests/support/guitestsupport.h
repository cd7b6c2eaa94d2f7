#pragma once

#include <QString>

class QWidget;

namespace Llamadesk::TestSupport
{
// Saves what the widget shows as build/<preset>/test-artifacts/<name>.png and returns the
// path, or an empty string when nothing could be saved.
QString saveScreenshot(QWidget *widget, const QString &name);
// Saves the whole screen the way a person would see it (QScreen::grabWindow(0)).
QString saveScreenScreenshot(const QString &name);
} // namespace Llamadesk::TestSupport
