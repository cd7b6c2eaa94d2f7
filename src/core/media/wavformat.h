#pragma once

#include "core/media/audioclip.h"

#include <QByteArrayView>
#include <QString>

#include <optional>

namespace Llamadesk
{
struct WavParseResult
{
    std::optional<AudioClip> clip;
    // One sentence for the user when clip is empty, e.g. "Not a WAV file: it does not start
    // with RIFF."; empty on success.
    QString error;
    // The data chunk declares more bytes than the file holds: a recording that was cut off or a
    // stream whose writer never went back to fill in the size. The clip holds what is there.
    bool truncated = false;
};

// Reads a WAV file from memory and converts its samples to 16-bit, keeping rate and channels.
//
// Accepted: chunks in any order (an unknown or LIST chunk anywhere is skipped, and data may come
// before fmt), odd-sized chunks followed by their pad byte, PCM with 1 to 32 bits per sample
// (8 bits and fewer unsigned, as the format says), 32 and 64-bit IEEE float, and
// WAVE_FORMAT_EXTENSIBLE whose subformat is PCM or float. The first fmt and the first data chunk
// count. The RIFF size field is not trusted (streaming writers leave it 0 or 0xFFFFFFFF); chunks
// are read to the end of the bytes, and block align is recomputed from the sample size.
//
// Rejected with a message: anything that is not RIFF/WAVE, a missing or short fmt, no data chunk,
// 0 channels or a 0 Hz rate, more than 1024 channels or 768 kHz, and compressed formats (A-law,
// mu-law, ADPCM, MP3...). Nothing is allocated from a declared size: the output is at most twice
// the input.
WavParseResult parseWav(QByteArrayView bytes);
} // namespace Llamadesk
