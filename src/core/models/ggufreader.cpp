#include "core/models/ggufreader.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QFile>
#include <QtEndian>

#include <QHash>

#include <array>
#include <cstring>
#include <limits>

namespace Llamadesk
{
namespace
{
QString tr(const char *text)
{
    return QCoreApplication::translate("GgufReader", text);
}

// Thrown inside the reader only, caught by read(): a sentence for the user.
struct Refusal
{
    QString message;
};

// Reads little-endian values from what is left of the device, checking every length against
// it before allocating.
class Cursor
{
public:
    explicit Cursor(QIODevice &device)
        : m_device(device)
        , m_left(device.isSequential() ? 0 : device.size() - device.pos())
    {
    }

    template<typename T>
    T number()
    {
        std::array<char, sizeof(T)> bytes{};
        take(bytes.data(), sizeof(T));
        return qFromLittleEndian<T>(bytes.data());
    }

    QString string()
    {
        const auto length = number<quint64>();
        if (length > GgufReader::MaxStringBytes)
            throw Refusal{tr("a text of %1 bytes, more than any real file holds").arg(length)};
        need(length);
        QByteArray bytes(static_cast<qsizetype>(length), Qt::Uninitialized);
        take(bytes.data(), length);
        return QString::fromUtf8(bytes);
    }

    // That many bytes must still be in the file.
    void need(quint64 bytes) const
    {
        if (bytes > static_cast<quint64>(std::max<qint64>(m_left, 0)))
            throw Refusal{tr("the file ends before its header does (it is cut short)")};
    }

    quint64 left() const { return static_cast<quint64>(std::max<qint64>(m_left, 0)); }

    // Past that many bytes, unread.
    void skip(quint64 bytes)
    {
        need(bytes);
        if (m_device.skip(static_cast<qint64>(bytes)) != static_cast<qint64>(bytes))
            throw Refusal{tr("the file could not be read to the end of its header")};
        m_left -= static_cast<qint64>(bytes);
    }

private:
    void take(char *into, quint64 bytes)
    {
        need(bytes);
        if (m_device.read(into, static_cast<qint64>(bytes)) != static_cast<qint64>(bytes))
            throw Refusal{tr("the file could not be read to the end of its header")};
        m_left -= static_cast<qint64>(bytes);
    }

    QIODevice &m_device;
    qint64 m_left;
};

using Type = GgufValue::Type;

// The smallest number of bytes a value of the type takes: an array of n of them needs n times
// that, which is checked before anything is read.
quint64 minimumBytes(Type type)
{
    switch (type) {
    case Type::UInt8:
    case Type::Int8:
    case Type::Bool:
        return 1;
    case Type::UInt16:
    case Type::Int16:
        return 2;
    case Type::UInt32:
    case Type::Int32:
    case Type::Float32:
        return 4;
    case Type::UInt64:
    case Type::Int64:
    case Type::Float64:
    case Type::String: // its length
        return 8;
    case Type::Array: // element type and count
        return 12;
    }
    return 1;
}

class Parser
{
public:
    explicit Parser(QIODevice &device)
        : m_in(device)
    {
    }

