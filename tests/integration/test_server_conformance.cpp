// The llama-server contract Llamadesk relies on (../shared/LLAMA_SERVER.md), one behaviour per
// test: what every release shares (test_server_releases.cpp holds what differs). Runs against
// the fake in each of its release modes; with LLAMADESK_LLAMA_SERVER=/path/to/llama-server the
// same assertions run against the real one, so nothing here may depend on the fake.

#include <QFile>
#include <QHostAddress>
#include <QImage>
#include <QJsonArray>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include "conformance.h"
#include "image/imageattachment.h"

using namespace Llamadesk::ServerTest;
using namespace Llamadesk::TestSupport;
using namespace ConformanceKit;
using namespace Qt::Literals::StringLiterals;

TEST_F(Conformance, StartupLinesGoToStderrInLogFormatAndOrder)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    const QString listening = u"listening on http://127.0.0.1:%1"_s.arg(server.port());
    ASSERT_TRUE(server.waitForStderr(listening));

    const QStringList lines = nonEmptyLines(server.stderrText());
    const qsizetype last = indexOfLine(lines, listening);
    // 0.4.0 and 0.5.0 stamp every line; the b-series prints bare text (its samples).
    static const QRegularExpression format(uR"(^\d+\.\d{2}\.\d{3}\.\d{3} [IWED] \S)"_s);
    if (release != Release::BSeries) {
        for (qsizetype i = 0; i <= last; ++i)
            EXPECT_TRUE(format.match(lines.at(i)).hasMatch()) << qPrintable(lines.at(i));
    }

    const qsizetype loading =
            indexOfLine(lines, u"load_model: loading model '%1'"_s.arg(modelPath(u"tiny-llama.gguf"_s)));
    const qsizetype initializing = release == Release::BSeries
            ? indexOfLine(lines, u"init: initializing slots, n_slots = 4"_s)
            : indexOfLine(lines, u"load_model: initializing, n_slots = 4, n_ctx_slot = 2048, kv_unified = 'true'"_s);
    const qsizetype loaded = indexOfLine(
            lines, release == Release::BSeries ? u"main: model loaded"_s : u"llama_server: model loaded"_s);
    EXPECT_GE(loading, 0);
    EXPECT_GT(initializing, loading);
    EXPECT_GT(loaded, initializing);
    EXPECT_GT(last, loaded);
    EXPECT_TRUE(server.stdoutBytes().isEmpty());
}

TEST_F(Conformance, StartupLinesNameTheMultimodalProjector)
{
    const QString mmproj = modelPath(u"tiny-mmproj-vision.gguf"_s);
    ASSERT_NO_FATAL_FAILURE(startReady({u"--mmproj"_s, mmproj}));
    ASSERT_TRUE(server.waitForStderr(u"listening on"_s));
    const QStringList lines = nonEmptyLines(server.stderrText());
    const qsizetype loading = indexOfLine(lines, u"load_model: loading model"_s);
    const qsizetype multimodal =
            indexOfLine(lines, u"load_model: loaded multimodal model, '%1'"_s.arg(mmproj));
    const qsizetype initializing = indexOfLine(
            lines, release == Release::BSeries ? u"init: initializing slots"_s : u"load_model: initializing"_s);
    EXPECT_GT(multimodal, loading);
    EXPECT_GT(initializing, multimodal);
}

TEST_F(Conformance, HealthAnswers503LoadingUntilModelReady)
{
    if (!testingRealServer())
        server.setEnv(u"FAKE_LLAMA_LOAD_MS"_s, u"1000"_s);
    ASSERT_TRUE(server.start({u"-m"_s, modelPath(u"tiny-llama.gguf"_s)}));

    // Poll from spawn: before the port is bound there is no answer at all; after that every
    // endpoint answers exactly the 503 body until the model is loaded.
    int loadingAnswers = 0;
    bool ready = false;
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; !ready && timer.elapsed() < 20000; ++i) {
        ASSERT_EQ(server.process().state(), QProcess::Running) << qPrintable(server.stderrText());
        const QString path = i % 2 ? u"/v1/models"_s : u"/health"_s;
        const HttpResult answer = http.get(server.url(path), {}, 2000);
        if (answer.status == 0) {
            server.process().waitForFinished(10);
            continue;
        }
        if (answer.status == 200) {
            ready = true;
            continue;
        }
        EXPECT_EQ(answer.status, 503) << qPrintable(path);
        EXPECT_EQ(answer.json(), loadingBody()) << answer.body.constData();
        ++loadingAnswers;
    }
    ASSERT_TRUE(ready);
    if (!testingRealServer()) {
        EXPECT_GT(loadingAnswers, 0); // the real tiny model may load before the first probe
    }
    const HttpResult health = get(u"/health"_s);
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.json(), jsonObject(R"({"status":"ok"})"));
}

