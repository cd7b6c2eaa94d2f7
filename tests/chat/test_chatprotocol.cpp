#include "core/chat/chatprotocol.h"

#include <gtest/gtest.h>

#include <climits>
#include <ostream>

using namespace Llamadesk;

// Readable QString values in failure messages (found by argument-dependent lookup).
[[maybe_unused]] static void PrintTo(const QString &value, std::ostream *os)
{
    *os << '"' << value.toStdString() << '"';
}

namespace
{
// The chunks of LLAMA_SERVER.md's "Streaming (SSE)" example, as tiny-llama.gguf sends them.
const QByteArray RoleChunk =
        R"({"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"created":1747900123,"id":"chatcmpl-Vq3mXyTq0c8wZkRrJgHf1bN2dLs7PaEu","model":"tiny-llama.gguf","system_fingerprint":"b1-80fb11a","object":"chat.completion.chunk"})";
const QByteArray ContentChunk =
        R"({"choices":[{"finish_reason":null,"index":0,"delta":{"content":" Express"}}],"created":1747900123,"id":"chatcmpl-Vq3mXyTq0c8wZkRrJgHf1bN2dLs7PaEu","model":"tiny-llama.gguf","system_fingerprint":"b1-80fb11a","object":"chat.completion.chunk"})";
const QByteArray FinishChunk =
        R"({"choices":[{"finish_reason":"length","index":0,"delta":{}}],"created":1747900123,"id":"chatcmpl-Vq3mXyTq0c8wZkRrJgHf1bN2dLs7PaEu","model":"tiny-llama.gguf","system_fingerprint":"b1-80fb11a","object":"chat.completion.chunk"})";
const QByteArray UsageOnlyChunk =
        R"({"choices":[],"created":1747900123,"id":"chatcmpl-Vq3mXyTq0c8wZkRrJgHf1bN2dLs7PaEu","model":"tiny-llama.gguf","system_fingerprint":"b1-80fb11a","object":"chat.completion.chunk","usage":{"completion_tokens":4,"prompt_tokens":11,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":4}},"timings":{"cache_n":4,"prompt_n":7,"prompt_ms":3.125,"prompt_per_token_ms":0.446,"prompt_per_second":2240.0,"predicted_n":4,"predicted_ms":2.53,"predicted_per_token_ms":0.6325,"predicted_per_second":1581.027}})";

const Usage ExampleUsage{11, 4, 4};
const Timings ExampleTimings{7, 3.125, 2240.0, 4, 2.53, 1581.027};
} // namespace

TEST(ChatProtocol, ParsesDoneMarker)
{
    EXPECT_EQ(parseStreamData("[DONE]").kind, StreamChunk::Kind::Done);
}

TEST(ChatProtocol, ParsesTheRoleChunk)
{
    const StreamChunk chunk = parseStreamData(RoleChunk);
    EXPECT_EQ(chunk.kind, StreamChunk::Kind::Delta);
    EXPECT_EQ(chunk.role, QStringLiteral("assistant"));
    EXPECT_EQ(chunk.model, QStringLiteral("tiny-llama.gguf"));
    EXPECT_EQ(chunk.id, QStringLiteral("chatcmpl-Vq3mXyTq0c8wZkRrJgHf1bN2dLs7PaEu"));
    EXPECT_EQ(chunk.finishReason, std::nullopt);
}

TEST(ChatProtocol, TreatsNullContentAsEmpty)
{
    const StreamChunk chunk = parseStreamData(RoleChunk);
    EXPECT_EQ(chunk.kind, StreamChunk::Kind::Delta);
    EXPECT_TRUE(chunk.content.isEmpty());
}

TEST(ChatProtocol, ParsesAContentDelta)
{
    const StreamChunk chunk = parseStreamData(ContentChunk);
    EXPECT_EQ(chunk.kind, StreamChunk::Kind::Delta);
    EXPECT_EQ(chunk.content, QStringLiteral(" Express"));
    EXPECT_TRUE(chunk.role.isEmpty());
    EXPECT_EQ(chunk.usage, std::nullopt);
}

