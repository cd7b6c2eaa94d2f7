#pragma once

// The JSON bodies of chat completions, streamed and not, in llama-server's shapes
// (server-task.cpp: to_json_oaicompat_chat, to_json_oaicompat_chat_stream, timings).

#include <string>

#include <nlohmann/json.hpp>

namespace FakeLlama {
using json = nlohmann::ordered_json;

struct CompletionMeta
{
    std::string id; // "chatcmpl-…"
    long long created = 0;
    std::string model;
    std::string fingerprint;
};

struct Timings
{
    int cacheN = 0;
    int promptN = 0;
    double promptMs = 0;
    int predictedN = 0;
    double predictedMs = 0;
};

std::string newCompletionId();

json timingsJson(const Timings &timings);
json usageJson(int promptTokens, int completionTokens, int cachedTokens);

// One chunk of a stream: finishReason is null while generating.
json streamChunk(const CompletionMeta &meta, const json &delta, const json &finishReason);
// The last chunk when stream_options.include_usage is set: empty choices, usage.
json usageChunk(const CompletionMeta &meta, const json &usage);
json completionResponse(const CompletionMeta &meta, const std::string &content, const std::string &reasoning,
                        const std::string &finishReason, const json &usage, const json &timings);

// One server-sent event: "data: <json>\n\n".
std::string sseEvent(const json &data);
std::string sseEvent(const std::string &data);
} // namespace FakeLlama