TEST_F(Conformance, HealthAndV1HealthAnswerOkWhenReady)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    for (const QString &path : {u"/health"_s, u"/v1/health"_s}) {
        const HttpResult health = get(path);
        EXPECT_EQ(health.status, 200) << qPrintable(path);
        EXPECT_EQ(health.json(), jsonObject(R"({"status":"ok"})"));
    }
}

TEST_F(Conformance, ModelsAnswersBothShapesNamingTheModel)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    const HttpResult models = get(u"/v1/models"_s);
    ASSERT_EQ(models.status, 200);
    const QJsonObject body = models.json();
    EXPECT_EQ(body.value(u"object"_s).toString(), u"list"_s);
    const QJsonObject data = body.value(u"data"_s).toArray().at(0).toObject();
    EXPECT_EQ(data.value(u"id"_s).toString(), modelName(modelPath(u"tiny-llama.gguf"_s)));
    EXPECT_EQ(data.value(u"object"_s).toString(), u"model"_s);
    EXPECT_EQ(data.value(u"owned_by"_s).toString(), u"llamacpp"_s);
    EXPECT_EQ(data.value(u"meta"_s).toObject().value(u"n_ctx_train"_s).toInt(), 2048);
    const QJsonObject ollama = body.value(u"models"_s).toArray().at(0).toObject();
    EXPECT_FALSE(ollama.value(u"name"_s).toString().isEmpty());
    EXPECT_EQ(ollama.value(u"capabilities"_s).toArray(), QJsonArray{u"completion"_s});
    const QJsonObject unversioned = get(u"/models"_s).json().value(u"data"_s).toArray().at(0).toObject();
    EXPECT_EQ(unversioned.value(u"id"_s), data.value(u"id"_s));
}

TEST_F(Conformance, ModelsReportMultimodalCapabilityWithAProjector)
{
    ASSERT_NO_FATAL_FAILURE(startReady(projector(u"tiny-mmproj-vision.gguf"_s)));
    const QJsonObject ollama = get(u"/v1/models"_s).json().value(u"models"_s).toArray().at(0).toObject();
    EXPECT_TRUE(ollama.value(u"capabilities"_s).toArray().contains(u"multimodal"_s));
}

TEST_F(Conformance, PropsWithoutProjectorReportContextSlotsAndNoMedia)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    const HttpResult props = get(u"/props"_s);
    ASSERT_EQ(props.status, 200);
    const QJsonObject body = props.json();
    EXPECT_EQ(body.value(u"default_generation_settings"_s).toObject().value(u"n_ctx"_s).toInt(), 2048);
    EXPECT_EQ(body.value(u"total_slots"_s).toInt(), 4);
    const QJsonObject modalities = body.value(u"modalities"_s).toObject();
    EXPECT_FALSE(modalities.value(u"vision"_s).toBool(true));
    EXPECT_FALSE(modalities.value(u"audio"_s).toBool(true));
    EXPECT_TRUE(body.value(u"chat_template"_s).toString().contains(u"<|assistant|>"_s));
    if (release != Release::BSeries) { // b7347's /props has no chat_template_caps (its sample)
        EXPECT_TRUE(body.value(u"chat_template_caps"_s).isObject());
    }
    EXPECT_EQ(body.value(u"bos_token"_s).toString(), u"<s>"_s);
    EXPECT_EQ(body.value(u"eos_token"_s).toString(), u"<|endoftext|>"_s);
    EXPECT_FALSE(body.value(u"build_info"_s).toString().isEmpty());
}

TEST_F(Conformance, PropsWithVisionProjectorReportVisionOnly)
{
    ASSERT_NO_FATAL_FAILURE(startReady(projector(u"tiny-mmproj-vision.gguf"_s)));
    const QJsonObject modalities = get(u"/props"_s).json().value(u"modalities"_s).toObject();
    EXPECT_TRUE(modalities.value(u"vision"_s).toBool());
    EXPECT_FALSE(modalities.value(u"audio"_s).toBool(true));
}