TEST(ChatProtocol, ParsesTheFinishReason)
{
    const StreamChunk chunk = parseStreamData(FinishChunk);
    EXPECT_EQ(chunk.kind, StreamChunk::Kind::Delta);
    EXPECT_EQ(chunk.finishReason, QStringLiteral("length"));
    EXPECT_TRUE(chunk.content.isEmpty());
}

TEST(ChatProtocol, ParsesTheUsageOnlyChunk)
{
    const StreamChunk chunk = parseStreamData(UsageOnlyChunk);
    EXPECT_EQ(chunk.kind, StreamChunk::Kind::Delta);
    EXPECT_TRUE(chunk.content.isEmpty());
    EXPECT_EQ(chunk.usage, ExampleUsage);
    EXPECT_EQ(chunk.timings, ExampleTimings);
}

TEST(ChatProtocol, ParsesTimingsRidingOnTheFinishChunk)
{
    // Without stream_options.include_usage.
    const QByteArray data =
            R"({"choices":[{"finish_reason":"stop","index":0,"delta":{}}],"created":1747900123,"id":"chatcmpl-x","model":"tiny-llama.gguf","object":"chat.completion.chunk","timings":{"prompt_n":7,"prompt_ms":3.125,"prompt_per_second":2240.0,"predicted_n":4,"predicted_ms":2.53,"predicted_per_second":1581.027}})";
    const StreamChunk chunk = parseStreamData(data);
    EXPECT_EQ(chunk.finishReason, QStringLiteral("stop"));
    EXPECT_EQ(chunk.timings, ExampleTimings);
    EXPECT_EQ(chunk.usage, std::nullopt);
}

TEST(ChatProtocol, ParsesReasoningContent)
{
    const QByteArray data =
            R"({"choices":[{"finish_reason":null,"index":0,"delta":{"reasoning_content":"The user greets me."}}],"model":"tiny-llama.gguf","object":"chat.completion.chunk"})";
    const StreamChunk chunk = parseStreamData(data);
    EXPECT_EQ(chunk.kind, StreamChunk::Kind::Delta);
    EXPECT_EQ(chunk.reasoning, QStringLiteral("The user greets me."));
    EXPECT_TRUE(chunk.content.isEmpty());
}

TEST(ChatProtocol, ParsesAnErrorInsideTheStream)
{
    const StreamChunk chunk =
            parseStreamData(R"({"error":{"code":500,"message":"invalid UTF-8 in output","type":"server_error"}})");
    EXPECT_EQ(chunk.kind, StreamChunk::Kind::Error);
    EXPECT_EQ(chunk.error.code, 500);
    EXPECT_EQ(chunk.error.type, QStringLiteral("server_error"));
    EXPECT_EQ(chunk.error.message, QStringLiteral("invalid UTF-8 in output"));
    EXPECT_EQ(chunk.error.httpStatus, 0);
}

TEST(ChatProtocol, ReportsInvalidJsonAsMalformed)
{
    const StreamChunk chunk = parseStreamData(RoleChunk.left(40));
    EXPECT_EQ(chunk.kind, StreamChunk::Kind::Malformed);
    EXPECT_TRUE(chunk.problem.startsWith(QStringLiteral("not JSON"))) << chunk.problem.toStdString();
}

TEST(ChatProtocol, ReportsJsonThatIsNoChunkAsMalformed)
{
    for (const char *data : {"[1,2]", "42", R"("text")", "{}", R"({"choices":"none"})", R"({"choices":[7]})",
                             R"({"choices":[{"delta":[]}]})"}) {
        const StreamChunk chunk = parseStreamData(data);
        EXPECT_EQ(chunk.kind, StreamChunk::Kind::Malformed) << data;
        EXPECT_FALSE(chunk.problem.isEmpty()) << data;
    }
}

TEST(ChatProtocol, IgnoresFieldsOfTheWrongType)
{
    const StreamChunk chunk =
            parseStreamData(R"({"choices":[{"delta":{"content":5,"role":null},"finish_reason":7}],"usage":"x","model":1})");
    EXPECT_EQ(chunk.kind, StreamChunk::Kind::Delta);
    EXPECT_TRUE(chunk.content.isEmpty());
    EXPECT_EQ(chunk.finishReason, std::nullopt);
    EXPECT_EQ(chunk.usage, std::nullopt);
    EXPECT_TRUE(chunk.model.isEmpty());
}

