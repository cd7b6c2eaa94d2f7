#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QStringList>

namespace Llamadesk
{
// Turns the chunks QProcess hands out into whole lines and keeps the unfinished tail between
// calls. A line ends at "\n"; a "\r" just before it is dropped, so "\r\n" works too. Bytes are
// decoded as UTF-8 with invalid sequences replaced by U+FFFD, never dropped.
//
// A line longer than maxLineBytes is cut into pieces of at most maxLineBytes (moved back to
// the start of a UTF-8 character when the cut would split one), so a child that prints
// without newlines cannot grow memory without bound. Where the cuts fall depends only on the
// bytes, not on how they were chunked. Each byte is looked at a bounded number of times: the
// work is linear in the input however small the chunks.
class LineSplitter final
{
    Q_DISABLE_COPY_MOVE(LineSplitter)

public:
    static constexpr qsizetype DefaultMaxLineBytes = 64 * 1024;

    explicit LineSplitter(qsizetype maxLineBytes = DefaultMaxLineBytes);

    // The lines completed by this chunk, without their terminators.
    QStringList feed(QByteArrayView chunk);
    // The unterminated tail as a last line, if there is one; the splitter is empty afterwards.
    QStringList finish();
    // Forgets the unfinished tail (a new process).
    void reset();

    qsizetype maxLineBytes() const;
    // Bytes held back waiting for the end of their line.
    qsizetype pendingBytes() const;

private:
    void cutOverlongPending(QStringList &out, bool complete);

    qsizetype m_maxLineBytes;
    QByteArray m_pending;
};
} // namespace Llamadesk