TEST_F(Conformance, PropsWithAudioProjectorReportAudioOnly)
{
    ASSERT_NO_FATAL_FAILURE(startReady(projector(u"tiny-mmproj-audio.gguf"_s)));
    const QJsonObject modalities = get(u"/props"_s).json().value(u"modalities"_s).toObject();
    EXPECT_FALSE(modalities.value(u"vision"_s).toBool(true));
    EXPECT_TRUE(modalities.value(u"audio"_s).toBool());
}

TEST_F(Conformance, PropsWithBothProjectorReportVisionVideoAndAudio)
{
    if (release == Release::BSeries)
        GTEST_SKIP() << "b7347 aborts with tiny-mmproj-both.gguf (../shared/models/README.md)";
    ASSERT_NO_FATAL_FAILURE(startReady(projector(u"tiny-mmproj-both.gguf"_s)));
    const QJsonObject modalities = get(u"/props"_s).json().value(u"modalities"_s).toObject();
    EXPECT_TRUE(modalities.value(u"vision"_s).toBool());
    EXPECT_TRUE(modalities.value(u"video"_s).toBool());
    EXPECT_TRUE(modalities.value(u"audio"_s).toBool());
}

TEST_F(Conformance, ParallelSlotsSplitTheContext)
{
    ASSERT_NO_FATAL_FAILURE(startReady({u"-c"_s, u"2048"_s, u"-np"_s, u"2"_s}));
    const QJsonObject props = get(u"/props"_s).json();
    EXPECT_EQ(props.value(u"default_generation_settings"_s).toObject().value(u"n_ctx"_s).toInt(), 1024);
    EXPECT_EQ(props.value(u"total_slots"_s).toInt(), 2);
    EXPECT_TRUE(server.waitForStderr(slotsLine(2, 1024, false))) << qPrintable(server.stderrText());
}

TEST_F(Conformance, UnifiedKvCacheGivesEverySlotTheWholeContext)
{
    ASSERT_NO_FATAL_FAILURE(startReady({u"-c"_s, u"2048"_s, u"-np"_s, u"2"_s, u"--kv-unified"_s}));
    const QJsonObject props = get(u"/props"_s).json();
    EXPECT_EQ(props.value(u"default_generation_settings"_s).toObject().value(u"n_ctx"_s).toInt(), 2048);
    EXPECT_TRUE(server.waitForStderr(slotsLine(2, 2048, true))) << qPrintable(server.stderrText());
}

TEST_F(Conformance, SlotsListEverySlotByDefault)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    const HttpResult slots = get(u"/slots"_s);
    ASSERT_EQ(slots.status, 200);
    const QJsonArray list = slots.jsonValue().toArray();
    ASSERT_EQ(list.size(), 4);
    for (const QJsonValue &slot : list)
        EXPECT_EQ(slot.toObject().value(u"n_ctx"_s).toInt(), 2048);
}

TEST_F(Conformance, MetricsNeedTheMetricsFlag)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    const HttpResult metrics = get(u"/metrics"_s);
    EXPECT_EQ(metrics.status, 501);
    EXPECT_EQ(metrics.json().value(u"error"_s).toObject().value(u"type"_s).toString(),
              u"not_supported_error"_s);
}

TEST_F(Conformance, MetricsAnswerWithTheMetricsFlag)
{
    ASSERT_NO_FATAL_FAILURE(startReady({u"--metrics"_s}));
    const HttpResult metrics = get(u"/metrics"_s);
    EXPECT_EQ(metrics.status, 200);
    EXPECT_TRUE(metrics.body.contains("llamacpp:prompt_tokens_total")) << metrics.body.constData();
}

