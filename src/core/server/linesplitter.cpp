#include "core/server/linesplitter.h"

#include <QString>

#include <algorithm>
#include <cstring>

namespace Llamadesk
{
namespace
{
bool isUtf8Continuation(char byte)
{
    return (static_cast<unsigned char>(byte) & 0xC0) == 0x80;
}

// Where to cut a run of bytes that is longer than limit: at limit, or a little earlier so
// that a multi-byte UTF-8 character stays whole. Never 0, so every cut makes progress.
qsizetype cutPosition(QByteArrayView bytes, qsizetype limit)
{
    qsizetype cut = limit;
    // A UTF-8 character has at most 3 continuation bytes.
    for (int back = 0; back < 3 && cut > 1 && isUtf8Continuation(bytes.at(cut)); ++back)
        --cut;
    return isUtf8Continuation(bytes.at(cut)) ? limit : cut;
}

QString decodeLine(QByteArrayView bytes)
{
    if (bytes.endsWith('\r'))
        bytes.chop(1);
    return QString::fromUtf8(bytes);
}
} // namespace

LineSplitter::LineSplitter(qsizetype maxLineBytes)
    : m_maxLineBytes(std::max<qsizetype>(maxLineBytes, 1))
{
}

QStringList LineSplitter::feed(QByteArrayView chunk)
{
    QStringList lines;
    const char *data = chunk.data();
    qsizetype pos = 0;
    while (pos < chunk.size()) {
        const void *found = std::memchr(data + pos, '\n', static_cast<size_t>(chunk.size() - pos));
        if (!found) {
            m_pending.append(data + pos, chunk.size() - pos);
            cutOverlongPending(lines, false);
            break;
        }
        const qsizetype newline = static_cast<const char *>(found) - data;
        const QByteArrayView segment(data + pos, newline - pos);
        if (m_pending.isEmpty() && segment.size() <= m_maxLineBytes) {
            // The common case: a whole short line inside one chunk, decoded without copying.
            lines.append(decodeLine(segment));
        } else {
            m_pending.append(segment);
            if (m_pending.endsWith('\r'))
                m_pending.chop(1);
            cutOverlongPending(lines, true);
            lines.append(QString::fromUtf8(m_pending));
            m_pending.clear();
        }
        pos = newline + 1;
    }
    return lines;
}

QStringList LineSplitter::finish()
{
    QStringList lines;
    if (m_pending.endsWith('\r'))
        m_pending.chop(1);
    cutOverlongPending(lines, true);
    if (!m_pending.isEmpty())
        lines.append(QString::fromUtf8(m_pending));
    m_pending.clear();
    return lines;
}

void LineSplitter::reset()
{
    m_pending.clear();
}

qsizetype LineSplitter::maxLineBytes() const
{
    return m_maxLineBytes;
}

qsizetype LineSplitter::pendingBytes() const
{
    return m_pending.size();
}

// Emits pieces of the pending line while it is known to be longer than the limit. Until the
// line is complete, a "\r" at the very end may still turn out to be half of "\r\n" and does
// not count: that keeps the cuts independent of where the chunks end.
void LineSplitter::cutOverlongPending(QStringList &out, bool complete)
{
    const QByteArrayView pending(m_pending);
    const qsizetype trailingCr = !complete && pending.endsWith('\r') ? 1 : 0;
    qsizetype start = 0;
    while (pending.size() - start - trailingCr > m_maxLineBytes) {
        const QByteArrayView window = pending.sliced(start, m_maxLineBytes + 1);
        const qsizetype cut = cutPosition(window, m_maxLineBytes);
        out.append(QString::fromUtf8(window.first(cut)));
        start += cut;
    }
    if (start > 0)
        m_pending.remove(0, start);
}
} // namespace Llamadesk
