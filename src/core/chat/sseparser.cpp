#include "core/chat/sseparser.h"

#include <cstring>
#include <utility>

namespace Llamadesk
{
namespace
{
constexpr char Bom[] = {'\xEF', '\xBB', '\xBF'};
constexpr qsizetype BomSize = 3;
constexpr qsizetype MaxKeptCapacity = 64 * 1024;

const char *findByte(const char *from, const char *end, char byte)
{
    return static_cast<const char *>(std::memchr(from, byte, static_cast<std::size_t>(end - from)));
}

// The next '\r' and the next '\n' at or after the cursor, each found with memchr and
// remembered until the cursor passes it. Every byte is scanned at most once per character,
// so a chunk with many short lines costs no more than one with a single long line.
class LineEndFinder final
{
public:
    LineEndFinder(const char *begin, const char *end)
        : m_end(end)
        , m_cr(findByte(begin, end, '\r'))
        , m_lf(findByte(begin, end, '\n'))
    {
    }

    const char *next(const char *from)
    {
        if (m_cr && m_cr < from)
            m_cr = findByte(from, m_end, '\r');
        if (m_lf && m_lf < from)
            m_lf = findByte(from, m_end, '\n');
        if (!m_cr)
            return m_lf;
        if (!m_lf)
            return m_cr;
        return m_cr < m_lf ? m_cr : m_lf;
    }

private:
    const char *m_end;
    const char *m_cr;
    const char *m_lf;
};
} // namespace

QList<SseEvent> SseParser::feed(QByteArrayView bytes)
{
    QList<SseEvent> out;
    if (m_overflowed)
        return out;
    const char *p = bytes.data();
    const char *const end = p + bytes.size();

    // The BOM may itself arrive in pieces: its prefix waits in m_line until it is complete or
    // a byte shows that it was not a BOM after all (the bytes are then ordinary line content).
    while (!m_bomChecked && p < end) {
        if (*p != Bom[m_line.size()]) {
            m_bomChecked = true;
            break;
        }
        m_line.append(*p++);
        if (m_line.size() == BomSize) {
            m_line.clear();
            m_bomChecked = true;
        }
    }

    LineEndFinder finder(p, end);
    while (p < end) {
        if (m_lastWasCr) {
            m_lastWasCr = false;
            if (*p == '\n') { // the LF of a CRLF split between two chunks
                ++p;
                continue;
            }
        }
        const char *const eol = finder.next(p);
        if (!eol) {
            if (heldBytes() + (end - p) > MaxEventBytes) {
                overflow();
                return out;
            }
            m_line.append(p, end - p);
            break;
        }
        if (heldBytes() + (eol - p) > MaxEventBytes) {
            overflow();
            return out;
        }
        if (m_line.isEmpty()) {
            processLine(QByteArrayView(p, eol - p), out);
        } else {
            m_line.append(p, eol - p);
            processLine(m_line, out);
            // Keep the capacity for the next partial line, unless one huge line inflated it.
            if (m_line.capacity() > MaxKeptCapacity)
                m_line.clear();
            else
                m_line.resize(0);
        }
        p = eol + 1;
        if (*eol == '\r') {
            if (p == end)
                m_lastWasCr = true;
            else if (*p == '\n')
                ++p;
        }
    }

    m_pending = m_haveData || (m_bomChecked && !m_line.isEmpty() && m_line.front() != ':');
    return out;
}

bool SseParser::hasPendingEvent() const
{
    return m_pending;
}

bool SseParser::hasOverflowed() const
{
    return m_overflowed;
}

qsizetype SseParser::bufferedBytes() const
{
    return heldBytes();
}

// The event so far and the line being read: the line becomes part of the event, so the two are
// limited together. A line counts the same whether it arrives whole or in pieces, so the
// overflow comes at the same line whatever the chunking.
qsizetype SseParser::heldBytes() const
{
    return m_line.size() + m_event.size() + m_data.size() + m_id.size();
}

void SseParser::overflow()
{
    *this = SseParser();
    m_overflowed = true;
}

void SseParser::reset()
{
    *this = SseParser();
}

void SseParser::processLine(QByteArrayView line, QList<SseEvent> &out)
{
    if (line.isEmpty()) {
        if (m_haveData) {
            out.append(SseEvent{std::exchange(m_event, {}), std::exchange(m_data, {}), m_id});
            m_haveData = false;
        } else {
            m_event.clear();
        }
        return;
    }
    if (line.front() == ':')
        return; // a comment: llama-server's keep-alive ping
    QByteArrayView field = line;
    QByteArrayView value;
    if (const qsizetype colon = line.indexOf(':'); colon >= 0) {
        field = line.first(colon);
        value = line.sliced(colon + 1);
        if (value.startsWith(' '))
            value = value.sliced(1);
    }

    if (field == "data") {
        if (m_haveData) {
            m_data.append('\n');
            m_data.append(value);
        } else {
            m_data = value.toByteArray();
            m_haveData = true;
        }
    } else if (field == "event") {
        m_event = value.toByteArray();
    } else if (field == "id") {
        // WHATWG: an id with a NUL is ignored; otherwise it stays the last event ID for every
        // later event until the server sends another one.
        if (!value.contains('\0'))
            m_id = value.toByteArray();
    }
    // "retry" and unknown fields are ignored: nothing here reconnects.
}
} // namespace Llamadesk
