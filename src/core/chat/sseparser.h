#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace Llamadesk
{
// One server-sent event: the data lines joined with '\n' (WHATWG "dispatch an event").
struct SseEvent
{
    QByteArray event; // the "event:" field; empty means "message"
    QByteArray data;
    QByteArray id;
    bool operator==(const SseEvent &) const = default;
};

// Bytes in, events out. Keeps its buffer between feed() calls, so events split at any byte
// (inside a field name, between \r and \n, between two data lines) come out whole. Handles LF,
// CR and CRLF line ends, several data: lines per event, event: and id: fields, comment lines
// (": ping"), a leading BOM, and a field without a colon. Linear in its input: every byte is
// looked at a bounded number of times, whatever the chunking.
//
// Its memory is bounded too: a line or an event's data longer than MaxEventBytes (an endpoint
// that streams without ever sending a line end) puts it in the overflowed state, where its
// buffers are dropped and it reads nothing more, so the caller can end the request.
class SseParser final
{
public:
    // One llama-server event is one JSON chunk of a few tokens (well under 1 KiB); even a final
    // chunk with usage and timings, or a server that sends a whole answer in one event, stays far
    // below this. 4 MiB is generous for any real event and small enough for a desktop app.
    static constexpr qsizetype MaxEventBytes = 4 * 1024 * 1024;

    SseParser() = default;

    QList<SseEvent> feed(QByteArrayView bytes);
    // Bytes of an event that has started but not been dispatched (no blank line yet). At the end
    // of a stream they mean it was cut off.
    bool hasPendingEvent() const;
    // A line or an event passed MaxEventBytes: nothing more is read (feed() returns no events)
    // until reset().
    bool hasOverflowed() const;
    // The bytes held for the unfinished line and event; at most MaxEventBytes.
    qsizetype bufferedBytes() const;
    void reset();

private:
    void processLine(QByteArrayView line, QList<SseEvent> &out);
    void overflow();
    qsizetype heldBytes() const;

    QByteArray m_line;      // the unfinished line
    bool m_lastWasCr = false;
    bool m_bomChecked = false;
    QByteArray m_event;
    QByteArray m_data;
    QByteArray m_id;
    bool m_haveData = false;
    bool m_pending = false;
    bool m_overflowed = false;
};
} // namespace Llamadesk
