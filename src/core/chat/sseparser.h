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
class SseParser final
{
public:
    SseParser() = default;

    QList<SseEvent> feed(QByteArrayView bytes);
    // Bytes of an event that has started but not been dispatched (no blank line yet). At the end
    // of a stream they mean it was cut off.
    bool hasPendingEvent() const;
    void reset();

private:
    void processLine(QByteArrayView line, QList<SseEvent> &out);

    QByteArray m_line;      // the unfinished line
    bool m_lastWasCr = false;
    bool m_bomChecked = false;
    QByteArray m_event;
    QByteArray m_data;
    QByteArray m_id;
    bool m_haveData = false;
    bool m_pending = false;
};
} // namespace Llamadesk
