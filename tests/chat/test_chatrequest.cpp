#include "core/chat/chatrequest.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace Llamadesk;
using json = nlohmann::json;

namespace
{
// Documents are compared as values, so key order and spacing do not matter.
json bodyOf(const ChatRequest &request)
{
    const QByteArray text = request.toJson();
    return json::parse(text.constData(), text.constData() + text.size());
}

// The body of userAsks("Hi") with `extra`'s keys added or replaced.
json hiBodyWith(const char *extra)
{
    json body = json::parse(
            R"({"messages":[{"role":"user","content":"Hi"}],"stream":true,"stream_options":{"include_usage":true}})");
    body.update(json::parse(extra));
    return body;
}

ChatRequest userAsks(const QString &text)
{
    ChatRequest request;
    request.messages = {ChatMessage::user(text)};
    return request;
}
} // namespace

TEST(ChatRequest, WritesMessagesStreamAndStreamOptions)
{
    ChatRequest request;
    request.messages = {ChatMessage::system(QStringLiteral("Be brief.")), ChatMessage::user(QStringLiteral("Hi")),
                        ChatMessage::assistant(QStringLiteral("Hello!")), ChatMessage::user(QStringLiteral("Why?"))};
    EXPECT_EQ(bodyOf(request), json::parse(R"({
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                     {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Why?"}],
        "stream": true,
        "stream_options": {"include_usage": true}})"));
}

TEST(ChatRequest, WritesCompactJson)
{
    EXPECT_EQ(userAsks(QStringLiteral("Hi")).toJson(),
              QByteArray(R"({"messages":[{"content":"Hi","role":"user"}],"stream":true,"stream_options":{"include_usage":true}})"));
}

TEST(ChatRequest, LeavesOutStreamOptionsWhenNotStreaming)
{
    ChatRequest request = userAsks(QStringLiteral("Hi"));
    request.stream = false;
    EXPECT_EQ(bodyOf(request), json::parse(R"({"messages":[{"role":"user","content":"Hi"}],"stream":false})"));
}

TEST(ChatRequest, LeavesOutStreamOptionsWithoutIncludeUsage)
{
    ChatRequest request = userAsks(QStringLiteral("Hi"));
    request.includeUsage = false;
    EXPECT_EQ(bodyOf(request), json::parse(R"({"messages":[{"role":"user","content":"Hi"}],"stream":true})"));
}

TEST(ChatRequest, WritesTextPartsAsAnArray)
{
    ChatRequest request;
    request.messages = {ChatMessage{QStringLiteral("user"), {}, {ContentPart::fromText(QStringLiteral("Hi"))}}};
    EXPECT_EQ(bodyOf(request), hiBodyWith(R"({"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}]})"));
}

TEST(ChatRequest, WritesAnImagePart)
{
    ChatRequest request;
    request.messages = {ChatMessage{QStringLiteral("user"),
                                    {},
                                    {ContentPart::fromText(QStringLiteral("What is this?")),
                                     ContentPart::fromImageUrl(QStringLiteral("data:image/png;base64,iVBORw0KGgo="))}}};
    EXPECT_EQ(bodyOf(request), hiBodyWith(R"({"messages":[{"role":"user","content":[
        {"type":"text","text":"What is this?"},
        {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]})"));
}

TEST(ChatRequest, WritesAnAudioPart)
{
    ChatRequest request;
    request.messages = {ChatMessage{QStringLiteral("user"), {}, {ContentPart::fromAudio("UklGRiQAAABXQVZF")}}};
    EXPECT_EQ(bodyOf(request), hiBodyWith(R"({"messages":[{"role":"user","content":[
        {"type":"input_audio","input_audio":{"data":"UklGRiQAAABXQVZF","format":"wav"}}]}]})"));
}

TEST(ChatRequest, WritesTheAudioFormatGiven)
{
    const ContentPart part = ContentPart::fromAudio("SUQz", QStringLiteral("mp3"));
    ChatRequest request;
    request.messages = {ChatMessage{QStringLiteral("user"), {}, {part}}};
    EXPECT_EQ(bodyOf(request), hiBodyWith(R"({"messages":[{"role":"user","content":[
        {"type":"input_audio","input_audio":{"data":"SUQz","format":"mp3"}}]}]})"));
}

TEST(ChatRequest, LeavesOutUnsetSampling)
{
    EXPECT_EQ(bodyOf(userAsks(QStringLiteral("Hi"))), hiBodyWith("{}"));
}

TEST(ChatRequest, WritesTemperature)
{
    ChatRequest request = userAsks(QStringLiteral("Hi"));
    request.sampling.temperature = 0.7;
    EXPECT_EQ(bodyOf(request), hiBodyWith(R"({"temperature":0.7})"));
}

