// Whatever bytes arrive, parseWav returns a clip or an error sentence, never both and never a
// crash. A clip it returns survives the trip through toWav: parsing the encoded clip gives the
// same samples, rate and channels, with nothing truncated.
#include "core/media/wavformat.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView bytes(data, static_cast<qsizetype>(size));
    const Llamadesk::WavParseResult first = Llamadesk::parseWav(bytes);
    if (first.clip.has_value() == !first.error.isEmpty())
        std::abort();
    if (!first.clip)
        return 0;

    const Llamadesk::AudioClip &clip = *first.clip;
    // 16-bit output is at most twice the input (8-bit samples): nothing came from a declared size.
    if (clip.pcm().size() > 2 * bytes.size())
        std::abort();
    const QByteArray wav = clip.toWav();
    if (wav.size() != clip.wavSize())
        std::abort();
    const Llamadesk::WavParseResult second = Llamadesk::parseWav(wav);
    if (!second.clip || second.truncated || !(*second.clip == clip))
        std::abort();
    return 0;
}
