#pragma once

#include <QColor>
#include <QFont>

class QPalette;

namespace Llamadesk
{
// The transcript's colours, derived from the widget palette, so that a dark theme gets dark
// cards and the same colours serve the layout (link formats) and the painting.
struct TranscriptPalette
{
    QColor text;
    QColor muted; // labels, statistics, reasoning
    QColor link;
    QColor error;
    QColor userCard;
    QColor assistantCard;
    QColor border;
    QColor codeBackground;
    bool dark = false;

    static TranscriptPalette from(const QPalette &palette);
};

// The fonts and colours of the cards, derived once from the view's palette and font.
struct MessageStyle
{
    QFont font;
    QFont boldFont;
    QFont smallFont;
    TranscriptPalette colors;
    int lineSpacing = 0;
    int smallLineSpacing = 0;
    int boldHeight = 0;
    int averageCharWidth = 0;

    static MessageStyle from(const QPalette &palette, const QFont &font);
};

// a and b mixed: t = 0 is a, 1 is b.
QColor mixColors(const QColor &a, const QColor &b, double t);
} // namespace Llamadesk
