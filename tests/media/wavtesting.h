#pragma once

// What the AudioClip and WAV tests share: building WAV files chunk by chunk, and short ways to
// parse them.
#include "core/media/audioclip.h"
#include "core/media/wavformat.h"

#include <QtEndian>

#include <gtest/gtest.h>

#include <cstddef>
#include <ostream>

// Readable QString values in failure messages (found by argument-dependent lookup).
[[maybe_unused]] static void PrintTo(const QString &value, std::ostream *os)
{
    *os << '"' << value.toStdString() << '"';
}

namespace Llamadesk::WavTesting
{
constexpr quint16 Pcm = 1;
constexpr quint16 Float = 3;

inline QByteArray le16(quint16 v)
{
    QByteArray b(2, '\0');
    qToLittleEndian(v, b.data());
    return b;
}

inline QByteArray le32(quint32 v)
{
    QByteArray b(4, '\0');
    qToLittleEndian(v, b.data());
    return b;
}

// A chunk with its pad byte when the body is odd-sized.
inline QByteArray chunk(const char *id, const QByteArray &body)
{
    QByteArray out = QByteArray(id) + le32(quint32(body.size())) + body;
    if (body.size() % 2)
        out += '\0';
    return out;
}

inline QByteArray riff(const QByteArray &chunks)
{
    return "RIFF" + le32(quint32(4 + chunks.size())) + "WAVE" + chunks;
}

inline QByteArray fmtBody(quint16 tag, quint16 channels, quint32 rate, quint16 bits)
{
    const quint16 align = quint16(channels * ((bits + 7) / 8));
    return le16(tag) + le16(channels) + le32(rate) + le32(rate * align) + le16(align) + le16(bits);
}

// WAVE_FORMAT_EXTENSIBLE with the subformat GUID of `sub` (1 PCM, 3 float).
inline QByteArray extensibleBody(quint16 channels, quint32 rate, quint16 bits, quint32 sub)
{
    const QByteArray guidTail = QByteArray::fromHex("000010008000"
                                                    "00aa00389b71");
    return fmtBody(0xFFFE, channels, rate, bits) + le16(22) + le16(bits) + le32(0x3) + le32(sub) + guidTail;
}

// A literal with its embedded NULs (QByteArray(const char *) stops at the first).
template<std::size_t N>
inline QByteArray raw(const char (&s)[N])
{
    return QByteArray(s, qsizetype(N - 1));
}

inline QByteArray samplesLe16(const QList<qint16> &samples)
{
    QByteArray out;
    for (const qint16 s : samples)
        out += le16(quint16(s));
    return out;
}

inline QString errorOf(const QByteArray &bytes)
{
    const WavParseResult r = parseWav(bytes);
    EXPECT_FALSE(r.clip.has_value());
    return r.error;
}

inline AudioClip parsed(const QByteArray &bytes)
{
    const WavParseResult r = parseWav(bytes);
    EXPECT_TRUE(r.clip.has_value()) << r.error.toStdString();
    return r.clip.value_or(AudioClip());
}

// `seconds` of a ramp at `rate`, so that every frame differs from its neighbours.
inline AudioClip ramp(double seconds, int rate, int channels = 1)
{
    QList<qint16> samples;
    const auto n = qint64(seconds * rate) * channels;
    for (qint64 i = 0; i < n; ++i)
        samples.append(qint16(i % 65536 - 32768));
    return AudioClip::fromSamples(samples, rate, channels);
}
} // namespace Llamadesk::WavTesting
