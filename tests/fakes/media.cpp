#include "media.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace FakeLlama {
namespace {
int base64Value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

uint32_t le32(std::string_view bytes, size_t at)
{
    if (at + 4 > bytes.size())
        return 0;
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i)
        v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
    return v;
}

unsigned byteAt(std::string_view bytes, size_t at)
{
    return at < bytes.size() ? static_cast<unsigned char>(bytes[at]) : 0u;
}

bool startsWith(std::string_view bytes, std::string_view prefix, size_t at = 0)
{
    return bytes.size() >= at + prefix.size() && bytes.substr(at, prefix.size()) == prefix;
}

// Walks the RIFF chunks for "fmt " and "data"; empty when the header cannot be decoded.
std::optional<double> wavSeconds(std::string_view bytes)
{
    uint32_t byteRate = 0;
    size_t at = 12;
    while (at + 8 <= bytes.size()) {
        const std::string_view id = bytes.substr(at, 4);
        const uint32_t size = le32(bytes, at + 4);
        if (id == "fmt ")
            byteRate = le32(bytes, at + 16);
        if (id == "data") {
            if (byteRate == 0)
                return std::nullopt;
            const size_t available = bytes.size() - (at + 8);
            return static_cast<double>(std::min<size_t>(size, available)) / byteRate;
        }
        at += 8 + size + (size & 1u);
    }
    return std::nullopt;
}

std::optional<double> flacSeconds(std::string_view bytes)
{
    // STREAMINFO follows "fLaC" and its 4-byte block header: sample rate in 20 bits at byte
    // 18, the total sample count in the low 36 bits of bytes 21..25.
    if (bytes.size() < 4 + 4 + 18)
        return std::nullopt;
    const size_t s = 8;
    const uint32_t rate =
            (byteAt(bytes, s + 10) << 12) | (byteAt(bytes, s + 11) << 4) | (byteAt(bytes, s + 12) >> 4);
    uint64_t total = byteAt(bytes, s + 13) & 0x0Fu;
    for (size_t i = 14; i < 18; ++i)
        total = (total << 8) | byteAt(bytes, s + i);
    if (rate == 0)
        return std::nullopt;
    return static_cast<double>(total) / rate;
}
} // namespace

std::string base64Decode(std::string_view encoded)
{
    std::string out;
    out.reserve(encoded.size() / 4 * 3);
    uint32_t buffer = 0;
    int bits = 0;
    for (const char c : encoded) {
        const int v = base64Value(c);
        if (v < 0)
            break;
        buffer = (buffer << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFFu));
        }
    }
    return out;
}

std::optional<MediaInput> sniffMedia(std::string_view bytes)
{
    // Audio first, as mtmd_helper_bitmap_init_from_buf does.
    if (startsWith(bytes, "RIFF") && startsWith(bytes, "WAVE", 8)) {
        const auto seconds = wavSeconds(bytes);
        if (!seconds)
            return std::nullopt;
        return MediaInput{MediaKind::Audio, "wav", *seconds};
    }
    if (startsWith(bytes, "fLaC")) {
        const auto seconds = flacSeconds(bytes);
        if (!seconds)
            return std::nullopt;
        return MediaInput{MediaKind::Audio, "flac", *seconds};
    }
    if (startsWith(bytes, "ID3") || (byteAt(bytes, 0) == 0xFF && (byteAt(bytes, 1) & 0xE0u) == 0xE0u)) {
        if (bytes.size() < 128)
            return std::nullopt;
        // Without decoding frames: assume 128 kbit/s, which is what matters for the token cost.
        return MediaInput{MediaKind::Audio, "mp3", static_cast<double>(bytes.size()) * 8.0 / 128000.0};
    }
    if (startsWith(bytes, "\x89PNG\r\n\x1a\n"))
        return MediaInput{MediaKind::Image, "png", 0};
    if (byteAt(bytes, 0) == 0xFF && byteAt(bytes, 1) == 0xD8 && byteAt(bytes, 2) == 0xFF)
        return MediaInput{MediaKind::Image, "jpeg", 0};
    if (startsWith(bytes, "GIF87a") || startsWith(bytes, "GIF89a"))
        return MediaInput{MediaKind::Image, "gif", 0};
    if (startsWith(bytes, "BM") && bytes.size() > 26 && le32(bytes, 2) >= 26)
        return MediaInput{MediaKind::Image, "bmp", 0};
    if (startsWith(bytes, "RIFF") && startsWith(bytes, "WEBP", 8))
        return MediaInput{MediaKind::Image, "webp", 0};
    return std::nullopt;
}
} // namespace FakeLlama
