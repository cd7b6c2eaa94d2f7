#include "core/media/audioclip.h"

#include <QtEndian>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

namespace Llamadesk
{
namespace
{
constexpr int BytesPerSample = 2;
constexpr qint64 WavHeaderSize = 44;
constexpr double FullScale = 32768.0;
// The RIFF size field is 32 bits and counts everything after itself (36 header bytes + data).
constexpr qint64 MaxWavDataSize = qint64(std::numeric_limits<quint32>::max()) - 36;

qint16 sampleAt(const QByteArray &pcm, qint64 index)
{
    return qFromLittleEndian<qint16>(pcm.constData() + index * BytesPerSample);
}

void putTag(char *&p, const char (&tag)[5])
{
    for (int i = 0; i < 4; ++i)
        *p++ = tag[i];
}

template<typename T>
void put(char *&p, T value)
{
    qToLittleEndian<T>(value, p);
    p += sizeof(T);
}
} // namespace

AudioClip::AudioClip(QByteArray pcm16le, int sampleRate, int channels)
{
    if (sampleRate < 1 || channels < 1)
        return;
    m_pcm = std::move(pcm16le);
    m_sampleRate = sampleRate;
    m_channels = channels;
    const qsizetype frameBytes = qsizetype(channels) * BytesPerSample;
    m_pcm.truncate(m_pcm.size() - m_pcm.size() % frameBytes);
}

AudioClip AudioClip::fromSamples(const QList<qint16> &samples, int sampleRate, int channels)
{
    QByteArray pcm(samples.size() * BytesPerSample, Qt::Uninitialized);
    char *p = pcm.data();
    for (const qint16 s : samples)
        put<qint16>(p, s);
    return AudioClip(std::move(pcm), sampleRate, channels);
}

bool AudioClip::isEmpty() const
{
    return m_pcm.isEmpty();
}

int AudioClip::sampleRate() const
{
    return m_sampleRate;
}

int AudioClip::channels() const
{
    return m_channels;
}

qint64 AudioClip::frameCount() const
{
    return m_channels > 0 ? m_pcm.size() / (qint64(m_channels) * BytesPerSample) : 0;
}

double AudioClip::durationSeconds() const
{
    return m_sampleRate > 0 ? double(frameCount()) / m_sampleRate : 0.0;
}

const QByteArray &AudioClip::pcm() const
{
    return m_pcm;
}

QList<qint16> AudioClip::samples() const
{
    const qint64 n = m_pcm.size() / BytesPerSample;
    QList<qint16> out;
    out.reserve(n);
    for (qint64 i = 0; i < n; ++i)
        out.append(sampleAt(m_pcm, i));
    return out;
}

qint64 AudioClip::wavSize() const
{
    const qint64 frameBytes = qint64(std::max(m_channels, 1)) * BytesPerSample;
    const qint64 data = std::min<qint64>(m_pcm.size(), MaxWavDataSize - MaxWavDataSize % frameBytes);
    return WavHeaderSize + data;
}

QByteArray AudioClip::toWav() const
{
    // A clip too big for a 32-bit RIFF size is cut to whole frames that fit, so the header
    // never lies about what follows it.
    const qint64 dataSize = wavSize() - WavHeaderSize;
    const quint16 channels = quint16(m_channels);
    const quint16 blockAlign = quint16(m_channels * BytesPerSample);

    QByteArray out(wavSize(), Qt::Uninitialized);
    char *p = out.data();
    putTag(p, "RIFF");
    put<quint32>(p, quint32(36 + dataSize));
    putTag(p, "WAVE");
    putTag(p, "fmt ");
    put<quint32>(p, 16);
    put<quint16>(p, 1); // WAVE_FORMAT_PCM
    put<quint16>(p, channels);
    put<quint32>(p, quint32(m_sampleRate));
    put<quint32>(p, quint32(m_sampleRate) * blockAlign);
    put<quint16>(p, blockAlign);
    put<quint16>(p, 16);
    putTag(p, "data");
    put<quint32>(p, quint32(dataSize));
    if (dataSize > 0)
        std::memcpy(p, m_pcm.constData(), size_t(dataSize));
    return out;
}

QByteArray AudioClip::toBase64Wav() const
{
    return toWav().toBase64();
}

AudioClip AudioClip::trimmed(double seconds) const
{
    if (!(seconds > 0)) // also NaN
        return AudioClip(QByteArray(), m_sampleRate, m_channels);
    if (seconds >= durationSeconds())
        return *this;
    // A product that should be whole can land just below it (0.29 * 100 = 28.999...), and
    // floor would then cut the last frame.
    const auto frames = qint64(std::floor(seconds * m_sampleRate + 1e-6));
    return AudioClip(m_pcm.left(frames * m_channels * BytesPerSample), m_sampleRate, m_channels);
}

AudioClip::Info AudioClip::info(double limitSeconds) const
{
    Info result;
    result.durationSeconds = durationSeconds();
    result.sizeKb = double(wavSize()) / 1024.0;
    result.exceedsLimit = result.durationSeconds > limitSeconds;
    result.limitSeconds = limitSeconds;
    return result;
}

double AudioClip::peak() const
{
    const qint64 n = m_pcm.size() / BytesPerSample;
    int best = 0;
    for (qint64 i = 0; i < n; ++i)
        best = std::max(best, std::abs(int(sampleAt(m_pcm, i))));
    return best / FullScale;
}

double AudioClip::rms() const
{
    const qint64 n = m_pcm.size() / BytesPerSample;
    if (n == 0)
        return 0.0;
    double sum = 0;
    for (qint64 i = 0; i < n; ++i) {
        const double s = sampleAt(m_pcm, i);
        sum += s * s;
    }
    return std::sqrt(sum / double(n)) / FullScale;
}
} // namespace Llamadesk
