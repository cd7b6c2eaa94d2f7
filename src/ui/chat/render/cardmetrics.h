#pragma once

#include <QRect>

#include <algorithm>

namespace Llamadesk
{
// The measures of a message card, in one place for the layout, the painting and the height
// estimate of rows not laid out yet: a change here moves all three together.
struct CardMetrics
{
    // Around the card in its row, and inside it around the content.
    static constexpr int OuterH = 16;
    static constexpr int OuterV = 6;
    static constexpr int PadH = 16;
    static constexpr int PadV = 12;
    // Between the header, the thinking section, the content, the attachments and the footer.
    static constexpr int Gap = 8;
    static constexpr int Radius = 10;
    static constexpr int MaxCardWidth = 860;
    static constexpr int MinCardWidth = 160;

    // A fenced code block: padding inside its shading, extra room above it, its corners, and
    // the "Copy" line under it.
    static constexpr int CodePad = 8;
    static constexpr int CodeTopExtra = 6;
    static constexpr int CodeRadius = 6;
    static constexpr int CopyLinkTop = 3;
    static constexpr int CopyLinkBottom = 6;
    // Headings in an answer: room above (none for the first block) and below.
    static constexpr int HeadingTop = 10;
    static constexpr int HeadingBottom = 4;
    // The reasoning under an open "Thinking" title, and an error above the footer's links.
    static constexpr int ReasoningIndent = 12;
    static constexpr int ReasoningTop = 4;
    static constexpr int ErrorBottom = 6;
    static constexpr int ThumbnailRadius = 6;

    // The card in a row of that width (centred, between the minimum and maximum width).
    static QRect cardRect(int rowWidth, int rowHeight)
    {
        const int width = std::max(MinCardWidth, std::min(MaxCardWidth, rowWidth - 2 * OuterH));
        const int x = std::max(0, (rowWidth - width) / 2);
        return QRect(x, OuterV, width, std::max(0, rowHeight - 2 * OuterV));
    }
    // The width the content is laid out at.
    static int contentWidth(int rowWidth) { return cardRect(rowWidth, 0).width() - 2 * PadH; }
    // What a fenced code block adds to its lines: the padding, the room above and its Copy line.
    static int codeBlockExtra(int smallLineSpacing)
    {
        return 2 * CodePad + CodeTopExtra + smallLineSpacing + CopyLinkTop + CopyLinkBottom;
    }
    // From the row's top to the first line of content: the margin, the padding and the header.
    static int contentTop(int headerHeight) { return OuterV + PadV + headerHeight + Gap; }
    // From the last part's end (which is followed by a Gap) to the row's bottom.
    static int bottomAfterGap() { return PadV - Gap + OuterV; }
};
} // namespace Llamadesk
