#include "gguf.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

namespace FakeLlama::Gguf {
namespace {
enum ValueType : uint32_t {
    U8 = 0,
    I8 = 1,
    U16 = 2,
    I16 = 3,
    U32 = 4,
    I32 = 5,
    F32 = 6,
    BOOL = 7,
    STRING = 8,
    ARRAY = 9,
    U64 = 10,
    I64 = 11,
    F64 = 12,
};

struct TypeSize
{
    uint64_t blockBytes;
    uint64_t blockElements;
};

// ggml_type -> bytes per block and elements per block (ggml.c's type traits).
std::optional<TypeSize> typeSize(uint32_t type)
{
    static const std::map<uint32_t, TypeSize> sizes = {
            {0, {4, 1}},      {1, {2, 1}},      {2, {18, 32}},    {3, {20, 32}},    {6, {22, 32}},
            {7, {24, 32}},    {8, {34, 32}},    {9, {36, 32}},    {10, {84, 256}},  {11, {110, 256}},
            {12, {144, 256}}, {13, {176, 256}}, {14, {210, 256}}, {15, {292, 256}}, {16, {66, 256}},
            {17, {74, 256}},  {18, {98, 256}},  {19, {50, 256}},  {20, {18, 32}},   {21, {110, 256}},
            {22, {82, 256}},  {23, {136, 256}}, {24, {1, 1}},     {25, {2, 1}},     {26, {4, 1}},
            {27, {8, 1}},     {28, {8, 1}},     {29, {56, 256}},  {30, {2, 1}},     {34, {54, 256}},
            {35, {66, 256}},  {39, {17, 32}},
    };
    const auto found = sizes.find(type);
    if (found == sizes.end())
        return std::nullopt;
    return found->second;
}

uint64_t elementCount(const TensorInfo &tensor)
{
    uint64_t n = 1;
    for (const uint64_t dim : tensor.dims)
        n *= dim;
    return n;
}

std::optional<uint64_t> byteCount(const TensorInfo &tensor)
{
    const auto size = typeSize(tensor.type);
    if (!size)
        return std::nullopt;
    return elementCount(tensor) / size->blockElements * size->blockBytes;
}

class Reader
{
public:
    Reader(std::ifstream &in, uint64_t size)
        : m_in(in)
        , m_size(size)
    {}

    template<typename T>
    bool scalar(T &out)
    {
        return raw(&out, sizeof(T));
    }

    bool raw(void *out, uint64_t n)
    {
        if (n > m_size - m_pos)
            return false;
        m_in.read(static_cast<char *>(out), static_cast<std::streamsize>(n));
        if (!m_in)
            return false;
        m_pos += n;
        return true;
    }

    bool skip(uint64_t n)
    {
        if (n > m_size - m_pos)
            return false;
        m_in.seekg(static_cast<std::streamoff>(n), std::ios::cur);
        m_pos += n;
        return static_cast<bool>(m_in);
    }

    bool string(std::string &out)
    {
        uint64_t n = 0;
        if (!scalar(n) || n > m_size - m_pos)
            return false;
        out.resize(n);
        return n == 0 || raw(out.data(), n);
    }

