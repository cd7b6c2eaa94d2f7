// Whatever GET /props answers (a newer release's fields, an error page, a proxy's HTML), parseProps
// gives props or nothing, never a crash or an exception. It is pure: the same bytes give the same
// props, and the texts it keeps are valid UTF-16.
#include "core/chat/chatprotocol.h"

#include "fuzzcheck.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace LlamadeskFuzz;
    const QByteArray body = bytesOf(data, size);
    const std::optional<Llamadesk::ServerProps> props = Llamadesk::parseProps(body);
    check(Llamadesk::parseProps(body) == props, "parseProps is pure");
    if (props)
        check(props->chatTemplate.isValidUtf16() && props->buildInfo.isValidUtf16(), "the texts are valid UTF-16");
    return 0;
}