    GgufFile file()
    {
        std::array<char, 4> magic{};
        for (char &c : magic)
            c = static_cast<char>(m_in.number<quint8>());
        if (std::memcmp(magic.data(), "GGUF", 4) != 0)
            throw Refusal{tr("it is not a GGUF file (it does not start with “GGUF”)")};
        GgufFile file;
        file.version = m_in.number<quint32>();
        if (file.version < 2 || file.version > 3)
            throw Refusal{tr("GGUF version %1, which this version of Llamadesk cannot read (it reads 2 and 3)")
                                  .arg(file.version)};
        const auto tensors = m_in.number<quint64>();
        const auto entries = m_in.number<quint64>();
        if (entries > GgufReader::MaxMetadataEntries)
            throw Refusal{tr("%1 metadata entries, more than any real file has").arg(entries)};
        if (tensors > GgufReader::MaxTensors)
            throw Refusal{tr("%1 tensors, more than any real file has").arg(tensors)};
        // Each entry is a key (8 bytes of length at least) and a type (4).
        m_in.need(entries * 12);
        file.metadata.reserve(static_cast<qsizetype>(entries));
        for (quint64 i = 0; i < entries; ++i) {
            GgufMetadata entry;
            entry.key = m_in.string();
            entry.value = value(type(m_in.number<quint32>()), 0);
            file.metadata.append(std::move(entry));
        }
        // A tensor's name, dimension count, type and offset: 24 bytes at least.
        m_in.need(tensors * 24);
        file.tensors.reserve(static_cast<qsizetype>(tensors));
        for (quint64 i = 0; i < tensors; ++i) {
            GgufTensor tensor;
            tensor.name = m_in.string();
            const auto dims = m_in.number<quint32>();
            if (dims > GgufReader::MaxDims)
                throw Refusal{tr("a tensor of %1 dimensions, more than the format allows").arg(dims)};
            for (quint32 d = 0; d < dims; ++d)
                tensor.dims.append(m_in.number<quint64>());
            tensor.type = m_in.number<quint32>();
            tensor.offset = m_in.number<quint64>();
            file.tensors.append(std::move(tensor));
        }
        return file;
    }

private:
    Type type(quint32 raw)
    {
        if (raw > static_cast<quint32>(Type::Float64))
            throw Refusal{tr("a value of unknown type %1").arg(raw)};
        return static_cast<Type>(raw);
    }

    GgufValue value(Type type, int depth)
    {
        GgufValue v;
        v.type = type;
        switch (type) {
        case Type::UInt8:
            v.scalar = static_cast<quint64>(m_in.number<quint8>());
            break;
        case Type::Int8:
            v.scalar = static_cast<qint64>(m_in.number<qint8>());
            break;
        case Type::UInt16:
            v.scalar = static_cast<quint64>(m_in.number<quint16>());
            break;
        case Type::Int16:
            v.scalar = static_cast<qint64>(m_in.number<qint16>());
            break;
        case Type::UInt32:
            v.scalar = static_cast<quint64>(m_in.number<quint32>());
            break;
        case Type::Int32:
            v.scalar = static_cast<qint64>(m_in.number<qint32>());
            break;
        case Type::UInt64:
            v.scalar = m_in.number<quint64>();
            break;
        case Type::Int64:
            v.scalar = m_in.number<qint64>();
            break;
        case Type::Float32: {
            const auto bits = m_in.number<quint32>();
            float f = 0;
            std::memcpy(&f, &bits, sizeof f);
            v.scalar = static_cast<double>(f);
            break;
        }
        case Type::Float64: {
            const auto bits = m_in.number<quint64>();
            double d = 0;
            std::memcpy(&d, &bits, sizeof d);
            v.scalar = d;
            break;
        }
        case Type::Bool: {
            const auto b = m_in.number<quint8>();
            if (b > 1)
                throw Refusal{tr("a true-or-false value of %1").arg(b)};
            v.scalar = b == 1;
            break;
        }
        case Type::String:
            v.text = m_in.string();
            break;
        case Type::Array: {
            if (depth >= GgufReader::MaxNesting)
                throw Refusal{tr("arrays nested deeper than any real file has")};
            v.elementType = this->type(m_in.number<quint32>());
            v.count = m_in.number<quint64>();
            if (v.count > GgufReader::MaxArrayItems)
                throw Refusal{tr("an array of %1 values, more than any real file has").arg(v.count)};
            m_items += v.count;
            if (m_items > GgufReader::MaxTotalItems)
                throw Refusal{tr("more array values than any real file has")};
            m_in.need(v.count * minimumBytes(v.elementType));
            const quint64 kept = std::min<quint64>(v.count, GgufReader::KeptArrayItems);
            v.items.reserve(static_cast<qsizetype>(kept));
            for (quint64 i = 0; i < kept; ++i)
                v.items.append(value(v.elementType, depth + 1));
            skip(v.elementType, v.count - kept, depth + 1);
            break;
        }
        }
        return v;
    }

