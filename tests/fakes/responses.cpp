#include "responses.h"

#include <random>

namespace FakeLlama {
namespace {
std::string dump(const json &data)
{
    // safe_json_to_str(): compact, UTF-8 kept, invalid bytes replaced.
    return data.dump(-1, ' ', false, json::error_handler_t::replace);
}

json chunkEnvelope(const CompletionMeta &meta, json choices)
{
    return json{{"choices", std::move(choices)},
                {"created", meta.created},
                {"id", meta.id},
                {"model", meta.model},
                {"system_fingerprint", meta.fingerprint},
                {"object", "chat.completion.chunk"}};
}
} // namespace

std::string newCompletionId()
{
    static const std::string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    thread_local std::mt19937 generator{std::random_device{}()};
    std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
    std::string id = "chatcmpl-";
    for (int i = 0; i < 32; ++i)
        id.push_back(alphabet[pick(generator)]);
    return id;
}

json timingsJson(const Timings &t)
{
    const double promptPerToken = t.promptN > 0 ? t.promptMs / t.promptN : 0.0;
    const double promptPerSecond = t.promptMs > 0 ? 1e3 / t.promptMs * t.promptN : 0.0;
    const double predictedPerToken = t.predictedN > 0 ? t.predictedMs / t.predictedN : 0.0;
    const double predictedPerSecond = t.predictedMs > 0 ? 1e3 / t.predictedMs * t.predictedN : 0.0;
    return json{{"cache_n", t.cacheN},
                {"prompt_n", t.promptN},
                {"prompt_ms", t.promptMs},
                {"prompt_per_token_ms", promptPerToken},
                {"prompt_per_second", promptPerSecond},
                {"predicted_n", t.predictedN},
                {"predicted_ms", t.predictedMs},
                {"predicted_per_token_ms", predictedPerToken},
                {"predicted_per_second", predictedPerSecond}};
}

json usageJson(int promptTokens, int completionTokens, int cachedTokens)
{
    return json{{"completion_tokens", completionTokens},
                {"prompt_tokens", promptTokens},
                {"total_tokens", promptTokens + completionTokens},
                {"prompt_tokens_details", json{{"cached_tokens", cachedTokens}}}};
}

json streamChunk(const CompletionMeta &meta, const json &delta, const json &finishReason)
{
    return chunkEnvelope(
            meta, json::array({json{{"finish_reason", finishReason}, {"index", 0}, {"delta", delta}}}));
}

json usageChunk(const CompletionMeta &meta, const json &usage)
{
    json chunk = chunkEnvelope(meta, json::array());
    chunk["usage"] = usage;
    return chunk;
}

json completionResponse(const CompletionMeta &meta, const std::string &content, const std::string &reasoning,
                        const std::string &finishReason, const json &usage, const json &timings)
{
    json message{{"role", "assistant"}, {"content", content}};
    if (!reasoning.empty())
        message["reasoning_content"] = reasoning;
    return json{{"choices",
                 json::array({json{{"finish_reason", finishReason}, {"index", 0}, {"message", message}}})},
                {"created", meta.created},
                {"model", meta.model},
                {"system_fingerprint", meta.fingerprint},
                {"object", "chat.completion"},
                {"usage", usage},
                {"id", meta.id},
                {"timings", timings}};
}

std::string sseEvent(const json &data)
{
    return sseEvent(dump(data));
}

std::string sseEvent(const std::string &data)
{
    return "data: " + data + "\n\n";
}
} // namespace FakeLlama
