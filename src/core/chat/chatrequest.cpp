#include "core/chat/chatrequest.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

namespace Llamadesk
{
namespace
{
using json = nlohmann::json;

std::string utf8(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    return std::string(bytes.constData(), static_cast<std::size_t>(bytes.size()));
}

json partJson(const ContentPart &part)
{
    switch (part.type) {
    case ContentPart::Type::Text:
        return json{{"type", "text"}, {"text", utf8(part.text)}};
    case ContentPart::Type::ImageUrl:
        return json{{"type", "image_url"}, {"image_url", json{{"url", utf8(part.url)}}}};
    case ContentPart::Type::InputAudio:
        return json{{"type", "input_audio"},
                    {"input_audio",
                     json{{"data", std::string(part.audioBase64.constData(),
                                               static_cast<std::size_t>(part.audioBase64.size()))},
                          {"format", utf8(part.audioFormat)}}}};
    }
    return json::object();
}

json messageJson(const ChatMessage &message)
{
    json out{{"role", utf8(message.role)}};
    if (message.parts.isEmpty()) {
        out["content"] = utf8(message.text);
    } else {
        json parts = json::array();
        for (const ContentPart &part : message.parts)
            parts.push_back(partJson(part));
        out["content"] = std::move(parts);
    }
    return out;
}

// NaN or infinity cannot be written as JSON (nlohmann would write null): such a value is
// treated as unset.
void putFinite(json &body, const char *key, const std::optional<double> &value)
{
    if (value && std::isfinite(*value))
        body[key] = *value;
}

void putSampling(json &body, const SamplingParams &sampling)
{
    putFinite(body, "temperature", sampling.temperature);
    putFinite(body, "top_p", sampling.topP);
    if (sampling.topK)
        body["top_k"] = *sampling.topK;
    putFinite(body, "min_p", sampling.minP);
    if (sampling.maxTokens && *sampling.maxTokens >= 0)
        body["max_tokens"] = *sampling.maxTokens;
    if (sampling.seed)
        body["seed"] = *sampling.seed;
    putFinite(body, "repeat_penalty", sampling.repeatPenalty);
}
} // namespace

ContentPart ContentPart::fromText(const QString &text)
{
    ContentPart part;
    part.type = Type::Text;
    part.text = text;
    return part;
}

ContentPart ContentPart::fromImageUrl(const QString &url)
{
    ContentPart part;
    part.type = Type::ImageUrl;
    part.url = url;
    return part;
}

ContentPart ContentPart::fromAudio(const QByteArray &base64, const QString &format)
{
    ContentPart part;
    part.type = Type::InputAudio;
    part.audioBase64 = base64;
    part.audioFormat = format;
    return part;
}

ChatMessage ChatMessage::system(const QString &text)
{
    return ChatMessage{QStringLiteral("system"), text, {}};
}

ChatMessage ChatMessage::user(const QString &text)
{
    return ChatMessage{QStringLiteral("user"), text, {}};
}

ChatMessage ChatMessage::assistant(const QString &text)
{
    return ChatMessage{QStringLiteral("assistant"), text, {}};
}

QByteArray ChatRequest::toJson() const
{
    json body = json::object();
    json list = json::array();
    for (const ChatMessage &message : messages)
        list.push_back(messageJson(message));
    body["messages"] = std::move(list);
    body["stream"] = stream;
    if (stream && includeUsage)
        body["stream_options"] = json{{"include_usage", true}};
    if (!model.isEmpty())
        body["model"] = utf8(model);
    if (reasoningFormat)
        body["reasoning_format"] = utf8(*reasoningFormat);
    putSampling(body, sampling);
    // Lone surrogates in a QString come out of toUtf8() as replacement bytes; "replace" makes
    // sure no other invalid byte can make dump() throw.
    const std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}
} // namespace Llamadesk
