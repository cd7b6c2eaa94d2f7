#pragma once

// Writes GGUF files for tests: the header, metadata of every type and tensor infos, byte by byte
// as the format says (little-endian), so that a test can build a valid file and then break it.
#include <QByteArray>
#include <QString>
#include <QtEndian>

#include <cstdint>
#include <cstring>

namespace Llamadesk::TestSupport
{
class GgufBuilder
{
public:
    enum Type : uint32_t { UInt8 = 0, Int8, UInt16, Int16, UInt32, Int32, Float32, Bool, String, Array, UInt64, Int64, Float64 };

    explicit GgufBuilder(uint32_t version = 3, const char *magic = "GGUF")
    {
        m_bytes.append(magic, 4);
        put<uint32_t>(version);
        m_countsAt = m_bytes.size();
        put<uint64_t>(0); // tensors, patched by bytes()
        put<uint64_t>(0); // metadata entries
    }

    template<typename T>
    void put(T value)
    {
        char raw[sizeof(T)];
        qToLittleEndian(value, raw);
        m_bytes.append(raw, sizeof(T));
    }
    void putString(const QByteArray &text)
    {
        put<uint64_t>(static_cast<uint64_t>(text.size()));
        m_bytes.append(text);
    }
    void putFloat(float f)
    {
        uint32_t bits = 0;
        std::memcpy(&bits, &f, sizeof f);
        put(bits);
    }
    void putDouble(double d)
    {
        uint64_t bits = 0;
        std::memcpy(&bits, &d, sizeof d);
        put(bits);
    }

    // The key and type of an entry; its value follows with put…().
    GgufBuilder &key(const QByteArray &name, Type type)
    {
        ++m_entries;
        putString(name);
        put<uint32_t>(type);
        return *this;
    }
    GgufBuilder &string(const QByteArray &name, const QByteArray &value)
    {
        key(name, String);
        putString(value);
        return *this;
    }
    GgufBuilder &uint32(const QByteArray &name, uint32_t value)
    {
        key(name, UInt32);
        put(value);
        return *this;
    }
    GgufBuilder &boolean(const QByteArray &name, bool value)
    {
        key(name, Bool);
        put<uint8_t>(value ? 1 : 0);
        return *this;
    }
    GgufBuilder &tensor(const QByteArray &name, std::initializer_list<uint64_t> dims, uint32_t type = 1)
    {
        ++m_tensors;
        m_tensorInfos.append(name);
        m_tensorDims.append(QList<uint64_t>(dims));
        m_tensorTypes.append(type);
        return *this;
    }

    // The file: the header and metadata as written, then the tensor infos (offsets in order,
    // no data after them).
    QByteArray bytes() const
    {
        GgufBuilder copy = *this;
        char raw[8];
        qToLittleEndian<uint64_t>(m_tensors, raw);
        std::memcpy(copy.m_bytes.data() + m_countsAt, raw, 8);
        qToLittleEndian<uint64_t>(m_entries, raw);
        std::memcpy(copy.m_bytes.data() + m_countsAt + 8, raw, 8);
        uint64_t offset = 0;
        for (qsizetype i = 0; i < m_tensorInfos.size(); ++i) {
            copy.putString(m_tensorInfos.at(i));
            copy.put<uint32_t>(static_cast<uint32_t>(m_tensorDims.at(i).size()));
            for (const uint64_t d : m_tensorDims.at(i))
                copy.put<uint64_t>(d);
            copy.put<uint32_t>(m_tensorTypes.at(i));
            copy.put<uint64_t>(offset);
            offset += 32;
        }
        return copy.m_bytes;
    }

private:
    QByteArray m_bytes;
    qsizetype m_countsAt = 0;
    uint64_t m_entries = 0;
    uint64_t m_tensors = 0;
    QList<QByteArray> m_tensorInfos;
    QList<QList<uint64_t>> m_tensorDims;
    QList<uint32_t> m_tensorTypes;
};
} // namespace Llamadesk::TestSupport
