#include "chatrequest.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace FakeLlama {
namespace {
const char *typeName(ErrorType type)
{
    switch (type) {
    case ErrorType::InvalidRequest:
        return "invalid_request_error";
    case ErrorType::Authentication:
        return "authentication_error";
    case ErrorType::NotFound:
        return "not_found_error";
    case ErrorType::Permission:
        return "permission_error";
    case ErrorType::NotSupported:
        return "not_supported_error";
    case ErrorType::Unavailable:
        return "unavailable_error";
    case ErrorType::ExceedContext:
        return "exceed_context_size_error";
    case ErrorType::Server:
        break;
    }
    return "server_error";
}

// Thrown while parsing; caught once and turned into the HTTP answer, like ex_wrapper().
struct RequestError : std::runtime_error
{
    RequestError(const std::string &message, ErrorType errorType, int tokens = 0)
        : std::runtime_error(message)
        , type(errorType)
        , promptTokens(tokens)
    {}
    ErrorType type;
    int promptTokens; // for ExceedContext
};

[[noreturn]] void invalid(const std::string &message)
{
    throw RequestError(message, ErrorType::InvalidRequest);
}

[[noreturn]] void serverError(const std::string &message)
{
    throw RequestError(message, ErrorType::Server);
}

// json_value(): the default unless the key holds a value of the wanted kind.
int intField(const json &body, const char *key, int fallback)
{
    if (!body.is_object() || !body.contains(key))
        return fallback;
    const json &value = body.at(key);
    return value.is_number() ? value.get<int>() : fallback;
}

bool boolField(const json &body, const char *key, bool fallback)
{
    if (!body.is_object() || !body.contains(key))
        return fallback;
    const json &value = body.at(key);
    return value.is_boolean() ? value.get<bool>() : fallback;
}

std::string stringField(const json &body, const char *key)
{
    if (!body.is_object() || !body.contains(key) || !body.at(key).is_string())
        return {};
    return body.at(key).get<std::string>();
}

bool startsWith(const std::string &text, const std::string &prefix)
{
    return text.rfind(prefix, 0) == 0;
}

bool endsWith(const std::string &text, const std::string &suffix)
{
    return text.size() >= suffix.size()
            && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// handle_media() for data URLs; remote and file URLs are not served by the fake.
std::string mediaBytesFromUrl(const std::string &url)
{
    if (startsWith(url, "http"))
        serverError("Failed to download image");
    if (startsWith(url, "file://"))
        invalid("file:// URLs are not allowed unless --media-path is specified");
    const size_t comma = url.find(',');
    if (comma == std::string::npos || url.find(',', comma + 1) != std::string::npos)
        serverError("Invalid url value");
    const std::string head = url.substr(0, comma);
    if (!startsWith(head, "data:image/"))
        serverError("Invalid url format: " + head);
    if (!endsWith(head, "base64"))
        serverError("url must be base64 encoded");
    return base64Decode(url.substr(comma + 1));
}

struct RenderedMessage
{
    std::string role;
    std::string text;
};

// Checks every content part (in the real server's order) and collects text and media.
std::vector<RenderedMessage> readMessages(json &body, const ChatRequestContext &context,
                                          std::vector<std::string> &files)
{
    if (!body.is_object() || !body.contains("messages"))
        invalid("'messages' is required");
    json &messages = body.at("messages");
    if (!messages.is_array())
        invalid("Expected 'messages' to be an array");

    std::vector<RenderedMessage> rendered;
    for (json &message : messages) {
        const std::string role = stringField(message, "role");
        const bool hasContent = message.is_object() && message.contains("content");
        if (role != "assistant" && !hasContent)
            invalid("All non-assistant messages must contain 'content'");
        if (role == "assistant" && !hasContent) {
            if (!message.contains("tool_calls"))
                invalid("Assistant message must contain either 'content' or 'tool_calls'!");
            rendered.push_back({role, {}});
            continue;
        }
        const json &content = message.at("content");
        if (content.is_string() || content.is_null()) {
            rendered.push_back({role, content.is_string() ? content.get<std::string>() : std::string()});
            continue;
        }
        if (!content.is_array())
            invalid("Expected 'content' to be a string or an array");

        std::string text;
        for (const json &part : content) {
            const std::string type = stringField(part, "type");
            if (type == "image_url") {
                if (!context.vision)
                    serverError(
                            "image input is not supported - hint: if this is unexpected, you may need to provide the mmproj");
                const json imageUrl = part.contains("image_url") ? part.at("image_url") : json::object();
                files.push_back(mediaBytesFromUrl(stringField(imageUrl, "url")));
                text += "<__media__>";
            } else if (type == "input_audio") {
                if (!context.audio)
                    serverError(
                            "audio input is not supported - hint: if this is unexpected, you may need to provide the mmproj");
                const json audio = part.contains("input_audio") ? part.at("input_audio") : json::object();
                const std::string format = stringField(audio, "format");
                if (context.checkAudioFormat && format != "wav" && format != "mp3")
                    invalid("input_audio.format must be either 'wav' or 'mp3'");
                files.push_back(base64Decode(stringField(audio, "data")));
                text += "<__media__>";
            } else if (type == "text") {
                text += stringField(part, "text");
            } else {
                invalid("unsupported content[].type");
            }
        }
        rendered.push_back({role, text});
    }
    return rendered;
}

bool validReasoningFormat(const std::string &name)
{
    return name == "none" || name == "auto" || name == "deepseek" || name == "deepseek-legacy";
}

ChatRequest parse(const std::string &bodyText, const ChatRequestContext &context)
{
    json body;
    try {
        body = json::parse(bodyText);
    } catch (const json::exception &e) {
        serverError(e.what()); // "[json.exception.parse_error.101] …", a 500 as in the real server
    }

    const json tools = body.is_object() && body.contains("tools") ? body.at("tools") : json();
    if (!context.jinja && tools.is_array() && !tools.empty())
        serverError("tools param requires --jinja flag");
    if (body.is_object() && body.contains("json_schema") && !stringField(body, "grammar").empty())
        serverError("Cannot use both json_schema and grammar");
    if (body.is_object() && body.contains("response_format")) {
        const std::string type = stringField(body.at("response_format"), "type");
        if (!type.empty() && type != "text" && type != "json_object" && type != "json_schema")
            invalid("response_format type must be one of \"text\" or \"json_object\", but got: " + type);
    }

    std::vector<std::string> files;
    const std::vector<RenderedMessage> messages = readMessages(body, context, files);

    std::string reasoningFormat = context.defaultReasoningFormat;
    if (body.contains("reasoning_format")) {
        try {
            reasoningFormat = body.at("reasoning_format").get<std::string>();
        } catch (const json::exception &e) {
            serverError(e.what());
        }
        if (!validReasoningFormat(reasoningFormat))
            serverError("Unknown reasoning format: " + reasoningFormat);
    }
    bool enableThinking = true;
    if (body.contains("chat_template_kwargs") && body.at("chat_template_kwargs").is_object()) {
        const json &kwargs = body.at("chat_template_kwargs");
        if (kwargs.contains("enable_thinking")) {
            if (kwargs.at("enable_thinking").is_string())
                invalid("invalid type for \"enable_thinking\" (expected boolean, got string)");
            enableThinking = kwargs.at("enable_thinking").is_boolean()
                    ? kwargs.at("enable_thinking").get<bool>()
                    : true;
        }
    }

    ChatRequest request;
    request.thinking = context.jinja && context.thinkingTemplate && enableThinking;
    request.extractReasoning = request.thinking && reasoningFormat != "none" && context.separateReasoning;
    request.contentOnly = !context.separateReasoning;
    request.stream = boolField(body, "stream", false);
    request.includeUsage = request.stream && body.contains("stream_options")
            && boolField(body.at("stream_options"), "include_usage", false);
    request.nPredict = intField(
            body, "n_predict",
            intField(body, "max_tokens", intField(body, "max_completion_tokens", context.defaultNPredict)));

    // Tokenisation: the media are decoded only now, so a bad file is a 400, not a 500.
    int mediaTokens = 0;
    for (const std::string &bytes : files) {
        const auto media = sniffMedia(bytes);
        if (!media)
            invalid("Failed to load image or audio file");
        if ((media->kind == MediaKind::Image && !context.vision)
            || (media->kind == MediaKind::Audio && !context.audio))
            invalid("Failed to tokenize prompt");
        if (media->kind == MediaKind::Image)
            mediaTokens += context.imageTokens;
        else
            mediaTokens += context.audioTokensPerChunk
                    * std::max(1, static_cast<int>(std::ceil(media->seconds / 30.0)));
        request.media.push_back(*media);
    }

    int tokens = 1; // BOS
    for (const RenderedMessage &message : messages) {
        request.prompt += "<|" + message.role + "|>\n" + message.text + "<|end|>\n";
        tokens += 4 + estimateTokens(message.text);
    }
    request.prompt += "<|assistant|>\n";
    tokens += 2;
    if (request.thinking) {
        request.prompt += "<think>\n";
        tokens += 2;
    }
    request.promptTokens = tokens + mediaTokens;
    if (request.promptTokens >= context.nCtxSlot) {
        throw RequestError("request (" + std::to_string(request.promptTokens)
                                   + " tokens) exceeds the available context size ("
                                   + std::to_string(context.nCtxSlot) + " tokens), try increasing it",
                           ErrorType::ExceedContext, request.promptTokens);
    }
    return request;
}
} // namespace

json errorObject(const std::string &message, ErrorType type)
{
    return json{{"code", errorStatus(type)}, {"message", message}, {"type", typeName(type)}};
}

int errorStatus(ErrorType type)
{
    switch (type) {
    case ErrorType::InvalidRequest:
    case ErrorType::ExceedContext:
        return 400;
    case ErrorType::Authentication:
        return 401;
    case ErrorType::Permission:
        return 403;
    case ErrorType::NotFound:
        return 404;
    case ErrorType::NotSupported:
        return 501;
    case ErrorType::Unavailable:
        return 503;
    case ErrorType::Server:
        break;
    }
    return 500;
}

HttpError httpError(const std::string &message, ErrorType type)
{
    return {errorStatus(type), json{{"error", errorObject(message, type)}}};
}

int estimateTokens(const std::string &text)
{
    int tokens = 0;
    size_t wordLength = 0;
    const auto endWord = [&] {
        if (wordLength > 0)
            tokens += static_cast<int>((wordLength + 3) / 4);
        wordLength = 0;
    };
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\r') {
            endWord();
        } else if (c == '\n') {
            endWord();
            ++tokens;
        } else {
            ++wordLength;
        }
    }
    endWord();
    return tokens;
}

std::variant<ChatRequest, HttpError> parseChatRequest(const std::string &body,
                                                      const ChatRequestContext &context)
{
    try {
        return parse(body, context);
    } catch (const RequestError &e) {
        HttpError error = httpError(e.what(), e.type);
        if (e.type == ErrorType::ExceedContext) {
            // server_task_result_error::to_json adds both counts for this type.
            error.body["error"]["n_prompt_tokens"] = e.promptTokens;
            error.body["error"]["n_ctx"] = context.nCtxSlot;
        }
        return error;
    }
}
} // namespace FakeLlama