TEST_F(Conformance, StreamingSendsRoleChunkContentFinishReasonAndDone)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    const QString buildInfo = get(u"/props"_s).json().value(u"build_info"_s).toString();
    const HttpResult reply = chat(chatBody(u"Hello"_s, {{u"stream"_s, true}, {u"max_tokens"_s, 4}}));
    ASSERT_EQ(reply.status, 200) << reply.body.constData();
    EXPECT_TRUE(reply.header("Content-Type").startsWith("text/event-stream"));
    EXPECT_EQ(reply.header("Transfer-Encoding"), QByteArray("chunked"));

    const SseStream sse = parseSse(reply.body);
    EXPECT_TRUE(sse.wellFormed) << reply.body.constData();
    ASSERT_GE(sse.data.size(), 4);
    EXPECT_EQ(sse.data.last(), QByteArray("[DONE]"));
    const QList<QJsonObject> chunks = chunksOf(sse);
    ASSERT_EQ(chunks.size(), sse.data.size() - 1);

    const QString id = chunks.first().value(u"id"_s).toString();
    EXPECT_TRUE(id.startsWith(u"chatcmpl-"_s));
    for (const QJsonObject &chunk : chunks) {
        EXPECT_EQ(chunk.value(u"object"_s).toString(), u"chat.completion.chunk"_s);
        EXPECT_EQ(chunk.value(u"id"_s).toString(), id);
        EXPECT_EQ(chunk.value(u"model"_s).toString(), modelName(modelPath(u"tiny-llama.gguf"_s)));
        EXPECT_EQ(chunk.value(u"system_fingerprint"_s).toString(), buildInfo);
    }

    const QJsonObject role = deltaOf(chunks.first());
    EXPECT_EQ(role.value(u"role"_s).toString(), u"assistant"_s);
    EXPECT_TRUE(firstChoice(chunks.first()).value(u"finish_reason"_s).isNull());

    int contentChunks = 0;
    for (qsizetype i = 1; i + 1 < chunks.size(); ++i) {
        EXPECT_TRUE(firstChoice(chunks.at(i)).value(u"finish_reason"_s).isNull());
        EXPECT_TRUE(deltaOf(chunks.at(i)).value(u"content"_s).isString());
        ++contentChunks;
    }
    EXPECT_GE(contentChunks, 1);
    EXPECT_LE(contentChunks, 4);

    const QJsonObject finish = chunks.last();
    EXPECT_EQ(firstChoice(finish).value(u"finish_reason"_s).toString(), u"length"_s);
    EXPECT_TRUE(deltaOf(finish).isEmpty());
    EXPECT_EQ(finish.value(u"timings"_s).toObject().value(u"predicted_n"_s).toInt(), 4);
}

TEST_F(Conformance, StreamingWithIncludeUsageEndsWithAUsageChunk)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    const QJsonObject options{{u"include_usage"_s, true}};
    const HttpResult reply = chat(chatBody(
            u"Hello"_s, {{u"stream"_s, true}, {u"max_tokens"_s, 4}, {u"stream_options"_s, options}}));
    ASSERT_EQ(reply.status, 200);
    const QList<QJsonObject> chunks = chunksOf(parseSse(reply.body));
    ASSERT_GE(chunks.size(), 3);

    const QJsonObject usageChunk = chunks.last();
    EXPECT_TRUE(usageChunk.value(u"choices"_s).toArray().isEmpty());
    const QJsonObject usage = usageChunk.value(u"usage"_s).toObject();
    EXPECT_EQ(usage.value(u"completion_tokens"_s).toInt(), 4);
    EXPECT_GT(usage.value(u"prompt_tokens"_s).toInt(), 0);
    EXPECT_EQ(usage.value(u"total_tokens"_s).toInt(),
              usage.value(u"prompt_tokens"_s).toInt() + usage.value(u"completion_tokens"_s).toInt());
    EXPECT_TRUE(usageChunk.value(u"timings"_s).isObject());

    const QJsonObject finish = chunks.at(chunks.size() - 2);
    EXPECT_EQ(firstChoice(finish).value(u"finish_reason"_s).toString(), u"length"_s);
    EXPECT_FALSE(finish.contains(u"timings"_s));
}

TEST_F(Conformance, NonStreamingAnswerHasMessageUsageAndTimings)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    const HttpResult reply = chat(chatBody(u"Hello"_s, {{u"max_tokens"_s, 4}}));
    ASSERT_EQ(reply.status, 200) << reply.body.constData();
    const QJsonObject body = reply.json();
    EXPECT_EQ(body.value(u"object"_s).toString(), u"chat.completion"_s);
    EXPECT_EQ(body.value(u"model"_s).toString(), modelName(modelPath(u"tiny-llama.gguf"_s)));
    EXPECT_TRUE(body.value(u"id"_s).toString().startsWith(u"chatcmpl-"_s));
    const QJsonObject choice = body.value(u"choices"_s).toArray().at(0).toObject();
    EXPECT_EQ(choice.value(u"finish_reason"_s).toString(), u"length"_s);
    EXPECT_EQ(choice.value(u"message"_s).toObject().value(u"role"_s).toString(), u"assistant"_s);
    EXPECT_TRUE(choice.value(u"message"_s).toObject().value(u"content"_s).isString());
    EXPECT_EQ(body.value(u"usage"_s).toObject().value(u"completion_tokens"_s).toInt(), 4);
    EXPECT_EQ(body.value(u"timings"_s).toObject().value(u"predicted_n"_s).toInt(), 4);
}

