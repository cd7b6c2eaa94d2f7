#pragma once

// POST /v1/chat/completions, parsed the way llama-server parses it
// (server-common.cpp oaicompat_chat_params_parse and the tokenisation after it), with the
// same error status codes and messages. Pure: a body string in, a request or an error out.

#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "media.h"

namespace FakeLlama {
using json = nlohmann::ordered_json;

enum class ErrorType {
    InvalidRequest,
    Authentication,
    NotFound,
    Server,
    Permission,
    NotSupported,
    Unavailable,
    ExceedContext
};

// {"code":…,"message":…,"type":…}, format_error_response() of server-common.cpp.
json errorObject(const std::string &message, ErrorType type);
int errorStatus(ErrorType type);

struct HttpError
{
    int status = 500;
    json body; // {"error":{…}}
};

HttpError httpError(const std::string &message, ErrorType type);

struct ChatRequestContext
{
    bool vision = false;
    bool audio = false;
    bool jinja = true;
    bool thinkingTemplate = false;
    bool checkAudioFormat = false;  // b7347: input_audio.format must be wav or mp3
    bool separateReasoning = true;  // false: b7347's "Content-only" chat format
    std::string defaultReasoningFormat = "auto";
    int defaultNPredict = -1;
    int imageTokens = 256;
    int audioTokensPerChunk = 750;
    int nCtxSlot = 2048;
};

struct ChatRequest
{
    std::string prompt; // the rendered chat template, used to seed the reply
    int promptTokens = 0;
    std::vector<MediaInput> media;
    bool stream = false;
    bool includeUsage = false;
    int nPredict = -1;
    bool thinking = false;         // the generation prompt opened a <think> block
    bool extractReasoning = false; // reasoning goes to reasoning_content, not content
    bool contentOnly = false;      // the raw output in content, no <think> added (b7347)
};

// A rough tokeniser: about four characters a token, a token at least per word.
int estimateTokens(const std::string &text);

std::variant<ChatRequest, HttpError> parseChatRequest(const std::string &body,
                                                      const ChatRequestContext &context);
} // namespace FakeLlama
