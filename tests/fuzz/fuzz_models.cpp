// Whatever GET /v1/models answers, parseModels gives a list or nothing, never a crash or an
// exception. Every model in a list has an id (entries without one are skipped), and the list is
// pure: the same bytes give the same list.
#include "core/chat/chatprotocol.h"

#include "fuzzcheck.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace LlamadeskFuzz;
    const QByteArray body = bytesOf(data, size);
    const std::optional<QList<Llamadesk::ModelInfo>> models = Llamadesk::parseModels(body);
    if (!models)
        return 0;
    for (const Llamadesk::ModelInfo &model : *models) {
        check(!model.id.isEmpty(), "every model has an id");
        for (const QString &capability : model.capabilities)
            check(capability.isValidUtf16(), "capabilities are valid text", capability);
    }
    check(Llamadesk::parseModels(body) == models, "parseModels is pure");
    return 0;
}
