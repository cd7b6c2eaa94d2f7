#include "ui/chat/render/palette.h"

#include <QFontMetrics>
#include <QPalette>

#include <algorithm>

namespace Llamadesk
{
QColor mixColors(const QColor &a, const QColor &b, double t)
{
    return QColor::fromRgbF(static_cast<float>(a.redF() * (1 - t) + b.redF() * t),
                            static_cast<float>(a.greenF() * (1 - t) + b.greenF() * t),
                            static_cast<float>(a.blueF() * (1 - t) + b.blueF() * t));
}

TranscriptPalette TranscriptPalette::from(const QPalette &palette)
{
    TranscriptPalette colors;
    const QColor base = palette.color(QPalette::Base);
    colors.dark = base.lightnessF() < 0.5;
    colors.text = palette.color(QPalette::Text);
    colors.muted = mixColors(colors.text, base, 0.45);
    colors.link = palette.color(QPalette::Link);
    colors.error = colors.dark ? QColor(0xef, 0x7a, 0x7a) : QColor(0xb7, 0x1c, 0x1c);
    colors.userCard = mixColors(base, palette.color(QPalette::Highlight), colors.dark ? 0.22 : 0.10);
    colors.assistantCard = base;
    colors.border = mixColors(base, colors.text, 0.13);
    colors.codeBackground = mixColors(base, colors.text, colors.dark ? 0.10 : 0.055);
    return colors;
}

MessageStyle MessageStyle::from(const QPalette &palette, const QFont &font)
{
    MessageStyle style;
    style.font = font;
    style.boldFont = font;
    style.boldFont.setWeight(QFont::DemiBold);
    style.smallFont = font;
    if (font.pointSizeF() > 0)
        style.smallFont.setPointSizeF(font.pointSizeF() * 0.88);
    else
        style.smallFont.setPixelSize(std::max(9, font.pixelSize() * 88 / 100));
    style.colors = TranscriptPalette::from(palette);
    const QFontMetrics metrics(font);
    style.lineSpacing = metrics.lineSpacing();
    style.averageCharWidth = std::max(1, metrics.averageCharWidth());
    style.smallLineSpacing = QFontMetrics(style.smallFont).lineSpacing();
    style.boldHeight = QFontMetrics(style.boldFont).height();
    return style;
}
} // namespace Llamadesk