TEST_F(Conformance, ThinkingTemplateStreamsReasoningBeforeContent)
{
    if (release == Release::BSeries)
        GTEST_SKIP() << "b7347 streams the thinking as content (test_server_releases.cpp)";
    ASSERT_NO_FATAL_FAILURE(startReady({u"--jinja"_s}, u"tiny-llama-think.gguf"_s));
    const HttpResult reply = chat(chatBody(u"Hello"_s, {{u"stream"_s, true}, {u"max_tokens"_s, 16}}));
    ASSERT_EQ(reply.status, 200) << reply.body.constData();
    bool sawReasoning = false;
    bool sawContent = false;
    for (const QJsonObject &chunk : chunksOf(parseSse(reply.body))) {
        const QJsonObject delta = deltaOf(chunk);
        if (delta.value(u"reasoning_content"_s).isString()) {
            EXPECT_FALSE(sawContent) << "reasoning after content";
            sawReasoning = true;
        }
        if (!delta.value(u"content"_s).toString().isEmpty())
            sawContent = true;
    }
    EXPECT_TRUE(sawReasoning);
}

TEST_F(Conformance, ReasoningFormatNoneKeepsThinkingInContent)
{
    ASSERT_NO_FATAL_FAILURE(startReady({u"--jinja"_s}, u"tiny-llama-think.gguf"_s));
    const HttpResult reply = chat(chatBody(
            u"Hello"_s, {{u"stream"_s, true}, {u"max_tokens"_s, 16}, {u"reasoning_format"_s, u"none"_s}}));
    ASSERT_EQ(reply.status, 200) << reply.body.constData();
    bool sawContent = false;
    for (const QJsonObject &chunk : chunksOf(parseSse(reply.body))) {
        const QJsonObject delta = deltaOf(chunk);
        EXPECT_FALSE(delta.contains(u"reasoning_content"_s));
        sawContent = sawContent || !delta.value(u"content"_s).toString().isEmpty();
    }
    EXPECT_TRUE(sawContent);
}

namespace {
QJsonObject textPart(const QString &text)
{
    return {{u"type"_s, u"text"_s}, {u"text"_s, text}};
}

QJsonObject imagePart(const QByteArray &png)
{
    const QString url = u"data:image/png;base64,"_s + QString::fromLatin1(png.toBase64());
    return {{u"type"_s, u"image_url"_s}, {u"image_url"_s, QJsonObject{{u"url"_s, url}}}};
}

QJsonObject audioPart(const QByteArray &bytes)
{
    return {{u"type"_s, u"input_audio"_s},
            {u"input_audio"_s,
             QJsonObject{{u"data"_s, QString::fromLatin1(bytes.toBase64())}, {u"format"_s, u"wav"_s}}}};
}

int promptTokens(const HttpResult &reply)
{
    return reply.json().value(u"usage"_s).toObject().value(u"prompt_tokens"_s).toInt();
}

const QJsonObject oneToken{{QStringLiteral("max_tokens"), 1}};
} // namespace

TEST_F(Conformance, ImageWithoutVisionProjectorIs500)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    const HttpResult reply = chat(chatBodyWithParts(
            {textPart(u"What is this?"_s), imagePart(readFile(mediaPath(u"test.png"_s)))}, oneToken));
    EXPECT_EQ(reply.status, 500);
    EXPECT_EQ(
            reply.json(),
            jsonObject(
                    R"({"error":{"code":500,"message":"image input is not supported - hint: if this is unexpected, you may need to provide the mmproj","type":"server_error"}})"))
            << reply.body.constData();
}

TEST_F(Conformance, ImageWithVisionProjectorCostsPromptTokens)
{
    ASSERT_NO_FATAL_FAILURE(startReady(projector(u"tiny-mmproj-vision.gguf"_s)));
    const QByteArray png = readFile(mediaPath(u"test.png"_s));
    ASSERT_FALSE(png.isEmpty());
    const HttpResult withImage =
            chat(chatBodyWithParts({textPart(u"What is this?"_s), imagePart(png)}, oneToken));
    const HttpResult textOnly = chat(chatBodyWithParts({textPart(u"What is this?"_s)}, oneToken));
    ASSERT_EQ(withImage.status, 200) << withImage.body.constData();
    ASSERT_EQ(textOnly.status, 200) << textOnly.body.constData();
    EXPECT_GT(promptTokens(withImage), promptTokens(textOnly));
}

