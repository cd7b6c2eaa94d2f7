#pragma once

#include <QStringList>

class QAbstractSpinBox;

namespace Llamadesk
{
// The width at which the spin box shows each of the texts whole: the style's frame and arrows,
// the line edit's margins and room for the cursor, around the widest text in the box's font.
// Qt 6.4's size hints leave out a special value text ("Automatic" showed as "natic") and are a
// few pixels short for the others.
int spinBoxWidthFor(const QAbstractSpinBox *spin, const QStringList &texts);

// Gives the spin box at least the width to show every text it can: its special value text and
// its lowest and highest values with prefix and suffix.
void fitSpinBoxToItsTexts(QAbstractSpinBox *spin);
} // namespace Llamadesk
