#include "ui/chat/render/markdownblocks.h"

#include <optional>

namespace Llamadesk
{
namespace
{
bool isBlank(QStringView line)
{
    for (const QChar c : line) {
        if (c != u' ' && c != u'\t' && c != u'\r')
            return false;
    }
    return true;
}

// "```" or "~~~" (three or more) after at most three spaces: the fence's character and length.
struct Fence
{
    QChar marker;
    qsizetype length = 0;
};

Fence fenceOf(QStringView line)
{
    qsizetype i = 0;
    while (i < line.size() && i < 3 && line[i] == u' ')
        ++i;
    if (i >= line.size() || (line[i] != u'`' && line[i] != u'~'))
        return {};
    const QChar marker = line[i];
    qsizetype length = 0;
    while (i + length < line.size() && line[i + length] == marker)
        ++length;
    return length >= 3 ? Fence{marker, length} : Fence{};
}

// Whether a line after a blank line starts a block of its own: not indented (it could continue
// a list item, or be code) and not a list item ("- ", "* ", "+ ", "1. ", "1) ", or the marker
// alone), which could continue the list above with its numbering. complete: the line is all
// there; otherwise std::nullopt while its first characters do not decide yet.
std::optional<bool> startsBlock(QStringView line, bool complete)
{
    // A list marker is followed by a space, a tab or the end of the line.
    const auto markerEnds = [&](qsizetype at) -> std::optional<bool> {
        if (at >= line.size())
            return complete ? std::optional<bool>(true) : std::nullopt;
        return line[at] == u' ' || line[at] == u'\t' || line[at] == u'\r';
    };
    if (line.isEmpty())
        return complete ? std::optional<bool>(false) : std::nullopt;
    const QChar first = line[0];
    if (first == u' ' || first == u'\t')
        return false;
    if (first == u'-' || first == u'*' || first == u'+') {
        const std::optional<bool> marker = markerEnds(1);
        return marker ? std::optional<bool>(!*marker) : std::nullopt;
    }
    if (!first.isDigit())
        return true;
    qsizetype digits = 0;
    while (digits < line.size() && digits < 10 && line[digits].isDigit())
        ++digits;
    if (digits == line.size())
        return complete ? std::optional<bool>(true) : std::nullopt;
    if (line[digits] != u'.' && line[digits] != u')')
        return true;
    const std::optional<bool> marker = markerEnds(digits + 1);
    return marker ? std::optional<bool>(!*marker) : std::nullopt;
}
} // namespace

QList<qsizetype> markdownBoundaries(QStringView markdown)
{
    QList<qsizetype> boundaries;
    Fence open;
    bool afterBlank = false;
    bool anyBlock = false;
    qsizetype start = 0;
    while (start < markdown.size()) {
        const qsizetype newline = markdown.indexOf(u'\n', start);
        if (newline < 0) {
            // The line being written: a boundary before it once its first characters tell.
            if (open.length == 0 && afterBlank && startsBlock(markdown.mid(start), false).value_or(false))
                boundaries.append(start);
            break;
        }
        const QStringView line = markdown.mid(start, newline - start);
        if (open.length > 0) {
            const Fence close = fenceOf(line);
            if (close.marker == open.marker && close.length >= open.length && isBlank(line.mid(line.indexOf(close.marker) + close.length)))
                open = {};
            afterBlank = false;
        } else if (isBlank(line)) {
            afterBlank = anyBlock;
        } else {
            if (afterBlank && startsBlock(line, true).value_or(false))
                boundaries.append(start);
            afterBlank = false;
            anyBlock = true;
            open = fenceOf(line);
        }
        start = newline + 1;
    }
    return boundaries;
}

qsizetype stableMarkdownPrefix(QStringView markdown)
{
    const QList<qsizetype> boundaries = markdownBoundaries(markdown);
    return boundaries.isEmpty() ? 0 : boundaries.constLast();
}
} // namespace Llamadesk