TEST_F(Conformance, ImageUrlThatIsNotAPictureIs400)
{
    ASSERT_NO_FATAL_FAILURE(startReady(projector(u"tiny-mmproj-vision.gguf"_s)));
    const HttpResult reply = chat(chatBodyWithParts(
            {textPart(u"What is this?"_s), imagePart("this is text, not a picture")}, oneToken));
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.body, sampleBody(release, u"bad-data-url.http"_s));
}

// What Llamadesk's own encoder makes of a screenshot, PNG and JPEG, is what the server reads.
TEST_F(Conformance, ImagesFromOurEncoderAreAccepted)
{
    ASSERT_NO_FATAL_FAILURE(startReady(projector(u"tiny-mmproj-vision.gguf"_s)));
    QImage flat(320, 200, QImage::Format_RGB32); // flat areas: PNG wins
    flat.fill(Qt::white);
    for (int y = 40; y < 80; ++y)
        for (int x = 20; x < 300; ++x)
            flat.setPixel(x, y, qRgb(30, 90, 200));
    QImage noisy(320, 200, QImage::Format_RGB32); // photo-like: JPEG wins
    quint32 seed = 12345;
    for (int y = 0; y < noisy.height(); ++y)
        for (int x = 0; x < noisy.width(); ++x) {
            seed = seed * 1664525u + 1013904223u;
            noisy.setPixel(x, y, qRgb((x + (seed >> 28)) & 0xff, (y * 2 + (seed >> 26)) & 0xff, (seed >> 24) & 0xff));
        }
    QStringList formats;
    for (const QImage &image : {flat, noisy}) {
        const Llamadesk::ImageResult encoded =
                Llamadesk::ImageAttachment::fromImage(image, Llamadesk::ImageEncodeOptions{});
        ASSERT_TRUE(encoded.attachment.has_value()) << encoded.error.toStdString();
        formats.append(encoded.attachment->mimeType);
        const QJsonObject part{{u"type"_s, u"image_url"_s},
                               {u"image_url"_s, QJsonObject{{u"url"_s, encoded.attachment->dataUrl()}}}};
        const HttpResult reply = chat(chatBodyWithParts({textPart(u"What is this?"_s), part}, oneToken));
        EXPECT_EQ(reply.status, 200) << encoded.attachment->mimeType.toStdString() << ": " << reply.body.constData();
    }
    EXPECT_EQ(formats, (QStringList{u"image/png"_s, u"image/jpeg"_s}));
}

// Voice about the screen: one user message with the text, an image and the recording.
TEST_F(Conformance, ImageAndAudioInOneMessageWithBothProjectorIs200)
{
    if (release == Release::BSeries)
        GTEST_SKIP() << "b7347 aborts with tiny-mmproj-both.gguf (../shared/models/README.md)";
    ASSERT_NO_FATAL_FAILURE(startReady(projector(u"tiny-mmproj-both.gguf"_s)));
    const QByteArray png = readFile(mediaPath(u"test.png"_s));
    const QByteArray wav = readFile(mediaPath(u"test.wav"_s));
    ASSERT_FALSE(png.isEmpty());
    ASSERT_FALSE(wav.isEmpty());
    const HttpResult both = chat(
            chatBodyWithParts({textPart(u"The recording is my question."_s), imagePart(png), audioPart(wav)}, oneToken));
    const HttpResult textOnly = chat(chatBodyWithParts({textPart(u"The recording is my question."_s)}, oneToken));
    ASSERT_EQ(both.status, 200) << both.body.constData();
    ASSERT_EQ(textOnly.status, 200) << textOnly.body.constData();
    EXPECT_GT(promptTokens(both) - promptTokens(textOnly), 750);
}

TEST_F(Conformance, AudioWithoutAudioProjectorIs500)
{
    ASSERT_NO_FATAL_FAILURE(startReady(projector(u"tiny-mmproj-vision.gguf"_s)));
    const HttpResult reply =
            chat(chatBodyWithParts({audioPart(readFile(mediaPath(u"test.wav"_s)))}, oneToken));
    EXPECT_EQ(reply.status, 500);
    EXPECT_EQ(reply.body, sampleBody(release, u"audio-without-projector.http"_s));
}

