#include "core/media/wavformat.h"

#include <QtEndian>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <optional>
#include <utility>
#include <variant>

namespace Llamadesk
{
namespace
{
constexpr quint16 FormatPcm = 0x0001;
constexpr quint16 FormatFloat = 0x0003;
constexpr quint16 FormatExtensible = 0xFFFE;
constexpr qsizetype MinFmtSize = 16;
constexpr qsizetype ExtensibleFmtSize = 40;
constexpr int MaxChannels = 1024;
constexpr quint32 MaxSampleRate = 768000;
// KSDATAFORMAT_SUBTYPE_*: the format code in the first four bytes, then these twelve.
constexpr char GuidTail[] = {'\x00', '\x00', '\x10', '\x00', '\x80', '\x00',
                             '\x00', '\xAA', '\x00', '\x38', '\x9B', '\x71'};

struct Chunk
{
    QByteArrayView body; // what the file holds of it
    bool cutOff = false; // it declares more than that
};

struct Format
{
    quint16 tag = 0; // PCM or float once parsed
    int channels = 0;
    int sampleRate = 0;
    int bits = 0;
};

quint16 le16(QByteArrayView b, qsizetype at)
{
    return qFromLittleEndian<quint16>(b.data() + at);
}

quint32 le32(QByteArrayView b, qsizetype at)
{
    return qFromLittleEndian<quint32>(b.data() + at);
}

WavParseResult failure(QString message)
{
    WavParseResult result;
    result.error = std::move(message);
    return result;
}

QString formatName(quint16 tag)
{
    switch (tag) {
    case 0x0002:
        return QStringLiteral("Microsoft ADPCM");
    case 0x0006:
        return QStringLiteral("A-law");
    case 0x0007:
        return QStringLiteral("mu-law");
    case 0x0011:
        return QStringLiteral("IMA ADPCM");
    case 0x0031:
        return QStringLiteral("GSM 6.10");
    case 0x0050:
        return QStringLiteral("MPEG");
    case 0x0055:
        return QStringLiteral("MP3");
    default:
        return {};
    }
}

QString unsupportedFormat(quint16 tag)
{
    const QString code = QStringLiteral("0x%1").arg(QString::number(tag, 16).toUpper(), 4, QLatin1Char('0'));
    const QString name = formatName(tag);
    const QString what = name.isEmpty() ? QStringLiteral("audio in format %1").arg(code)
                                        : QStringLiteral("%1 audio (format %2)").arg(name, code);
    return QStringLiteral("The WAV file holds %1; only PCM and floating-point WAV files are supported.")
            .arg(what);
}

// The fmt chunk read into a Format, or an error sentence.
std::variant<Format, QString> readFormat(const Chunk &fmt)
{
    const QByteArrayView b = fmt.body;
    if (b.size() < MinFmtSize) {
        if (fmt.cutOff)
            return QStringLiteral("The WAV file is cut off inside its fmt chunk.");
        return QStringLiteral("The WAV file's fmt chunk is too short (%1 bytes; at least 16 are needed).")
                .arg(b.size());
    }
    Format f;
    f.tag = le16(b, 0);
    if (f.tag == FormatExtensible) {
        if (b.size() < ExtensibleFmtSize) {
            if (fmt.cutOff)
                return QStringLiteral("The WAV file is cut off inside its fmt chunk.");
            return QStringLiteral("The WAV file's extensible fmt chunk is too short (%1 bytes; 40 are "
                                  "needed).")
                    .arg(b.size());
        }
        if (std::memcmp(b.data() + 28, GuidTail, sizeof GuidTail) != 0)
            return QStringLiteral("The WAV file's extensible format names a subformat that is not "
                                  "PCM or floating point.");
        const quint32 sub = le32(b, 24);
        f.tag = sub <= 0xFFFF ? quint16(sub) : quint16(0xFFFF);
    }
    if (f.tag != FormatPcm && f.tag != FormatFloat)
        return unsupportedFormat(f.tag);

    const quint16 channels = le16(b, 2);
    const quint32 rate = le32(b, 4);
    const quint16 bits = le16(b, 14);
    if (channels == 0)
        return QStringLiteral("The WAV file declares 0 channels.");
    if (channels > MaxChannels)
        return QStringLiteral("The WAV file declares %1 channels; at most %2 are supported.")
                .arg(channels)
                .arg(MaxChannels);
    if (rate == 0)
        return QStringLiteral("The WAV file declares a sample rate of 0 Hz.");
    if (rate > MaxSampleRate)
        return QStringLiteral("The WAV file declares a sample rate of %1 Hz; at most %2 Hz is supported.")
                .arg(rate)
                .arg(MaxSampleRate);
    if (f.tag == FormatPcm && (bits == 0 || bits > 32))
        return QStringLiteral("The WAV file declares %1-bit PCM samples; 1 to 32 bits are supported.")
                .arg(bits);
    if (f.tag == FormatFloat && bits != 32 && bits != 64)
        return QStringLiteral("The WAV file declares %1-bit floating-point samples; only 32 and "
                              "64-bit are supported.")
                .arg(bits);
    f.channels = channels;
    f.sampleRate = int(rate);
    f.bits = bits;
    return f;
}

qint16 fromFloat(double x)
{
    if (std::isnan(x))
        return 0;
    return qint16(std::clamp(std::lround(std::clamp(x, -2.0, 2.0) * 32768.0), -32768L, 32767L));
}

// Samples of any supported kind to little-endian int16. Every container is read from its top
// bytes, which is where PCM keeps its significant bits whatever its valid bit count.
QByteArray toPcm16(QByteArrayView data, const Format &f)
{
    const qsizetype container = f.tag == FormatFloat ? f.bits / 8 : (f.bits + 7) / 8;
    const qsizetype samples = data.size() / (container * f.channels) * f.channels;
    QByteArray out(samples * 2, Qt::Uninitialized);
    const char *in = data.data();
    char *o = out.data();
    if (f.tag == FormatPcm && container == 2) {
        std::memcpy(o, in, size_t(out.size()));
        return out;
    }
    for (qsizetype i = 0; i < samples; ++i, in += container, o += 2) {
        qint16 s = 0;
        if (f.tag == FormatFloat && container == 4)
            s = fromFloat(std::bit_cast<float>(qFromLittleEndian<quint32>(in)));
        else if (f.tag == FormatFloat)
            s = fromFloat(std::bit_cast<double>(qFromLittleEndian<quint64>(in)));
        else if (container == 1) // 8-bit PCM is unsigned, centred on 128
            s = qint16((static_cast<quint8>(in[0]) - 128) * 256);
        else
            s = qFromLittleEndian<qint16>(in + container - 2);
        qToLittleEndian<qint16>(s, o);
    }
    return out;
}
} // namespace

WavParseResult parseWav(QByteArrayView bytes)
{
    if (bytes.isEmpty())
        return failure(QStringLiteral("Not a WAV file: it is empty."));
    if (bytes.startsWith("RIFX"))
        return failure(QStringLiteral("Big-endian WAV files (RIFX) are not supported."));
    if (bytes.startsWith("RF64"))
        return failure(QStringLiteral("WAV files over 4 GB (RF64) are not supported."));
    if (!bytes.startsWith("RIFF"))
        return failure(QStringLiteral("Not a WAV file: it does not start with RIFF."));
    if (bytes.size() < 12)
        return failure(QStringLiteral("The WAV file is cut off inside its RIFF header."));
    if (bytes.sliced(8, 4) != "WAVE")
        return failure(QStringLiteral("Not a WAV file: it is a RIFF file of another kind."));

    std::optional<Chunk> fmt;
    std::optional<Chunk> data;
    qint64 pos = 12;
    const qint64 end = bytes.size();
    while (end - pos >= 8) {
        const QByteArrayView id = bytes.sliced(pos, 4);
        const qint64 declared = le32(bytes, pos + 4);
        pos += 8;
        const Chunk chunk{bytes.sliced(pos, std::min(declared, end - pos)), declared > end - pos};
        if (id == "fmt " && !fmt)
            fmt = chunk;
        else if (id == "data" && !data)
            data = chunk;
        if (chunk.cutOff)
            break;
        pos += declared + (declared & 1); // odd chunks are followed by a pad byte
    }
    const bool endsInHeader = pos < end && end - pos < 8;

    // A file that stops in the middle of a chunk may have had the missing chunk further on.
    const bool cutOff = endsInHeader || (fmt && fmt->cutOff) || (data && data->cutOff);
    if (!fmt) {
        return failure(cutOff ? QStringLiteral("The WAV file is cut off before its fmt chunk.")
                              : QStringLiteral("The WAV file has no fmt chunk, so its format is unknown."));
    }
    auto format = readFormat(*fmt);
    if (const QString *error = std::get_if<QString>(&format))
        return failure(*error);
    if (!data) {
        return failure(cutOff ? QStringLiteral("The WAV file is cut off before its data chunk.")
                              : QStringLiteral("The WAV file has no data chunk."));
    }

    const Format &f = std::get<Format>(format);
    WavParseResult result;
    result.clip = AudioClip(toPcm16(data->body, f), f.sampleRate, f.channels);
    result.truncated = data->cutOff;
    return result;
}
} // namespace Llamadesk