    // Past n values of the type, their lengths checked as value() checks them, nothing kept
    // (a vocabulary's tokens past the first KeptArrayItems).
    void skip(Type type, quint64 n, int depth)
    {
        if (n == 0)
            return;
        switch (type) {
        case Type::String:
            for (quint64 i = 0; i < n; ++i) {
                const auto length = m_in.number<quint64>();
                if (length > GgufReader::MaxStringBytes)
                    throw Refusal{tr("a text of %1 bytes, more than any real file holds").arg(length)};
                m_in.skip(length);
            }
            return;
        case Type::Array:
            if (depth >= GgufReader::MaxNesting)
                throw Refusal{tr("arrays nested deeper than any real file has")};
            for (quint64 i = 0; i < n; ++i) {
                const Type element = this->type(m_in.number<quint32>());
                const auto count = m_in.number<quint64>();
                if (count > GgufReader::MaxArrayItems)
                    throw Refusal{tr("an array of %1 values, more than any real file has").arg(count)};
                m_items += count;
                if (m_items > GgufReader::MaxTotalItems)
                    throw Refusal{tr("more array values than any real file has")};
                m_in.need(count * minimumBytes(element));
                skip(element, count, depth + 1);
            }
            return;
        default:
            m_in.skip(n * minimumBytes(type)); // n is checked against the file already
            return;
        }
    }

    Cursor m_in;
    quint64 m_items = 0;
};

bool templateThinks(const QString &tmpl)
{
    // DeepSeek-R1, Qwen3 and the like open <think>; Qwen3 and others switch it with
    // enable_thinking; gpt-oss writes its analysis channel; Magistral writes [THINK].
    return tmpl.contains(u"<think>") || tmpl.contains(u"enable_thinking") || tmpl.contains(u"reasoning_content")
           || tmpl.contains(u"<|channel|>") || tmpl.contains(u"[THINK]");
}

// A template that renders the request's tools or the model's calls of them.
bool templateHasTools(const QString &tmpl)
{
    return tmpl.contains(u"tools") || tmpl.contains(u"tool_calls");
}
} // namespace

std::optional<qint64> GgufValue::toInteger() const
{
    switch (type) {
    case Type::UInt8:
    case Type::UInt16:
    case Type::UInt32:
    case Type::UInt64: {
        const quint64 u = scalar.toULongLong();
        if (u > static_cast<quint64>(std::numeric_limits<qint64>::max()))
            return std::nullopt;
        return static_cast<qint64>(u);
    }
    case Type::Int8:
    case Type::Int16:
    case Type::Int32:
    case Type::Int64:
        return scalar.toLongLong();
    default:
        return std::nullopt;
    }
}

const GgufValue *GgufFile::find(QStringView key) const
{
    for (const GgufMetadata &entry : metadata) {
        if (entry.key == key)
            return &entry.value;
    }
    return nullptr;
}

QString GgufFile::string(QStringView key) const
{
    const GgufValue *v = find(key);
    return v && v->type == GgufValue::Type::String ? v->text : QString();
}

std::optional<qint64> GgufFile::integer(QStringView key) const
{
    const GgufValue *v = find(key);
    return v ? v->toInteger() : std::nullopt;
}

std::optional<bool> GgufFile::boolean(QStringView key) const
{
    const GgufValue *v = find(key);
    if (!v || v->type != GgufValue::Type::Bool)
        return std::nullopt;
    return v->scalar.toBool();
}

std::variant<GgufFile, GgufError> GgufReader::read(QIODevice &device)
{
    try {
        const qint64 size = device.isSequential() ? 0 : device.size();
        Parser parser(device);
        GgufFile file = parser.file();
        file.size = static_cast<quint64>(std::max<qint64>(size, 0));
        return file;
    } catch (const Refusal &refusal) {
        return GgufError{refusal.message};
    }
}

std::variant<GgufFile, GgufError> GgufReader::readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return GgufError{tr("%1 could not be opened: %2").arg(path, file.errorString())};
    auto result = read(file);
    if (auto *error = std::get_if<GgufError>(&result))
        error->message = tr("%1 cannot be used as a model: %2.").arg(path, error->message);
    return result;
}

std::variant<GgufFile, GgufError> GgufReader::readBytes(const QByteArray &bytes)
{
    QBuffer buffer;
    buffer.setData(bytes);
    buffer.open(QIODevice::ReadOnly);
    return read(buffer);
}

