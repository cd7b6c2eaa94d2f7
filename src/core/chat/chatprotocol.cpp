#include "core/chat/chatprotocol.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace Llamadesk
{
namespace
{
using json = nlohmann::json;

// Long enough for any message a server writes on purpose, short enough that an HTML error
// page or an echoed prompt does not flood a banner.
constexpr qsizetype MaxMessageLength = 500;

// Parses without letting an exception out; on failure says why in a few words.
std::optional<json> parseJson(QByteArrayView bytes, QString *problem)
{
    try {
        return json::parse(bytes.begin(), bytes.end());
    } catch (const json::parse_error &e) {
        if (problem)
            *problem = QStringLiteral("not JSON (syntax error at byte %1)").arg(e.byte);
    } catch (const json::exception &e) {
        if (problem)
            *problem = QStringLiteral("not JSON (%1)").arg(QString::fromUtf8(e.what()));
    }
    return std::nullopt;
}

const json *member(const json *object, const char *key)
{
    if (!object || !object->is_object())
        return nullptr;
    const auto it = object->find(key);
    return it == object->end() ? nullptr : &*it;
}

const json *member(const json &object, const char *key)
{
    return member(&object, key);
}

QString stringOf(const json *value)
{
    if (!value || !value->is_string())
        return {};
    const auto &text = value->get_ref<const std::string &>();
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

// Numbers as the server might write them (2048, 2048.0, even 1e30), clamped into an int
// rather than converted with undefined behaviour.
int intOf(const json *value)
{
    constexpr auto Min = std::numeric_limits<int>::min();
    constexpr auto Max = std::numeric_limits<int>::max();
    if (!value)
        return 0;
    if (value->is_number_unsigned()) {
        const auto n = value->get<std::uint64_t>();
        return n > static_cast<std::uint64_t>(Max) ? Max : static_cast<int>(n);
    }
    if (value->is_number_integer()) {
        const auto n = value->get<std::int64_t>();
        return n < Min ? Min : n > Max ? Max : static_cast<int>(n);
    }
    if (value->is_number_float()) {
        const double d = value->get<double>();
        if (std::isnan(d))
            return 0;
        return d <= Min ? Min : d >= Max ? Max : static_cast<int>(d);
    }
    return 0;
}

double doubleOf(const json *value)
{
    return value && value->is_number() ? value->get<double>() : 0.0;
}

bool boolOf(const json *value)
{
    return value && value->is_boolean() && value->get<bool>();
}

QString capped(const QString &text)
{
    QString out = text.trimmed();
    if (out.size() <= MaxMessageLength)
        return out;
    out.truncate(MaxMessageLength);
    if (out.back().isHighSurrogate())
        out.chop(1);
    return out + QChar(0x2026);
}

std::optional<Usage> usageOf(const json *value)
{
    if (!value || !value->is_object())
        return std::nullopt;
    return Usage{intOf(member(value, "prompt_tokens")), intOf(member(value, "completion_tokens")),
                 intOf(member(member(value, "prompt_tokens_details"), "cached_tokens"))};
}

std::optional<Timings> timingsOf(const json *value)
{
    if (!value || !value->is_object())
        return std::nullopt;
    return Timings{intOf(member(value, "prompt_n")),
                   doubleOf(member(value, "prompt_ms")),
                   doubleOf(member(value, "prompt_per_second")),
                   intOf(member(value, "predicted_n")),
                   doubleOf(member(value, "predicted_ms")),
                   doubleOf(member(value, "predicted_per_second"))};
}

// The value of an "error" key: an object in the OpenAI and llama-server shape, or just text.
ApiError errorOf(const json &error, int httpStatus)
{
    ApiError out;
    out.httpStatus = httpStatus;
    if (error.is_string()) {
        out.message = capped(stringOf(&error));
        return out;
    }
    out.code = intOf(member(error, "code"));
    out.type = stringOf(member(error, "type"));
    out.message = capped(stringOf(member(error, "message")));
    out.promptTokens = intOf(member(error, "n_prompt_tokens"));
    out.contextSize = intOf(member(error, "n_ctx"));
    return out;
}

StreamChunk malformed(const QString &problem)
{
    StreamChunk chunk;
    chunk.kind = StreamChunk::Kind::Malformed;
    chunk.problem = problem;
    return chunk;
}

ApiError invalidResponse(const QString &problem)
{
    ApiError error;
    error.type = QStringLiteral("invalid_response");
    error.message = QStringLiteral("The server's answer could not be read: %1").arg(problem);
    return error;
}

// An entry of a model list: OpenAI's {"id"}, llama-server's "models" entries {"name","model"}.
QString modelIdOf(const json &entry)
{
    for (const char *key : {"id", "name", "model"}) {
        QString id = stringOf(member(entry, key));
        if (!id.isEmpty())
            return id;
    }
    return {};
}

std::optional<ModelInfo> modelOf(const json &entry)
{
    ModelInfo model;
    model.id = modelIdOf(entry);
    if (model.id.isEmpty())
        return std::nullopt;
    model.contextLength = intOf(member(member(entry, "meta"), "n_ctx"));
    if (const json *capabilities = member(entry, "capabilities"); capabilities && capabilities->is_array()) {
        for (const json &capability : *capabilities) {
            if (capability.is_string())
                model.capabilities.append(stringOf(&capability));
        }
    }
    return model;
}

// Entries without an id are skipped; a list that had entries but none usable is not a model list.
std::optional<QList<ModelInfo>> modelsOf(const json &list)
{
    QList<ModelInfo> models;
    for (const json &entry : list) {
        if (std::optional<ModelInfo> model = modelOf(entry))
            models.append(std::move(*model));
    }
    if (models.isEmpty() && !list.empty())
        return std::nullopt;
    return models;
}
} // namespace

StreamChunk parseStreamData(const QByteArray &data)
{
    if (QByteArrayView(data).trimmed() == QByteArrayView("[DONE]")) {
        StreamChunk done;
        done.kind = StreamChunk::Kind::Done;
        return done;
    }
    QString problem;
    const std::optional<json> root = parseJson(data, &problem);
    if (!root)
        return malformed(problem);
    if (!root->is_object())
        return malformed(QStringLiteral("not a JSON object"));

    StreamChunk chunk;
    if (const json *error = member(*root, "error"); error && (error->is_object() || error->is_string())) {
        chunk.kind = StreamChunk::Kind::Error;
        chunk.error = errorOf(*error, 0);
        return chunk;
    }
    const json *choices = member(*root, "choices");
    if (!choices || !choices->is_array())
        return malformed(QStringLiteral("no \"choices\" array"));
    if (!choices->empty()) {
        const json &choice = choices->front();
        if (!choice.is_object())
            return malformed(QStringLiteral("\"choices\"[0] is not an object"));
        const json *delta = member(choice, "delta");
        if (delta && !delta->is_object() && !delta->is_null())
            return malformed(QStringLiteral("\"delta\" is not an object"));
        chunk.role = stringOf(member(delta, "role"));
        chunk.content = stringOf(member(delta, "content"));
        chunk.reasoning = stringOf(member(delta, "reasoning_content"));
        if (const json *finish = member(choice, "finish_reason"); finish && finish->is_string())
            chunk.finishReason = stringOf(finish);
    }
    chunk.kind = StreamChunk::Kind::Delta;
    chunk.usage = usageOf(member(*root, "usage"));
    // Without stream_options.include_usage the timings ride on the finish_reason chunk.
    chunk.timings = timingsOf(member(*root, "timings"));
    chunk.model = stringOf(member(*root, "model"));
    chunk.id = stringOf(member(*root, "id"));
    return chunk;
}

std::variant<ChatCompletion, ApiError> parseCompletion(const QByteArray &body)
{
    QString problem;
    const std::optional<json> root = parseJson(body, &problem);
    if (!root)
        return invalidResponse(problem);
    if (const json *error = member(*root, "error"); error && (error->is_object() || error->is_string()))
        return errorOf(*error, 0);
    const json *choices = member(*root, "choices");
    if (!choices || !choices->is_array() || choices->empty() || !choices->front().is_object())
        return invalidResponse(QStringLiteral("no \"choices\""));

    const json &choice = choices->front();
    const json *message = member(choice, "message");
    ChatCompletion completion;
    completion.content = stringOf(member(message, "content"));
    completion.reasoning = stringOf(member(message, "reasoning_content"));
    completion.finishReason = stringOf(member(choice, "finish_reason"));
    completion.model = stringOf(member(*root, "model"));
    completion.usage = usageOf(member(*root, "usage"));
    completion.timings = timingsOf(member(*root, "timings"));
    return completion;
}

ApiError parseErrorBody(const QByteArray &body, int httpStatus)
{
    ApiError out;
    const std::optional<json> root = parseJson(body, nullptr);
    if (root && root->is_object()) {
        if (const json *error = member(*root, "error"); error && (error->is_object() || error->is_string()))
            out = errorOf(*error, httpStatus);
        else if (const json *message = member(*root, "message"); message && message->is_string())
            out = errorOf(*root, httpStatus); // the bare shape, "type" and "code" beside "message"
    } else if (root && root->is_string()) {
        out.message = capped(stringOf(&*root));
    }
    out.httpStatus = httpStatus;
    if (out.message.isEmpty())
        out.message = capped(QString::fromUtf8(body));
    return out;
}

std::optional<QList<ModelInfo>> parseModels(const QByteArray &body)
{
    const std::optional<json> root = parseJson(body, nullptr);
    if (!root)
        return std::nullopt;
    if (root->is_array())
        return modelsOf(*root);
    const json *data = member(*root, "data");
    const json *models = member(*root, "models");
    const bool haveData = data && data->is_array();
    const bool haveModels = models && models->is_array();
    if (!haveData && !haveModels)
        return std::nullopt;

    std::optional<QList<ModelInfo>> result = haveData ? modelsOf(*data) : QList<ModelInfo>();
    if (!result)
        return std::nullopt;
    if (!haveModels)
        return result;
    // llama-server lists each model twice: "data" has meta.n_ctx, "models" the capabilities.
    // They name the model the same way ("id" there, "name"/"model" here).
    for (const json &entry : *models) {
        std::optional<ModelInfo> model = modelOf(entry);
        if (!model)
            continue;
        const QString path = stringOf(member(entry, "model"));
        const auto same = [&](const ModelInfo &known) {
            return known.id == model->id || (!path.isEmpty() && known.id == path);
        };
        if (const auto known = std::find_if(result->begin(), result->end(), same); known != result->end())
            known->capabilities = model->capabilities;
        else
            result->append(std::move(*model));
    }
    return result;
}

std::optional<ServerProps> parseProps(const QByteArray &body)
{
    const std::optional<json> root = parseJson(body, nullptr);
    if (!root || !root->is_object() || member(*root, "error"))
        return std::nullopt;
    ServerProps props;
    props.contextSize = intOf(member(member(*root, "default_generation_settings"), "n_ctx"));
    props.totalSlots = intOf(member(*root, "total_slots"));
    const json *modalities = member(*root, "modalities");
    props.vision = boolOf(member(modalities, "vision"));
    props.audio = boolOf(member(modalities, "audio"));
    props.video = boolOf(member(modalities, "video"));
    props.chatTemplate = stringOf(member(*root, "chat_template"));
    props.buildInfo = stringOf(member(*root, "build_info"));
    return props;
}
} // namespace Llamadesk
