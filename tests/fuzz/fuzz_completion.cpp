// Whatever a chat completion answers, parseCompletion gives a completion or an error, and
// parseStreamData (one SSE "data:" payload) gives a chunk of a known kind, never a crash or an
// exception. A malformed chunk says what was wrong; an error says something; messages the
// server wrote are capped and stay valid UTF-16.
#include "core/chat/chatprotocol.h"

#include "fuzzcheck.h"

#include <cstdint>
#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace LlamadeskFuzz;
    using Llamadesk::StreamChunk;
    const QByteArray body = bytesOf(data, size);

    const std::variant<Llamadesk::ChatCompletion, Llamadesk::ApiError> completion =
            Llamadesk::parseCompletion(body);
    if (const auto *error = std::get_if<Llamadesk::ApiError>(&completion)) {
        check(error->type != u"invalid_response" || !error->message.isEmpty(), "an unreadable answer says why");
        check(error->message.isValidUtf16(), "the message is valid UTF-16");
    } else {
        const auto &answer = std::get<Llamadesk::ChatCompletion>(completion);
        check(answer.content.isValidUtf16() && answer.reasoning.isValidUtf16(), "the answer is valid UTF-16");
    }

    const StreamChunk chunk = Llamadesk::parseStreamData(body);
    switch (chunk.kind) {
    case StreamChunk::Kind::Malformed:
        check(!chunk.problem.isEmpty(), "a malformed chunk says what was wrong");
        break;
    case StreamChunk::Kind::Error:
        check(chunk.error.httpStatus == 0, "an error inside a stream has no status");
        check(chunk.error.message.size() <= 501, "the message is capped");
        check(chunk.error.message.isValidUtf16(), "the message is valid UTF-16");
        break;
    case StreamChunk::Kind::Done:
    case StreamChunk::Kind::Delta:
        check(chunk.problem.isEmpty(), "only a malformed chunk has a problem");
        break;
    }
    return 0;
}
