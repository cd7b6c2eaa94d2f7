#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace Llamadesk
{
// A part of a message's content.
struct ContentPart
{
    enum class Type { Text, ImageUrl, InputAudio };
    Type type = Type::Text;
    QString text;           // Text
    QString url;            // ImageUrl: a data: URL ("data:image/png;base64,…") or http(s) URL
    QByteArray audioBase64; // InputAudio: base64 of the file's bytes
    QString audioFormat;    // InputAudio: "wav" or "mp3"

    static ContentPart fromText(const QString &text);
    static ContentPart fromImageUrl(const QString &url);
    static ContentPart fromAudio(const QByteArray &base64, const QString &format = QStringLiteral("wav"));
    bool operator==(const ContentPart &) const = default;
};

struct ChatMessage
{
    QString role; // "system", "user", "assistant"
    QString text; // used when parts is empty: content is then a plain string
    QList<ContentPart> parts;

    static ChatMessage system(const QString &text);
    static ChatMessage user(const QString &text);
    static ChatMessage assistant(const QString &text);
    bool operator==(const ChatMessage &) const = default;
};

// Unset values are left out of the request, so the server's defaults apply.
struct SamplingParams
{
    std::optional<double> temperature;
    std::optional<double> topP;
    std::optional<int> topK;
    std::optional<double> minP;
    std::optional<int> maxTokens; // max_tokens; -1 or unset: no limit
    std::optional<qint64> seed;
    std::optional<double> repeatPenalty;
    bool operator==(const SamplingParams &) const = default;
};

struct ChatRequest
{
    QList<ChatMessage> messages;
    SamplingParams sampling;
    QString model;                 // left out when empty (llama-server serves one model)
    bool stream = true;
    bool includeUsage = true;      // stream_options.include_usage
    std::optional<QString> reasoningFormat; // "none", "deepseek", "auto"; unset: server default

    // The JSON body for POST /v1/chat/completions (nlohmann/json; compact, UTF-8).
    QByteArray toJson() const;
};
} // namespace Llamadesk
