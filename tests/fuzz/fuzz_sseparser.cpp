// Whatever bytes arrive, and however the network cuts them, SseParser gives the same events:
// the input fed in one piece, in two pieces cut at a point taken from the data, and in small
// pieces of a size taken from the data must agree, events and pending state alike. Every
// event's data also goes through parseStreamData, which must not crash or throw.
#include "core/chat/chatprotocol.h"
#include "core/chat/sseparser.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace
{
struct Result
{
    QList<Llamadesk::SseEvent> events;
    bool pending = false;
    bool operator==(const Result &) const = default;
};

Result feedInPieces(QByteArrayView bytes, qsizetype cut, qsizetype piece)
{
    Llamadesk::SseParser parser;
    Result result;
    result.events += parser.feed(bytes.first(cut));
    for (qsizetype i = cut; i < bytes.size(); i += piece)
        result.events += parser.feed(bytes.sliced(i, std::min(piece, bytes.size() - i)));
    result.pending = parser.hasPendingEvent();
    return result;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView bytes(data, static_cast<qsizetype>(size));
    const qsizetype n = bytes.size();

    const Result whole = feedInPieces(bytes, 0, n > 0 ? n : 1);
    // The cut and the piece size come from the data, so the fuzzer explores them too.
    const qsizetype cut = n > 0 ? (data[0] | (data[n - 1] << 8)) % (n + 1) : 0;
    const qsizetype piece = n > 1 ? data[1] % 16 + 1 : 1;
    if (feedInPieces(bytes, cut, n - cut > 0 ? n - cut : 1) != whole)
        std::abort();
    if (feedInPieces(bytes, 0, piece) != whole)
        std::abort();

    for (const Llamadesk::SseEvent &event : whole.events) {
        // Line ends never leak into a field: data joins its lines with '\n' only.
        if (event.data.contains('\r') || event.event.contains('\n') || event.event.contains('\r')
            || event.id.contains('\n') || event.id.contains('\r') || event.id.contains('\0'))
            std::abort();
        const Llamadesk::StreamChunk chunk = Llamadesk::parseStreamData(event.data);
        if (chunk.kind == Llamadesk::StreamChunk::Kind::Malformed && chunk.problem.isEmpty())
            std::abort();
    }
    return 0;
}
