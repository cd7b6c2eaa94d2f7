// Whatever body comes with a failed request (either JSON shape, plain text, an HTML page, binary
// garbage), parseErrorBody gives an ApiError for a banner: the status it was given, a message of
// at most 500 characters and an ellipsis, valid UTF-16 (no surrogate half left by the cut), and
// never empty when the body has any text.
#include "core/chat/chatprotocol.h"

#include "fuzzcheck.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace LlamadeskFuzz;
    const QByteArray body = bytesOf(data, size);
    // The status is taken from the data as well: a few distinct values are enough.
    const int status = size > 0 ? 400 + data[0] % 200 : 500;
    const Llamadesk::ApiError error = Llamadesk::parseErrorBody(body, status);
    check(error.httpStatus == status, "the status given is kept");
    check(error.message.size() <= 501, "the message is capped", error.message.left(80));
    check(error.message.isValidUtf16(), "the message is valid UTF-16");
    check(error.message == error.message.trimmed(), "the message is trimmed");
    check(!error.message.isEmpty() || textOf(data, size).trimmed().isEmpty(),
          "a body with text gives a message");
    check(error.type.isValidUtf16(), "the type is valid UTF-16");
    return 0;
}