TEST_F(Conformance, AudioWithAudioProjectorCosts750TokensPerStarted30Seconds)
{
    ASSERT_NO_FATAL_FAILURE(startReady(projector(u"tiny-mmproj-audio.gguf"_s)));
    const QByteArray wav = readFile(mediaPath(u"test.wav"_s));
    ASSERT_FALSE(wav.isEmpty());
    const HttpResult withAudio =
            chat(chatBodyWithParts({textPart(u"Transcribe"_s), audioPart(wav)}, oneToken));
    const HttpResult textOnly = chat(chatBodyWithParts({textPart(u"Transcribe"_s)}, oneToken));
    ASSERT_EQ(withAudio.status, 200) << withAudio.body.constData();
    ASSERT_EQ(textOnly.status, 200) << textOnly.body.constData();
    EXPECT_GE(promptTokens(withAudio) - promptTokens(textOnly), 750);
    EXPECT_LT(promptTokens(withAudio) - promptTokens(textOnly), 2 * 750);
}

TEST_F(Conformance, RawPcmAudioIs400)
{
    ASSERT_NO_FATAL_FAILURE(startReady(projector(u"tiny-mmproj-audio.gguf"_s)));
    const QByteArray pcm = readFile(mediaPath(u"test.wav"_s)).mid(44); // the samples without the WAV header
    const HttpResult reply = chat(chatBodyWithParts({audioPart(pcm)}, oneToken));
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.json().value(u"error"_s).toObject().value(u"message"_s).toString(),
              u"Failed to load image or audio file"_s)
            << reply.body.constData();
}

TEST_F(Conformance, ApiKeyIsRequiredWhenSet)
{
    ASSERT_NO_FATAL_FAILURE(startReady({u"--api-key"_s, u"sesame-1234"_s}));
    const QJsonObject invalid =
            jsonObject(R"({"error":{"message":"Invalid API Key","type":"authentication_error","code":401}})");
    const HttpResult missing = get(u"/props"_s);
    EXPECT_EQ(missing.status, 401);
    EXPECT_EQ(missing.json(), invalid);
    const HttpResult wrong = get(u"/props"_s, {{"Authorization", "Bearer not-the-key"}});
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(wrong.json(), invalid);
    EXPECT_EQ(chat(chatBody(u"Hello"_s, oneToken)).status, 401);
    EXPECT_EQ(get(u"/health"_s).status, 200);
    EXPECT_EQ(get(u"/v1/health"_s).status, 200);
    EXPECT_FALSE(server.stderrText().contains(u"no API key is set"_s));
}

TEST_F(Conformance, ApiKeyIsAcceptedInEveryHeaderForm)
{
    ASSERT_NO_FATAL_FAILURE(startReady({u"--api-key"_s, u"sesame-1234"_s}));
    EXPECT_EQ(get(u"/props"_s, {{"Authorization", "Bearer sesame-1234"}}).status, 200);
    EXPECT_EQ(get(u"/props"_s, {{"Authorization", "sesame-1234"}}).status, 200);
    EXPECT_EQ(get(u"/props"_s, {{"X-Api-Key", "sesame-1234"}}).status, 200);
    EXPECT_EQ(chat(chatBody(u"Hello"_s, oneToken), {{"Authorization", "Bearer sesame-1234"}}).status, 200);
}

TEST_F(Conformance, ApiKeyComesFromTheEnvironment)
{
    server.setEnv(u"LLAMA_API_KEY"_s, u"from-the-env"_s);
    ASSERT_NO_FATAL_FAILURE(startReady());
    EXPECT_EQ(get(u"/props"_s).status, 401);
    EXPECT_EQ(get(u"/props"_s, {{"Authorization", "Bearer from-the-env"}}).status, 200);
}

TEST_F(Conformance, MalformedJsonIs500WithTheParseError)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    const HttpResult reply = chat(QByteArray(R"({"messages": [)"));
    EXPECT_EQ(reply.status, 500);
    const QJsonObject error = reply.json().value(u"error"_s).toObject();
    EXPECT_TRUE(error.value(u"message"_s).toString().startsWith(u"[json.exception.parse_error.101]"_s))
            << reply.body.constData();
    EXPECT_EQ(error.value(u"code"_s).toInt(), 500);
}

TEST_F(Conformance, EmptyObjectIs400MessagesRequired)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    const HttpResult reply = chat(QByteArray("{}"));
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.json().value(u"error"_s).toObject().value(u"message"_s).toString(),
              u"'messages' is required"_s);
}

