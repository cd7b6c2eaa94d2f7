#pragma once

#include <QList>
#include <QStringView>

namespace Llamadesk
{
// How much of a markdown text (a streaming answer, so far) is made of top-level blocks that no
// text appended later can change: the length of that prefix, ending where a later block
// starts. Pure.
//
// A boundary is a blank line outside a fenced code block that is followed by a line starting a
// block of its own: not indented (which could continue a list item or be code), and not a list
// item (which could continue the list before the blank line, with its numbering). The line may
// still be being written: its first characters tell ("The…" does, "1" does not yet).
// Everything before such a boundary renders the same whether it is parsed alone or with what
// follows, so a streaming answer is parsed once up to there and only the rest is parsed again.
// (Link reference definitions later in the text could still change earlier links; answers do
// not use them, and the finished answer is not parsed again for them.)
qsizetype stableMarkdownPrefix(QStringView markdown);
// Every such boundary, in order (the positions where a block starts that nothing before it
// can change); the last one is stableMarkdownPrefix().
QList<qsizetype> markdownBoundaries(QStringView markdown);
} // namespace Llamadesk
