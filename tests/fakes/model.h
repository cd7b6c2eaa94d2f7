#pragma once

// What the fake "loads": the facts about the text model and the projector that the real
// server exposes through /props, /v1/models and its behaviour.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace FakeLlama {
struct ModelInfo
{
    std::string path;     // as given with -m
    std::string fileName; // its basename: chat responses name the model by it
    std::string architecture;
    int nCtxTrain = 2048;
    int nEmbd = 0;
    int nVocab = 0;
    int vocabType = 1; // llama_vocab_type: 1 SPM, 2 BPE, 3 WPM, 4 UGM, 5 RWKV
    uint64_t nParams = 0;
    uint64_t size = 0;
    std::string ftype;
    std::string chatTemplate;
    bool thinking = false; // the template opens a <think> block at the generation prompt
    std::string bosToken;
    std::string eosToken;
};

struct ProjectorInfo
{
    std::string path;
    bool vision = false;
    bool audio = false;
    int imageTokens = 256;         // tokens one image costs
    int audioTokensPerChunk = 750; // tokens every started 30 s of audio costs
};

// On failure the returned value is empty and errorLines holds the log lines (all errors)
// the real server prints for that file, in order.
std::optional<ModelInfo> loadTextModel(const std::string &path, std::vector<std::string> &errorLines);
std::optional<ProjectorInfo> loadProjector(const std::string &path, std::vector<std::string> &errorLines);
} // namespace FakeLlama
