// Whatever bytes a file holds, GgufReader returns its metadata or an error sentence, never a
// crash, and never more than the file could hold: every array keeps at most KeptArrayItems of
// its elements and counts no more than the format's limit, and describe() takes any result.
#include "core/models/ggufreader.h"

#include "fuzzcheck.h"

using namespace Llamadesk;

namespace
{
void checkValue(const GgufValue &value, int depth)
{
    LlamadeskFuzz::check(depth <= GgufReader::MaxNesting, "arrays nest no deeper than the limit");
    if (value.type != GgufValue::Type::Array) {
        LlamadeskFuzz::check(value.items.isEmpty(), "only an array has items");
        return;
    }
    LlamadeskFuzz::check(value.count <= GgufReader::MaxArrayItems, "an array counts at most the limit");
    LlamadeskFuzz::check(value.items.size() <= GgufReader::KeptArrayItems, "an array keeps at most the limit");
    LlamadeskFuzz::check(static_cast<quint64>(value.items.size()) <= value.count, "no more items than counted");
    for (const GgufValue &item : value.items) {
        LlamadeskFuzz::check(item.type == value.elementType, "every item has the array's type");
        checkValue(item, depth + 1);
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray bytes = LlamadeskFuzz::bytesOf(data, size);
    const auto result = GgufReader::readBytes(bytes);
    if (const auto *error = std::get_if<GgufError>(&result)) {
        LlamadeskFuzz::check(!error->message.isEmpty(), "an error says what is wrong");
        return 0;
    }
    const GgufFile &file = std::get<GgufFile>(result);
    // Each entry takes 13 bytes at least, each tensor 24: nothing was made up.
    LlamadeskFuzz::check(static_cast<quint64>(file.metadata.size()) * 13 + static_cast<quint64>(file.tensors.size()) * 24
                                 <= static_cast<quint64>(bytes.size()),
                         "no more entries and tensors than the bytes hold");
    for (const GgufMetadata &entry : file.metadata)
        checkValue(entry.value, 0);
    for (const GgufTensor &tensor : file.tensors)
        LlamadeskFuzz::check(tensor.dims.size() <= static_cast<qsizetype>(GgufReader::MaxDims), "dimensions within the limit");
    const GgufModelInfo info = GgufReader::describe(file);
    LlamadeskFuzz::check(!info.projector || info.architecture == u"clip" || file.find(u"clip.has_vision_encoder")
                                 || file.find(u"clip.has_audio_encoder"),
                         "a projector is one that says so");
    return 0;
}