TEST_F(Conformance, UnknownContentPartTypeIs400)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    const QJsonObject part{{u"type"_s, u"hologram"_s}, {u"hologram"_s, QJsonObject{}}};
    const HttpResult reply = chat(chatBodyWithParts({part}, oneToken));
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.json().value(u"error"_s).toObject().value(u"message"_s).toString(),
              u"unsupported content[].type"_s);
}

TEST_F(Conformance, PromptLargerThanTheContextIs400ExceedContextSize)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    const HttpResult reply = chat(chatBody(u"hello "_s.repeated(3000), oneToken));
    EXPECT_EQ(reply.status, 400);
    const QJsonObject error = reply.json().value(u"error"_s).toObject();
    EXPECT_EQ(error.value(u"type"_s).toString(), u"exceed_context_size_error"_s) << reply.body.constData();
    EXPECT_EQ(error.value(u"n_ctx"_s).toInt(), 2048);
    EXPECT_GT(error.value(u"n_prompt_tokens"_s).toInt(), 2048);
}

TEST_F(Conformance, BusyPortExits1)
{
    QTcpServer occupant;
    ASSERT_TRUE(occupant.listen(QHostAddress::LocalHost, 0));
    const QString port = QString::number(occupant.serverPort());
    expectStartFailure(
            {u"-m"_s, modelPath(u"tiny-llama.gguf"_s), u"--host"_s, u"127.0.0.1"_s, u"--port"_s, port},
            {u"couldn't bind HTTP server socket, hostname: 127.0.0.1, port: "_s + port,
             u"exiting due to HTTP server error"_s});
}

TEST_F(Conformance, MissingModelExits1)
{
    QTemporaryDir dir;
    const QString missing = dir.filePath(u"nope.gguf"_s);
    expectStartFailure(
            {u"-m"_s, missing, u"--host"_s, u"127.0.0.1"_s, u"--port"_s, QString::number(freePort())},
            {u"failed to open GGUF file '%1' (No such file or directory)"_s.arg(missing),
             u"failed to load model, '%1'"_s.arg(missing), u"exiting due to model loading error"_s});
}

TEST_F(Conformance, FileThatIsNotGgufExits1)
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"text.gguf"_s);
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write(QByteArray("this is plain text, not a model\n").repeated(8));
    file.close();
    expectStartFailure({u"-m"_s, path, u"--host"_s, u"127.0.0.1"_s, u"--port"_s, QString::number(freePort())},
                       {u"invalid magic characters: 'this', expected 'GGUF'"_s,
                        u"exiting due to model loading error"_s});
}

TEST_F(Conformance, TruncatedGgufExits1)
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"cut.gguf"_s);
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write(readFile(modelPath(u"tiny-llama.gguf"_s)).left(4 * 1024 * 1024));
    file.close();
    expectStartFailure({u"-m"_s, path, u"--host"_s, u"127.0.0.1"_s, u"--port"_s, QString::number(freePort())},
                       {u"data is not within the file bounds"_s, u"exiting due to model loading error"_s});
}

TEST_F(Conformance, UnknownArgumentExits1)
{
    expectStartFailure({u"-m"_s, modelPath(u"tiny-llama.gguf"_s), u"--definitely-not-a-flag"_s},
                       {u"error: invalid argument: --definitely-not-a-flag"_s});
}

TEST_F(Conformance, VersionPrintsToStderrAndExits0)
{
    ASSERT_TRUE(server.startRaw({u"--version"_s}));
    ASSERT_TRUE(server.waitForExit());
    EXPECT_EQ(server.process().exitStatus(), QProcess::NormalExit);
    EXPECT_EQ(server.process().exitCode(), 0);
    const QString err = server.stderrText();
    EXPECT_TRUE(err.contains(u"version: "_s)) << qPrintable(err);
    EXPECT_TRUE(err.contains(u"built with "_s)) << qPrintable(err);
    EXPECT_TRUE(server.stdoutBytes().isEmpty());
}

TEST_F(Conformance, SigtermWithoutOpenStreamExits0)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    ASSERT_EQ(get(u"/health"_s).status, 200);
    server.terminate();
    ASSERT_TRUE(server.waitForExit(10000));
    EXPECT_EQ(server.process().exitStatus(), QProcess::NormalExit);
    EXPECT_EQ(server.process().exitCode(), 0);
}