TEST(ChatProtocol, ClampsNumbersOutOfRange)
{
    const StreamChunk chunk = parseStreamData(
            R"({"choices":[],"usage":{"prompt_tokens":1e30,"completion_tokens":-99999999999,"prompt_tokens_details":{"cached_tokens":18446744073709551615}}})");
    ASSERT_TRUE(chunk.usage.has_value());
    EXPECT_EQ(chunk.usage->promptTokens, INT_MAX);
    EXPECT_EQ(chunk.usage->completionTokens, INT_MIN);
    EXPECT_EQ(chunk.usage->cachedTokens, INT_MAX);
}

TEST(ChatProtocol, ParsesANonStreamedCompletion)
{
    const QByteArray body =
            R"({"choices":[{"finish_reason":"stop","index":0,"message":{"role":"assistant","content":"Hello there."}}],"created":1747900123,"model":"tiny-llama.gguf","system_fingerprint":"b1-80fb11a","object":"chat.completion","usage":{"completion_tokens":4,"prompt_tokens":11,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":4}},"id":"chatcmpl-x","timings":{"prompt_n":7,"prompt_ms":3.125,"prompt_per_second":2240.0,"predicted_n":4,"predicted_ms":2.53,"predicted_per_second":1581.027}})";
    const auto result = parseCompletion(body);
    ASSERT_TRUE(std::holds_alternative<ChatCompletion>(result));
    const auto &completion = std::get<ChatCompletion>(result);
    EXPECT_EQ(completion.content, QStringLiteral("Hello there."));
    EXPECT_EQ(completion.finishReason, QStringLiteral("stop"));
    EXPECT_EQ(completion.model, QStringLiteral("tiny-llama.gguf"));
    EXPECT_EQ(completion.usage, ExampleUsage);
    EXPECT_EQ(completion.timings, ExampleTimings);
    EXPECT_TRUE(completion.reasoning.isEmpty());
}

TEST(ChatProtocol, ParsesReasoningOfANonStreamedCompletion)
{
    const auto result = parseCompletion(
            R"({"choices":[{"finish_reason":"stop","index":0,"message":{"role":"assistant","content":"Hi!","reasoning_content":"A greeting."}}],"model":"m"})");
    ASSERT_TRUE(std::holds_alternative<ChatCompletion>(result));
    EXPECT_EQ(std::get<ChatCompletion>(result).reasoning, QStringLiteral("A greeting."));
    EXPECT_EQ(std::get<ChatCompletion>(result).content, QStringLiteral("Hi!"));
}

TEST(ChatProtocol, ReturnsTheErrorOfACompletionErrorBody)
{
    const auto result = parseCompletion(
            R"({"error":{"code":500,"message":"image input is not supported - hint: if this is unexpected, you may need to provide the mmproj","type":"server_error"}})");
    ASSERT_TRUE(std::holds_alternative<ApiError>(result));
    EXPECT_EQ(std::get<ApiError>(result).code, 500);
    EXPECT_EQ(std::get<ApiError>(result).message,
              QStringLiteral("image input is not supported - hint: if this is unexpected, you may need to provide the mmproj"));
}

TEST(ChatProtocol, ReportsAnUnreadableCompletionAsAnError)
{
    for (const char *body : {"<html>Bad Gateway</html>", R"({"choices":[]})", "[]"}) {
        const auto result = parseCompletion(body);
        ASSERT_TRUE(std::holds_alternative<ApiError>(result)) << body;
        EXPECT_EQ(std::get<ApiError>(result).type, QStringLiteral("invalid_response")) << body;
        EXPECT_FALSE(std::get<ApiError>(result).message.isEmpty()) << body;
    }
}

