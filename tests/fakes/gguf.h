#pragma once

// A small GGUF reader: the header, every key/value pair and the tensor table, no tensor
// data. Enough for the fake to know what the real server would know about a model
// (context length, vocabulary, chat template, projector modalities) and to fail on the same
// broken files with the same messages.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace FakeLlama::Gguf {
struct Value
{
    enum class Kind {
        Unsigned,
        Signed,
        Float,
        Bool,
        String,
        Array
    };
    Kind kind = Kind::Unsigned;
    uint64_t u = 0;
    int64_t i = 0;
    double f = 0;
    bool b = false;
    std::string s;
    uint32_t arrayType = 0;
    uint64_t arrayCount = 0;
    std::vector<std::string> strings; // the elements of a string array
};

struct TensorInfo
{
    std::string name;
    std::vector<uint64_t> dims;
    uint32_t type = 0;
    uint64_t offset = 0; // from the start of the data section
};

struct File
{
    uint32_t version = 0;
    std::map<std::string, Value> kv;
    std::vector<TensorInfo> tensors;
    uint64_t dataOffset = 0; // where the aligned data section starts
    uint64_t fileSize = 0;

    std::optional<std::string> string(const std::string &key) const;
    std::optional<uint64_t> integer(const std::string &key) const;
    bool boolean(const std::string &key, bool fallback) const;
    const std::vector<std::string> *stringArray(const std::string &key) const;

    uint64_t parameterCount() const;
    uint64_t tensorBytes() const;
    // The first tensor whose data lies past the end of the file, if any (a truncated file).
    std::optional<std::string> tensorOutOfBounds() const;
};

struct ReadResult
{
    std::optional<File> file;
    // On failure: what ggml's gguf reader prints, one log line each, e.g.
    // "gguf_init_from_file: failed to open GGUF file 'x' (No such file or directory)".
    std::vector<std::string> errorLines;
};

ReadResult read(const std::string &path);
} // namespace FakeLlama::Gguf
