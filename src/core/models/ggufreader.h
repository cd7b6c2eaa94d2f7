#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QVariant>

#include <cstdint>
#include <optional>
#include <variant>

class QIODevice;

namespace Llamadesk
{
// What a GGUF file says about itself: its header, every metadata value and its tensors' shapes,
// read without touching the tensor data (a few hundred KiB at the start of a file of gigabytes).
// Every length and count is checked against what is left of the file before anything is
// allocated, and against limits far above any real file, so a truncated or hostile file is an
// error value, never a crash or a huge allocation.
struct GgufValue
{
    // GGUF's value types, with their numbers in the format.
    enum class Type : uint32_t {
        UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
        String = 8, Array = 9, UInt64 = 10, Int64 = 11, Float64 = 12,
    };
    Type type = Type::UInt8;
    // Integers, floats and bools in `scalar` (as qint64, quint64, double or bool), a string in
    // `text`, an array's elements in `items` (all of `elementType`). Only the first
    // KeptArrayItems elements are kept; the rest are stepped over, their lengths checked: a
    // vocabulary's 250,000 tokens are not what a model library shows.
    QVariant scalar;
    QString text;
    Type elementType = Type::UInt8;
    QList<GgufValue> items;
    quint64 count = 0; // of an array's elements, all of them

    // A number of any integer type, or nullopt.
    std::optional<qint64> toInteger() const;
};

struct GgufMetadata
{
    QString key;
    GgufValue value;
};

struct GgufTensor
{
    QString name;
    QList<quint64> dims;
    uint32_t type = 0;
    quint64 offset = 0;
};

struct GgufFile
{
    uint32_t version = 0;
    quint64 size = 0; // of the whole file (the device), in bytes
    QList<GgufMetadata> metadata; // in the file's order
    QList<GgufTensor> tensors;

    const GgufValue *find(QStringView key) const;
    QString string(QStringView key) const;
    std::optional<qint64> integer(QStringView key) const;
    std::optional<bool> boolean(QStringView key) const;
};

// What the app shows about a model or a projector, from its metadata.
struct GgufModelInfo
{
    QString architecture; // general.architecture: "llama", "qwen3", … or "clip" for a projector
    QString name;         // general.name
    quint64 size = 0;          // the file's, in bytes
    quint64 parameters = 0;    // the sum of the tensors' element counts
    qint64 contextLength = 0;  // {architecture}.context_length; 0 when absent
    qint64 layers = 0;         // {architecture}.block_count
    qint64 embedding = 0;      // {architecture}.embedding_length
    qint64 heads = 0;          // {architecture}.attention.head_count
    qint64 headsKv = 0;        // {architecture}.attention.head_count_kv (else head_count)
    qint64 keyLength = 0;      // {architecture}.attention.key_length (else embedding / heads)
    qint64 valueLength = 0;    // {architecture}.attention.value_length (else embedding / heads)
    std::optional<qint64> fileType; // general.file_type (llama.cpp's LLAMA_FTYPE)
    QString quantization;      // its name: "F16", "Q4_K_M", …; empty when unknown
    QString chatTemplate;      // tokenizer.chat_template
    bool thinking = false;     // the template opens a reasoning block
    bool tools = false;        // the template renders tools
    // A projector (mmproj): what it lets the model take, and its type(s).
    bool projector = false;
    bool vision = false;
    bool audio = false;
    QString projectorType;     // "gemma3", "qwen2a", or "gemma3 + qwen2a"
};

struct GgufError
{
    QString message; // for a person: what is wrong with the file
};

class GgufReader
{
public:
    // Limits a real file stays far below; a file beyond one is refused.
    static constexpr quint64 MaxMetadataEntries = 1u << 16;
    static constexpr quint64 MaxTensors = 1u << 20;
    static constexpr quint64 MaxStringBytes = 16u << 20;  // a chat template is a few KiB
    static constexpr quint64 MaxArrayItems = 1u << 24;    // a vocabulary is 250 K tokens
    static constexpr quint64 MaxTotalItems = 1u << 25;    // array elements in the whole file
    static constexpr uint32_t MaxDims = 8;
    static constexpr qsizetype KeptArrayItems = 1024;
    static constexpr int MaxNesting = 4; // arrays of arrays

    // The device is read from its current position; size is what is left of it (for a file, its
    // size), against which every length is checked.
    static std::variant<GgufFile, GgufError> read(QIODevice &device);
    static std::variant<GgufFile, GgufError> readFile(const QString &path);
    static std::variant<GgufFile, GgufError> readBytes(const QByteArray &bytes);

    static GgufModelInfo describe(const GgufFile &file);
    // llama.cpp's names of LLAMA_FTYPE values; empty for one it does not have.
    static QString fileTypeName(qint64 fileType);
};
} // namespace Llamadesk