TEST(ChatProtocol, ParsesTheLoadingModelError)
{
    const ApiError error =
            parseErrorBody(R"({"error":{"message":"Loading model","type":"unavailable_error","code":503}})", 503);
    EXPECT_EQ(error, (ApiError{503, 503, QStringLiteral("unavailable_error"), QStringLiteral("Loading model"), 0, 0}));
}

TEST(ChatProtocol, ParsesTheAuthenticationError)
{
    const ApiError error =
            parseErrorBody(R"({"error":{"message":"Invalid API Key","type":"authentication_error","code":401}})", 401);
    EXPECT_EQ(error.httpStatus, 401);
    EXPECT_EQ(error.type, QStringLiteral("authentication_error"));
    EXPECT_EQ(error.message, QStringLiteral("Invalid API Key"));
}

TEST(ChatProtocol, ParsesTheContextSizesOfAnExceedContextError)
{
    const ApiError error = parseErrorBody(
            R"({"error":{"code":400,"message":"request (4120 tokens) exceeds the available context size (2048 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":4120,"n_ctx":2048}})",
            400);
    EXPECT_EQ(error.type, QStringLiteral("exceed_context_size_error"));
    EXPECT_EQ(error.promptTokens, 4120);
    EXPECT_EQ(error.contextSize, 2048);
    EXPECT_EQ(error.code, 400);
}

TEST(ChatProtocol, ParsesTheBareMessageShape)
{
    const ApiError error = parseErrorBody(R"({"message":"model 'x' not found","type":"not_found_error","code":404})", 404);
    EXPECT_EQ(error, (ApiError{404, 404, QStringLiteral("not_found_error"), QStringLiteral("model 'x' not found"), 0, 0}));
}

TEST(ChatProtocol, ParsesAnErrorGivenAsText)
{
    const ApiError error = parseErrorBody(R"({"error":"Unauthorized"})", 401);
    EXPECT_EQ(error.message, QStringLiteral("Unauthorized"));
    EXPECT_EQ(error.httpStatus, 401);
}

TEST(ChatProtocol, KeepsTheTextOfANonJsonBody)
{
    const ApiError error = parseErrorBody("  Failed to load image or audio file\n", 400);
    EXPECT_EQ(error.message, QStringLiteral("Failed to load image or audio file"));
    EXPECT_EQ(error.httpStatus, 400);
    EXPECT_EQ(error.code, 0);
}

TEST(ChatProtocol, CapsALongTextBody)
{
    const ApiError error = parseErrorBody(QByteArray(5000, 'x'), 502);
    EXPECT_LE(error.message.size(), 501);
    EXPECT_GE(error.message.size(), 400);
    EXPECT_TRUE(error.message.endsWith(QChar(0x2026)));
}

TEST(ChatProtocol, KeepsAnEmptyBodyEmpty)
{
    const ApiError error = parseErrorBody({}, 502);
    EXPECT_EQ(error.httpStatus, 502);
    EXPECT_TRUE(error.message.isEmpty());
}

TEST(ChatProtocol, MergesLlamaServersTwoModelLists)
{
    const QByteArray body =
            R"({"models":[{"name":"/m/tiny-llama.gguf","model":"/m/tiny-llama.gguf","modified_at":"","size":"","digest":"","type":"model","description":"","tags":[""],"capabilities":["completion","multimodal"],"parameters":"","details":{"parent_model":"","format":"gguf","family":"","families":[""],"parameter_size":"","quantization_level":""}}],"object":"list","data":[{"id":"/m/tiny-llama.gguf","object":"model","created":1747900123,"owned_by":"llamacpp","meta":{"vocab_type":2,"n_vocab":512,"n_ctx":2048,"n_ctx_train":2048,"n_embd":64,"n_params":1000000,"size":4000000,"ftype":"F16"}}]})";
    const auto models = parseModels(body);
    ASSERT_TRUE(models.has_value());
    ASSERT_EQ(models->size(), 1);
    EXPECT_EQ(models->front(), (ModelInfo{QStringLiteral("/m/tiny-llama.gguf"),
                                         {QStringLiteral("completion"), QStringLiteral("multimodal")}, 2048}));
}

TEST(ChatProtocol, KeepsModelsFoundOnlyInTheModelsList)
{
    const auto models = parseModels(
            R"({"models":[{"name":"a","capabilities":["completion"]},{"name":"b","capabilities":["completion"]}],"data":[{"id":"a","meta":{"n_ctx":4096}}]})");
    ASSERT_TRUE(models.has_value());
    ASSERT_EQ(models->size(), 2);
    EXPECT_EQ(models->at(0), (ModelInfo{QStringLiteral("a"), {QStringLiteral("completion")}, 4096}));
    EXPECT_EQ(models->at(1), (ModelInfo{QStringLiteral("b"), {QStringLiteral("completion")}, 0}));
}

TEST(ChatProtocol, ParsesTheOpenAiModelList)
{
    const auto models = parseModels(
            R"({"object":"list","data":[{"id":"gpt-4o-mini","object":"model","owned_by":"openai"},{"id":"qwen2.5-7b","object":"model"}]})");
    ASSERT_TRUE(models.has_value());
    ASSERT_EQ(models->size(), 2);
    EXPECT_EQ(models->at(0).id, QStringLiteral("gpt-4o-mini"));
    EXPECT_EQ(models->at(1).id, QStringLiteral("qwen2.5-7b"));
    EXPECT_EQ(models->at(1).contextLength, 0);
}

TEST(ChatProtocol, ParsesABareArrayOfModels)
{
    const auto models = parseModels(R"([{"id":"first"},{"name":"second"},{"other":1}])");
    ASSERT_TRUE(models.has_value());
    ASSERT_EQ(models->size(), 2);
    EXPECT_EQ(models->at(0).id, QStringLiteral("first"));
    EXPECT_EQ(models->at(1).id, QStringLiteral("second"));
}

TEST(ChatProtocol, AcceptsAnEmptyModelList)
{
    const auto models = parseModels(R"({"object":"list","data":[]})");
    ASSERT_TRUE(models.has_value());
    EXPECT_TRUE(models->isEmpty());
}

TEST(ChatProtocol, RejectsBodiesThatAreNoModelList)
{
    for (const char *body : {"not json", "{}", R"({"data":"x"})", "[1,2]", R"({"error":{"code":503}})", "7"})
        EXPECT_EQ(parseModels(body), std::nullopt) << body;
}

TEST(ChatProtocol, ParsesProps)
{
    const QByteArray body =
            R"({"default_generation_settings":{"params":{"n_predict":-1,"temperature":0.8},"n_ctx":2048},"total_slots":4,"model_alias":"tiny-llama.gguf","model_path":"/m/tiny-llama.gguf","modalities":{"vision":true,"video":false,"audio":true},"endpoint_slots":true,"endpoint_props":false,"endpoint_metrics":false,"webui":true,"chat_template":"{% for message in messages %}{{ message.content }}{% endfor %}","chat_template_caps":{"supports_tools":false},"bos_token":"<s>","eos_token":"</s>","build_info":"b1-80fb11a"})";
    const auto props = parseProps(body);
    ASSERT_TRUE(props.has_value());
    EXPECT_EQ(*props, (ServerProps{2048, 4, true, true, false,
                                   QStringLiteral("{% for message in messages %}{{ message.content }}{% endfor %}"),
                                   QStringLiteral("b1-80fb11a")}));
}

TEST(ChatProtocol, TakesMissingModalitiesAsUnsupported)
{
    const auto props = parseProps(R"({"default_generation_settings":{"n_ctx":512},"total_slots":1})");
    ASSERT_TRUE(props.has_value());
    EXPECT_FALSE(props->vision);
    EXPECT_FALSE(props->audio);
    EXPECT_FALSE(props->video);
    EXPECT_EQ(props->contextSize, 512);
}

TEST(ChatProtocol, RejectsPropsThatAreNoObjectOrAnError)
{
    EXPECT_EQ(parseProps("[]"), std::nullopt);
    EXPECT_EQ(parseProps("<html>"), std::nullopt);
    EXPECT_EQ(parseProps(R"({"error":{"message":"Loading model","type":"unavailable_error","code":503}})"),
              std::nullopt);
}