    uint64_t pos() const { return m_pos; }

private:
    std::ifstream &m_in;
    uint64_t m_size;
    uint64_t m_pos = 0;
};

uint64_t scalarBytes(uint32_t type)
{
    switch (type) {
    case U8:
    case I8:
    case BOOL:
        return 1;
    case U16:
    case I16:
        return 2;
    case U32:
    case I32:
    case F32:
        return 4;
    case U64:
    case I64:
    case F64:
        return 8;
    default:
        return 0;
    }
}

template<typename T>
bool readUnsigned(Reader &reader, Value &value)
{
    T v{};
    if (!reader.scalar(v))
        return false;
    value.kind = Value::Kind::Unsigned;
    value.u = v;
    return true;
}

template<typename T>
bool readSigned(Reader &reader, Value &value)
{
    T v{};
    if (!reader.scalar(v))
        return false;
    value.kind = Value::Kind::Signed;
    value.i = v;
    return true;
}

template<typename T>
bool readFloat(Reader &reader, Value &value)
{
    T v{};
    if (!reader.scalar(v))
        return false;
    value.kind = Value::Kind::Float;
    value.f = v;
    return true;
}

bool readScalar(Reader &reader, uint32_t type, Value &value)
{
    switch (type) {
    case U8:
        return readUnsigned<uint8_t>(reader, value);
    case U16:
        return readUnsigned<uint16_t>(reader, value);
    case U32:
        return readUnsigned<uint32_t>(reader, value);
    case U64:
        return readUnsigned<uint64_t>(reader, value);
    case I8:
        return readSigned<int8_t>(reader, value);
    case I16:
        return readSigned<int16_t>(reader, value);
    case I32:
        return readSigned<int32_t>(reader, value);
    case I64:
        return readSigned<int64_t>(reader, value);
    case F32:
        return readFloat<float>(reader, value);
    case F64:
        return readFloat<double>(reader, value);
    case BOOL: {
        const bool ok = readUnsigned<uint8_t>(reader, value);
        value.kind = Value::Kind::Bool;
        value.b = value.u != 0;
        return ok;
    }
    case STRING:
        value.kind = Value::Kind::String;
        return reader.string(value.s);
    default:
        return false;
    }
}

bool readValue(Reader &reader, uint32_t type, Value &value)
{
    if (type != ARRAY)
        return readScalar(reader, type, value);
    value.kind = Value::Kind::Array;
    if (!reader.scalar(value.arrayType) || !reader.scalar(value.arrayCount))
        return false;
    if (value.arrayType == STRING) {
        value.strings.reserve(static_cast<size_t>(std::min<uint64_t>(value.arrayCount, 1u << 20)));
        for (uint64_t i = 0; i < value.arrayCount; ++i) {
            std::string element;
            if (!reader.string(element))
                return false;
            value.strings.push_back(std::move(element));
        }
        return true;
    }
    const uint64_t width = scalarBytes(value.arrayType);
    if (width == 0 || value.arrayCount > UINT64_MAX / width)
        return false; // nested arrays do not occur in model files
    return reader.skip(width * value.arrayCount);
}

std::string magicText(const char magic[4])
{
    return std::string(magic, 4);
}
} // namespace

std::optional<std::string> File::string(const std::string &key) const
{
    const auto found = kv.find(key);
    if (found == kv.end() || found->second.kind != Value::Kind::String)
        return std::nullopt;
    return found->second.s;
}

std::optional<uint64_t> File::integer(const std::string &key) const
{
    const auto found = kv.find(key);
    if (found == kv.end())
        return std::nullopt;
    if (found->second.kind == Value::Kind::Unsigned)
        return found->second.u;
    if (found->second.kind == Value::Kind::Signed && found->second.i >= 0)
        return static_cast<uint64_t>(found->second.i);
    return std::nullopt;
}

bool File::boolean(const std::string &key, bool fallback) const
{
    const auto found = kv.find(key);
    if (found == kv.end() || found->second.kind != Value::Kind::Bool)
        return fallback;
    return found->second.b;
}

const std::vector<std::string> *File::stringArray(const std::string &key) const
{
    const auto found = kv.find(key);
    if (found == kv.end() || found->second.kind != Value::Kind::Array || found->second.arrayType != STRING)
        return nullptr;
    return &found->second.strings;
}

uint64_t File::parameterCount() const
{
    uint64_t n = 0;
    for (const TensorInfo &tensor : tensors)
        n += elementCount(tensor);
    return n;
}

uint64_t File::tensorBytes() const
{
    uint64_t n = 0;
    for (const TensorInfo &tensor : tensors)
        n += byteCount(tensor).value_or(0);
    return n;
}

std::optional<std::string> File::tensorOutOfBounds() const
{
    for (const TensorInfo &tensor : tensors) {
        const uint64_t bytes = byteCount(tensor).value_or(0);
        if (dataOffset + tensor.offset + bytes > fileSize)
            return tensor.name;
    }
    return std::nullopt;
}

ReadResult read(const std::string &path)
{
    ReadResult result;
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        const int error = errno;
        result.errorLines.push_back("gguf_init_from_file: failed to open GGUF file '" + path + "' ("
                                    + std::strerror(error ? error : ENOENT) + ")");
        return result;
    }
    const auto end = in.tellg();
    const uint64_t size = end > 0 ? static_cast<uint64_t>(end) : 0;
    in.seekg(0);
    Reader reader(in, size);
    const std::string where = "gguf_init_from_reader: ";

    char magic[4] = {};
    if (!reader.raw(magic, sizeof magic)) {
        result.errorLines.push_back(where + "failed to read magic");
        return result;
    }
    if (std::memcmp(magic, "GGUF", 4) != 0) {
        result.errorLines.push_back(where + "invalid magic characters: '" + magicText(magic)
                                    + "', expected 'GGUF'");
        return result;
    }

    File file;
    file.fileSize = size;
    uint64_t tensorCount = 0;
    uint64_t kvCount = 0;
    if (!reader.scalar(file.version) || !reader.scalar(tensorCount) || !reader.scalar(kvCount)) {
        result.errorLines.push_back(where + "failed to read header");
        return result;
    }
    if (file.version < 2 || file.version > 3) {
        result.errorLines.push_back(where + "this GGUF file is version " + std::to_string(file.version)
                                    + " but this software only supports versions 2 and 3");
        return result;
    }

    for (uint64_t i = 0; i < kvCount; ++i) {
        std::string key;
        uint32_t type = 0;
        Value value;
        if (!reader.string(key) || !reader.scalar(type) || !readValue(reader, type, value)) {
            result.errorLines.push_back(where + "failed to read key-value pairs");
            return result;
        }
        file.kv[key] = std::move(value);
    }

    for (uint64_t i = 0; i < tensorCount; ++i) {
        TensorInfo tensor;
        uint32_t nDims = 0;
        bool ok = reader.string(tensor.name) && reader.scalar(nDims) && nDims <= 4;
        for (uint32_t d = 0; ok && d < nDims; ++d) {
            uint64_t dim = 0;
            ok = reader.scalar(dim);
            tensor.dims.push_back(dim);
        }
        ok = ok && reader.scalar(tensor.type) && reader.scalar(tensor.offset);
        if (!ok) {
            result.errorLines.push_back(where + "failed to read tensor info");
            return result;
        }
        file.tensors.push_back(std::move(tensor));
    }

    const uint64_t alignment = file.integer("general.alignment").value_or(32);
    const uint64_t headerEnd = reader.pos();
    file.dataOffset = alignment ? (headerEnd + alignment - 1) / alignment * alignment : headerEnd;
    result.file = std::move(file);
    return result;
}
} // namespace FakeLlama::Gguf
