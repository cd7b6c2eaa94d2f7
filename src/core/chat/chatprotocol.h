#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

// The OpenAI-compatible chat protocol as llama-server speaks it (../shared/LLAMA_SERVER.md):
// pure parsing of what comes back. Bytes in, values out; nlohmann/json inside.
namespace Llamadesk
{
struct Usage
{
    int promptTokens = 0;
    int completionTokens = 0;
    int cachedTokens = 0;
    bool operator==(const Usage &) const = default;
};

// llama-server's "timings" object.
struct Timings
{
    int promptN = 0;
    double promptMs = 0;
    double promptPerSecond = 0;
    int predictedN = 0;
    double predictedMs = 0;
    double predictedPerSecond = 0;
    bool operator==(const Timings &) const = default;
};

// An error as a server reports it, in either shape: OpenAI's {"error":{"message","type","code"}}
// or a bare {"message": ...}; plain text bodies keep their text.
struct ApiError
{
    int httpStatus = 0; // 0 inside a stream
    int code = 0;
    QString type;       // "exceed_context_size_error", "authentication_error", ...
    QString message;
    int promptTokens = 0; // exceed_context_size_error: n_prompt_tokens
    int contextSize = 0;  // exceed_context_size_error: n_ctx
    bool operator==(const ApiError &) const = default;
};

// One "data:" payload of a streamed completion.
struct StreamChunk
{
    enum class Kind { Delta, Done, Error, Malformed };
    Kind kind = Kind::Malformed;
    QString role;
    QString content;   // delta.content, may be empty
    QString reasoning; // delta.reasoning_content, may be empty
    std::optional<QString> finishReason;
    std::optional<Usage> usage;
    std::optional<Timings> timings;
    QString model;
    QString id;
    ApiError error;   // Kind::Error
    QString problem;  // Kind::Malformed: what was wrong, for the log
};
// "[DONE]" gives Done; {"error":…} gives Error; anything not JSON or not a chunk gives Malformed.
StreamChunk parseStreamData(const QByteArray &data);

// A non-streamed answer.
struct ChatCompletion
{
    QString content;
    QString reasoning;
    QString finishReason;
    QString model;
    std::optional<Usage> usage;
    std::optional<Timings> timings;
};
std::variant<ChatCompletion, ApiError> parseCompletion(const QByteArray &body);

// The error in a non-2xx answer's body, whatever its shape.
ApiError parseErrorBody(const QByteArray &body, int httpStatus);

struct ModelInfo
{
    QString id;
    QStringList capabilities; // llama-server's "models" entries: "completion", "multimodal"
    int contextLength = 0;    // meta.n_ctx where given
    bool operator==(const ModelInfo &) const = default;
};
// GET /v1/models in all three shapes: llama-server's (both "models" and "data"), OpenAI's
// {"object":"list","data":[…]}, and a bare array. std::nullopt when it is none of them.
std::optional<QList<ModelInfo>> parseModels(const QByteArray &body);

struct ServerProps
{
    int contextSize = 0; // default_generation_settings.n_ctx: what one conversation gets
    int totalSlots = 0;
    bool vision = false;
    bool audio = false;
    bool video = false;
    QString chatTemplate;
    QString buildInfo;
    bool operator==(const ServerProps &) const = default;
};
std::optional<ServerProps> parseProps(const QByteArray &body);
} // namespace Llamadesk

Q_DECLARE_METATYPE(Llamadesk::Usage)
Q_DECLARE_METATYPE(Llamadesk::Timings)
Q_DECLARE_METATYPE(Llamadesk::ApiError)
Q_DECLARE_METATYPE(Llamadesk::ServerProps)
