#include "model.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "gguf.h"

namespace FakeLlama {
namespace {
// llama_model_ftype_name() for the file types one meets in practice.
std::string ftypeName(uint64_t fileType)
{
    static const std::map<uint64_t, std::string> names = {
            {0, "all F32"},
            {1, "F16"},
            {2, "Q4_0"},
            {3, "Q4_1"},
            {7, "Q8_0"},
            {8, "Q5_0"},
            {9, "Q5_1"},
            {10, "Q2_K - Medium"},
            {11, "Q3_K - Small"},
            {12, "Q3_K - Medium"},
            {13, "Q3_K - Large"},
            {14, "Q4_K - Small"},
            {15, "Q4_K - Medium"},
            {16, "Q5_K - Small"},
            {17, "Q5_K - Medium"},
            {18, "Q6_K"},
            {19, "IQ2_XXS - 2.0625 bpw"},
            {20, "IQ2_XS - 2.3125 bpw"},
            {25, "IQ4_NL - 4.5 bpw"},
            {30, "IQ4_XS - 4.25 bpw"},
            {32, "BF16"},
            {38, "MXFP4 MoE"},
    };
    const auto found = names.find(fileType);
    return found == names.end() ? std::string("unknown, may not work") : found->second;
}

int vocabType(const std::string &tokenizerModel)
{
    if (tokenizerModel == "gpt2")
        return 2;
    if (tokenizerModel == "bert")
        return 3;
    if (tokenizerModel == "t5")
        return 4;
    if (tokenizerModel == "rwkv")
        return 5;
    return 1;
}

std::string tokenText(const Gguf::File &file, const char *idKey)
{
    const auto *tokens = file.stringArray("tokenizer.ggml.tokens");
    const auto id = file.integer(idKey);
    if (!tokens || !id || *id >= tokens->size())
        return {};
    return (*tokens)[*id];
}

int intValue(const Gguf::File &file, const std::string &key, int fallback)
{
    const auto value = file.integer(key);
    return value ? static_cast<int>(*value) : fallback;
}
} // namespace

std::optional<ModelInfo> loadTextModel(const std::string &path, std::vector<std::string> &errorLines)
{
    const Gguf::ReadResult read = Gguf::read(path);
    if (!read.file) {
        errorLines = read.errorLines;
        errorLines.push_back(
                "llama_model_load: error loading model: llama_model_loader: failed to load model from "
                + path);
        errorLines.push_back("llama_model_load_from_file_impl: failed to load model");
        return std::nullopt;
    }
    const Gguf::File &file = *read.file;

    ModelInfo model;
    model.path = path;
    model.fileName = std::filesystem::path(path).filename().string();
    model.architecture = file.string("general.architecture").value_or(std::string());
    if (model.architecture.empty() || model.architecture == "clip") {
        errorLines.push_back(
                "llama_model_load: error loading model: error loading model architecture: unknown model architecture: '"
                + model.architecture + "'");
        errorLines.push_back("llama_model_load_from_file_impl: failed to load model");
        return std::nullopt;
    }
    if (const auto tensor = file.tensorOutOfBounds()) {
        errorLines.push_back("llama_model_load: error loading model: tensor '" + *tensor
                             + "' data is not within the file bounds, model is corrupted or incomplete");
        errorLines.push_back("llama_model_load_from_file_impl: failed to load model");
        return std::nullopt;
    }

    const std::string arch = model.architecture;
    model.nCtxTrain = intValue(file, arch + ".context_length", 2048);
    model.nEmbd = intValue(file, arch + ".embedding_length", 0);
    const auto *tokens = file.stringArray("tokenizer.ggml.tokens");
    model.nVocab = tokens ? static_cast<int>(tokens->size()) : intValue(file, arch + ".vocab_size", 0);
    model.vocabType = vocabType(file.string("tokenizer.ggml.model").value_or(std::string("llama")));
    model.nParams = file.parameterCount();
    model.size = file.tensorBytes();
    model.ftype = ftypeName(file.integer("general.file_type").value_or(0));
    model.chatTemplate = file.string("tokenizer.chat_template").value_or(std::string());
    model.thinking = model.chatTemplate.find("<think>") != std::string::npos;
    model.bosToken = tokenText(file, "tokenizer.ggml.bos_token_id");
    model.eosToken = tokenText(file, "tokenizer.ggml.eos_token_id");
    return model;
}

std::optional<ProjectorInfo> loadProjector(const std::string &path, std::vector<std::string> &errorLines)
{
    const Gguf::ReadResult read = Gguf::read(path);
    const auto fail = [&](const std::string &why) {
        if (!why.empty())
            errorLines.push_back(why);
        errorLines.push_back("mtmd_init_from_file: error: Failed to load CLIP model from " + path);
        return std::nullopt;
    };
    if (!read.file) {
        errorLines = read.errorLines;
        return fail({});
    }
    const Gguf::File &file = *read.file;
    // A text model given as projector: LLAMA_SERVER.md records only the CLIP line for 0.5.0; no
    // release prints the "not a multimodal projector" sentence an earlier fake invented.
    if (file.string("general.architecture").value_or(std::string()) != "clip")
        return fail({});
    if (const auto tensor = file.tensorOutOfBounds())
        return fail("clip_model_loader: error: tensor '" + *tensor + "' data is not within the file bounds");

    ProjectorInfo projector;
    projector.path = path;
    projector.vision = file.boolean("clip.has_vision_encoder", false);
    projector.audio = file.boolean("clip.has_audio_encoder", false);
    if (!projector.vision && !projector.audio)
        return fail("clip_init: error: the projector has neither a vision nor an audio encoder");
    const int imageSize = intValue(file, "clip.vision.image_size", 0);
    const int patchSize = intValue(file, "clip.vision.patch_size", 0);
    const int merge = intValue(file, "clip.vision.projector.scale_factor", 1);
    if (imageSize > 0 && patchSize > 0 && merge > 0) {
        const int side = imageSize / patchSize / merge;
        projector.imageTokens = std::max(1, side * side);
    }
    return projector;
}
} // namespace FakeLlama
