#pragma once

// Media input as llama-server's mtmd helper sees it: base64 decoded, then recognised by its
// first bytes (the "format" a client declares is not trusted). Pure functions.

#include <optional>
#include <string>
#include <string_view>

namespace FakeLlama {
enum class MediaKind {
    Image,
    Audio
};

struct MediaInput
{
    MediaKind kind = MediaKind::Image;
    std::string format; // "png", "wav", ...
    double seconds = 0; // audio only
};

// The lenient decoder of llama.cpp's server-common.cpp: stops at the first character that is
// not base64 or at '='.
std::string base64Decode(std::string_view encoded);

// Empty when the bytes are neither an image (PNG, JPEG, GIF, BMP, WebP) nor audio (WAV, MP3,
// FLAC) that could be decoded: raw PCM lands here.
std::optional<MediaInput> sniffMedia(std::string_view bytes);
} // namespace FakeLlama