TEST(ChatRequest, WritesTopP)
{
    ChatRequest request = userAsks(QStringLiteral("Hi"));
    request.sampling.topP = 0.95;
    EXPECT_EQ(bodyOf(request), hiBodyWith(R"({"top_p":0.95})"));
}

TEST(ChatRequest, WritesTopK)
{
    ChatRequest request = userAsks(QStringLiteral("Hi"));
    request.sampling.topK = 40;
    EXPECT_EQ(bodyOf(request), hiBodyWith(R"({"top_k":40})"));
}

TEST(ChatRequest, WritesMinP)
{
    ChatRequest request = userAsks(QStringLiteral("Hi"));
    request.sampling.minP = 0.05;
    EXPECT_EQ(bodyOf(request), hiBodyWith(R"({"min_p":0.05})"));
}

TEST(ChatRequest, WritesMaxTokens)
{
    ChatRequest request = userAsks(QStringLiteral("Hi"));
    request.sampling.maxTokens = 256;
    EXPECT_EQ(bodyOf(request), hiBodyWith(R"({"max_tokens":256})"));
}

TEST(ChatRequest, LeavesOutMaxTokensOfMinusOne)
{
    ChatRequest request = userAsks(QStringLiteral("Hi"));
    request.sampling.maxTokens = -1;
    EXPECT_EQ(bodyOf(request), hiBodyWith("{}"));
}

TEST(ChatRequest, WritesA64BitSeed)
{
    ChatRequest request = userAsks(QStringLiteral("Hi"));
    request.sampling.seed = 9'007'199'254'740'993LL; // not representable as a double
    EXPECT_EQ(bodyOf(request), hiBodyWith(R"({"seed":9007199254740993})"));
}

TEST(ChatRequest, WritesRepeatPenalty)
{
    ChatRequest request = userAsks(QStringLiteral("Hi"));
    request.sampling.repeatPenalty = 1.1;
    EXPECT_EQ(bodyOf(request), hiBodyWith(R"({"repeat_penalty":1.1})"));
}

TEST(ChatRequest, LeavesOutValuesThatAreNotFinite)
{
    ChatRequest request = userAsks(QStringLiteral("Hi"));
    request.sampling.temperature = std::numeric_limits<double>::quiet_NaN();
    request.sampling.topP = std::numeric_limits<double>::infinity();
    EXPECT_EQ(bodyOf(request), hiBodyWith("{}"));
}

TEST(ChatRequest, WritesTheModelWhenGiven)
{
    ChatRequest request = userAsks(QStringLiteral("Hi"));
    request.model = QStringLiteral("qwen2.5-7b-instruct");
    EXPECT_EQ(bodyOf(request), hiBodyWith(R"({"model":"qwen2.5-7b-instruct"})"));
}

TEST(ChatRequest, WritesTheReasoningFormatWhenSet)
{
    ChatRequest request = userAsks(QStringLiteral("Hi"));
    request.reasoningFormat = QStringLiteral("none");
    EXPECT_EQ(bodyOf(request), hiBodyWith(R"({"reasoning_format":"none"})"));
}

TEST(ChatRequest, RoundTripsQuotesNewlinesAndEmoji)
{
    const QString text = QStringLiteral("He said \"hi\\there\"\n\tthen left 🦙 — 日本語 \x01 end");
    const json body = bodyOf(userAsks(text));
    EXPECT_EQ(QString::fromStdString(body["messages"][0]["content"].get<std::string>()), text);
}

TEST(ChatRequest, WritesNonAsciiAsUtf8NotAsEscapes)
{
    const QByteArray text = userAsks(QStringLiteral("🦙 日本")).toJson();
    EXPECT_TRUE(text.contains(QStringLiteral("🦙 日本").toUtf8())) << text.toStdString();
}

TEST(ChatRequest, WritesValidJsonForALoneSurrogate)
{
    const QString broken = QStringLiteral("a") + QChar(0xD83E) + QStringLiteral("b");
    const QByteArray text = userAsks(broken).toJson();
    EXPECT_TRUE(json::accept(text.constData(), text.constData() + text.size())) << text.toStdString();
}

TEST(ChatRequest, NamesTheRolesOfItsFactories)
{
    EXPECT_EQ(ChatMessage::system(QStringLiteral("s")).role, QStringLiteral("system"));
    EXPECT_EQ(ChatMessage::user(QStringLiteral("u")).role, QStringLiteral("user"));
    EXPECT_EQ(ChatMessage::assistant(QStringLiteral("a")).role, QStringLiteral("assistant"));
    EXPECT_EQ(ChatMessage::assistant(QStringLiteral("a")).text, QStringLiteral("a"));
}
