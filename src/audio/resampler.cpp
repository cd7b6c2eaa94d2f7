#include "audio/resampler.h"

#include <QtEndian>

#include <soxr.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace Llamadesk
{
struct Resampler::Soxr
{
    soxr_t handle = nullptr;
    std::vector<float> output;

    ~Soxr()
    {
        if (handle)
            soxr_delete(handle);
    }
};

namespace
{
float sampleAt(const char *data, Resampler::SampleFormat format)
{
    switch (format) {
    case Resampler::SampleFormat::UInt8:
        return (static_cast<float>(static_cast<unsigned char>(*data)) - 128.0f) / 128.0f;
    case Resampler::SampleFormat::Int16:
        return static_cast<float>(qFromUnaligned<qint16>(data)) / 32768.0f;
    case Resampler::SampleFormat::Int32:
        return static_cast<float>(static_cast<double>(qFromUnaligned<qint32>(data)) / 2147483648.0);
    case Resampler::SampleFormat::Float:
        return qFromUnaligned<float>(data);
    }
    return 0.0f;
}

void appendInt16(QByteArray &out, const float *samples, qsizetype count)
{
    const qsizetype offset = out.size();
    out.resize(offset + count * 2);
    char *dest = out.data() + offset;
    for (qsizetype i = 0; i < count; ++i) {
        // NaN from a broken float source becomes silence rather than undefined behaviour.
        const float value = std::isfinite(samples[i]) ? samples[i] : 0.0f;
        const long scaled = std::lround(static_cast<double>(value) * 32768.0);
        qToLittleEndian(static_cast<qint16>(std::clamp(scaled, -32768L, 32767L)), dest + i * 2);
    }
}
} // namespace

Resampler::Resampler(int inputRate, int inputChannels, SampleFormat format, int outputRate)
    : m_inputRate(inputRate)
    , m_inputChannels(inputChannels)
    , m_outputRate(outputRate)
    , m_format(format)
{
    if (inputRate <= 0 || outputRate <= 0 || inputChannels <= 0) {
        m_error =
            QStringLiteral("Unsupported audio format: %1 Hz, %2 channels").arg(inputRate).arg(inputChannels);
        return;
    }
    if (isPassThrough())
        return;

    soxr_error_t error = nullptr;
    const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
    m_soxr = std::make_unique<Soxr>();
    m_soxr->handle = soxr_create(inputRate, outputRate, 1, &error, &io, &quality, nullptr);
    if (error || !m_soxr->handle) {
        m_error = QStringLiteral("The audio resampler could not be created: %1")
                      .arg(QString::fromUtf8(error ? error : "unknown error"));
        m_soxr.reset();
    }
}

Resampler::~Resampler() = default;

bool Resampler::isValid() const
{
    return m_error.isEmpty();
}

QString Resampler::errorString() const
{
    return m_error;
}

bool Resampler::isPassThrough() const
{
    return m_inputRate == m_outputRate && m_inputChannels == 1 && m_format == SampleFormat::Int16;
}

int Resampler::inputRate() const
{
    return m_inputRate;
}

int Resampler::inputChannels() const
{
    return m_inputChannels;
}

int Resampler::outputRate() const
{
    return m_outputRate;
}

int Resampler::bytesPerSample(SampleFormat format)
{
    switch (format) {
    case SampleFormat::UInt8:
        return 1;
    case SampleFormat::Int16:
        return 2;
    case SampleFormat::Int32:
    case SampleFormat::Float:
        return 4;
    }
    return 1;
}

int Resampler::bytesPerInputFrame() const
{
    return bytesPerSample(m_format) * std::max(m_inputChannels, 1);
}

qint64 Resampler::inputFrames() const
{
    return m_inputFrames;
}

QByteArray Resampler::process(QByteArrayView input)
{
    if (!isValid() || input.isEmpty())
        return {};

    // A frame split across two reads waits for its second half.
    QByteArray joined;
    if (!m_partialFrame.isEmpty()) {
        joined = m_partialFrame + input;
        input = joined;
        m_partialFrame.clear();
    }
    const int frameBytes = bytesPerInputFrame();
    const qsizetype frames = input.size() / frameBytes;
    const qsizetype whole = frames * frameBytes;
    if (whole < input.size())
        m_partialFrame = input.sliced(whole).toByteArray();
    if (frames == 0)
        return {};
    m_inputFrames += frames;

    if (isPassThrough()) {
        if constexpr (Q_BYTE_ORDER == Q_LITTLE_ENDIAN)
            return input.first(whole).toByteArray();
    }

    const int sampleBytes = bytesPerSample(m_format);
    std::vector<float> mono(static_cast<std::size_t>(frames));
    const char *frame = input.data();
    for (qsizetype i = 0; i < frames; ++i, frame += frameBytes) {
        float sum = 0.0f;
        for (int channel = 0; channel < m_inputChannels; ++channel)
            sum += sampleAt(frame + channel * sampleBytes, m_format);
        mono[static_cast<std::size_t>(i)] = sum / static_cast<float>(m_inputChannels);
    }
    if (isPassThrough()) { // big-endian hosts only
        QByteArray out;
        appendInt16(out, mono.data(), frames);
        return out;
    }
    return resample(mono.data(), frames);
}

QByteArray Resampler::resample(const float *mono, qsizetype frames)
{
    QByteArray out;
    if (!m_soxr)
        return out;
    const double ratio = static_cast<double>(m_outputRate) / m_inputRate;
    // Room for this chunk's share plus what the filter may release on top of it.
    const std::size_t room = static_cast<std::size_t>(std::ceil(static_cast<double>(frames) * ratio)) + 256;
    if (m_soxr->output.size() < room)
        m_soxr->output.resize(room);

    std::size_t consumed = 0;
    const auto total = static_cast<std::size_t>(frames);
    // With mono == nullptr this is the end-of-input call: repeat until the filter is empty.
    for (;;) {
        std::size_t used = 0;
        std::size_t produced = 0;
        const float *in = mono ? mono + consumed : nullptr;
        const soxr_error_t error = soxr_process(m_soxr->handle, in, mono ? total - consumed : 0, &used,
                                                m_soxr->output.data(), m_soxr->output.size(), &produced);
        if (error) {
            m_error = QStringLiteral("Audio resampling failed: %1").arg(QString::fromUtf8(error));
            return out;
        }
        appendInt16(out, m_soxr->output.data(), static_cast<qsizetype>(produced));
        consumed += used;
        if (mono ? consumed >= total && produced < m_soxr->output.size() : produced == 0)
            break;
    }
    return out;
}

QByteArray Resampler::flush()
{
    m_partialFrame.clear();
    m_inputFrames = 0;
    if (!m_soxr || !isValid())
        return {};
    QByteArray out = resample(nullptr, 0);
    soxr_clear(m_soxr->handle);
    return out;
}

QByteArray Resampler::convert(QByteArrayView input, int inputRate, int inputChannels, SampleFormat format,
                              int outputRate)
{
    Resampler resampler(inputRate, inputChannels, format, outputRate);
    QByteArray out = resampler.process(input);
    out += resampler.flush();
    return out;
}
} // namespace Llamadesk
