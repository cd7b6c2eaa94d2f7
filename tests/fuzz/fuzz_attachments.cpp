// Whatever the attachments column holds (a damaged database, a newer version's format), reading
// it never crashes, and what it reads survives a round trip unchanged.
#include "core/chat/messageattachment.h"

#include <QString>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QString json = QString::fromUtf8(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const QList<Llamadesk::MessageAttachment> read = Llamadesk::attachmentsFromJson(json);
    for (const Llamadesk::MessageAttachment &attachment : read) {
        if (attachment.data.isEmpty() || attachment.width < 0 || attachment.height < 0 || attachment.seconds < 0)
            std::abort();
        (void)attachment.toContentPart();
    }
    if (Llamadesk::attachmentsFromJson(Llamadesk::attachmentsToJson(read)) != read)
        std::abort();
    return 0;
}