QString GgufReader::fileTypeName(qint64 fileType)
{
    // llama.cpp's llama_ftype (include/llama.h); the gaps are types it has removed.
    static const QHash<qint64, QString> names{
            {0, QStringLiteral("F32")},       {1, QStringLiteral("F16")},      {2, QStringLiteral("Q4_0")},
            {3, QStringLiteral("Q4_1")},      {7, QStringLiteral("Q8_0")},     {8, QStringLiteral("Q5_0")},
            {9, QStringLiteral("Q5_1")},      {10, QStringLiteral("Q2_K")},    {11, QStringLiteral("Q3_K_S")},
            {12, QStringLiteral("Q3_K_M")},   {13, QStringLiteral("Q3_K_L")},  {14, QStringLiteral("Q4_K_S")},
            {15, QStringLiteral("Q4_K_M")},   {16, QStringLiteral("Q5_K_S")},  {17, QStringLiteral("Q5_K_M")},
            {18, QStringLiteral("Q6_K")},     {19, QStringLiteral("IQ2_XXS")}, {20, QStringLiteral("IQ2_XS")},
            {21, QStringLiteral("Q2_K_S")},   {22, QStringLiteral("IQ3_XS")},  {23, QStringLiteral("IQ3_XXS")},
            {24, QStringLiteral("IQ1_S")},    {25, QStringLiteral("IQ4_NL")},  {26, QStringLiteral("IQ3_S")},
            {27, QStringLiteral("IQ3_M")},    {28, QStringLiteral("IQ2_S")},   {29, QStringLiteral("IQ2_M")},
            {30, QStringLiteral("IQ4_XS")},   {31, QStringLiteral("IQ1_M")},   {32, QStringLiteral("BF16")},
            {36, QStringLiteral("TQ1_0")},    {37, QStringLiteral("TQ2_0")},   {38, QStringLiteral("MXFP4_MOE")},
    };
    return names.value(fileType);
}

GgufModelInfo GgufReader::describe(const GgufFile &file)
{
    GgufModelInfo info;
    info.architecture = file.string(u"general.architecture");
    info.name = file.string(u"general.name");
    info.size = file.size;
    for (const GgufTensor &tensor : file.tensors) {
        quint64 elements = tensor.dims.isEmpty() ? 0 : 1;
        for (const quint64 d : tensor.dims)
            elements = d != 0 && elements > std::numeric_limits<quint64>::max() / d ? std::numeric_limits<quint64>::max()
                                                                                    : elements * d;
        info.parameters = elements > std::numeric_limits<quint64>::max() - info.parameters
                                  ? std::numeric_limits<quint64>::max()
                                  : info.parameters + elements;
    }
    // The architecture's own keys: llama.context_length, qwen3.block_count, …
    const auto archInteger = [&](QStringView suffix) {
        return file.integer(QString(info.architecture + u'.' + suffix));
    };
    info.contextLength = archInteger(u"context_length").value_or(0);
    info.layers = archInteger(u"block_count").value_or(0);
    info.embedding = archInteger(u"embedding_length").value_or(0);
    info.heads = archInteger(u"attention.head_count").value_or(0);
    info.headsKv = archInteger(u"attention.head_count_kv").value_or(info.heads);
    const qint64 headSize = info.heads > 0 ? info.embedding / info.heads : 0;
    info.keyLength = archInteger(u"attention.key_length").value_or(headSize);
    info.valueLength = archInteger(u"attention.value_length").value_or(headSize);
    info.fileType = file.integer(u"general.file_type");
    if (info.fileType)
        info.quantization = fileTypeName(*info.fileType);
    info.chatTemplate = file.string(u"tokenizer.chat_template");
    info.thinking = templateThinks(info.chatTemplate);
    info.tools = templateHasTools(info.chatTemplate);

    info.projector = info.architecture == u"clip" || file.find(u"clip.has_vision_encoder")
                     || file.find(u"clip.has_audio_encoder");
    if (info.projector) {
        info.vision = file.boolean(u"clip.has_vision_encoder").value_or(false);
        info.audio = file.boolean(u"clip.has_audio_encoder").value_or(false);
        QStringList types;
        for (const QString &key : {QStringLiteral("clip.projector_type"), QStringLiteral("clip.vision.projector_type"),
                                   QStringLiteral("clip.audio.projector_type")}) {
            const QString type = file.string(key);
            if (!type.isEmpty() && !types.contains(type))
                types.append(type);
        }
        info.projectorType = types.join(QStringLiteral(" + "));
    }
    return info;
}
} // namespace Llamadesk
