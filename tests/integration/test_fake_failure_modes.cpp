// The fake llama-server's FAKE_LLAMA_* knobs (tests/fakes/README.md), each once. The real
// server has no such knobs: these tests skip when LLAMADESK_LLAMA_SERVER is set.

#include <algorithm>
#include <memory>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QRegularExpression>
#include <QSignalSpy>

#include <gtest/gtest.h>

#include "servertestkit.h"
#include "testsupport.h"

using namespace Llamadesk::ServerTest;
using namespace Llamadesk::TestSupport;
using namespace Qt::Literals::StringLiterals;

namespace {
QJsonObject deltaOf(const QByteArray &data)
{
    const QJsonObject chunk = QJsonDocument::fromJson(data).object();
    return chunk.value(u"choices"_s).toArray().at(0).toObject().value(u"delta"_s).toObject();
}

int contentChunks(const SseStream &sse)
{
    int n = 0;
    for (const QByteArray &data : sse.data)
        n += deltaOf(data).value(u"content"_s).isString() ? 1 : 0;
    return n;
}

int busySlots(const QJsonValue &slots)
{
    int busy = 0;
    for (const QJsonValue &slot : slots.toArray())
        busy += slot.toObject().value(u"is_processing"_s).toBool() ? 1 : 0;
    return busy;
}
} // namespace

class FakeFailureModes : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (testingRealServer())
            GTEST_SKIP() << "FAKE_LLAMA_* knobs exist only in the fake server";
    }

    void startReady(const QStringList &extra = {})
    {
        ASSERT_TRUE(server.start(QStringList{u"-m"_s, modelPath(u"tiny-llama.gguf"_s)} + extra));
        ASSERT_TRUE(server.waitForReady()) << qPrintable(server.stderrText());
    }

    // Starts a streamed chat and keeps what arrives in `received`.
    void startStream(int maxTokens)
    {
        reply.reset(
                http.startPost(server.url(u"/v1/chat/completions"_s),
                               chatBody(u"Hello"_s, {{u"stream"_s, true}, {u"max_tokens"_s, maxTokens}})));
        QObject::connect(reply.get(), &QNetworkReply::readyRead, reply.get(), [this] {
            const QByteArray piece = reply->readAll();
            reads.append(piece);
            received += piece;
        });
    }

    bool waitForStreamEnd(int timeoutMs = 10000)
    {
        if (reply->isFinished())
            return true;
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        const bool ok = finished.wait(timeoutMs);
        received += reply->readAll();
        return ok;
    }

    ServerProcess server;
    HttpClient http;
    std::unique_ptr<QNetworkReply> reply;
    QByteArray received;
    QList<QByteArray> reads;
};

TEST_F(FakeFailureModes, LoadMsKeepsHealthAt503ForThatLong)
{
    server.setEnv(u"FAKE_LLAMA_LOAD_MS"_s, u"700"_s);
    QElapsedTimer sinceSpawn;
    sinceSpawn.start();
    ASSERT_TRUE(server.start({u"-m"_s, modelPath(u"tiny-llama.gguf"_s)}));
    int loading = 0;
    qint64 readyAfter = -1;
    while (readyAfter < 0 && sinceSpawn.elapsed() < 10000) {
        const HttpResult health = http.get(server.url(u"/health"_s), {}, 2000);
        if (health.status == 503)
            ++loading;
        if (health.status == 200)
            readyAfter = sinceSpawn.elapsed();
        else
            server.process().waitForFinished(20);
    }
    EXPECT_GT(loading, 0);
    EXPECT_GE(readyAfter, 700);
}

TEST_F(FakeFailureModes, HangLoadingNeverBecomesReady)
{
    server.setEnv(u"FAKE_LLAMA_HANG_LOADING"_s, u"1"_s);
    ASSERT_TRUE(server.start({u"-m"_s, modelPath(u"tiny-llama.gguf"_s)}));
    ASSERT_TRUE(server.waitForStderr(u"loading model"_s));
    int answers = 0;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 800) {
        const HttpResult health = http.get(server.url(u"/health"_s), {}, 2000);
        if (health.status != 0) {
            EXPECT_EQ(health.status, 503);
            ++answers;
        }
        server.process().waitForFinished(50);
    }
    EXPECT_GT(answers, 0);
    EXPECT_EQ(server.process().state(), QProcess::Running);
    EXPECT_FALSE(server.stderrText().contains(u"model loaded"_s));
}

TEST_F(FakeFailureModes, SigtermWhileLoadingKillsLikeTheRealServer)
{
    // llama-server installs its SIGTERM handler only once the model is loaded.
    server.setEnv(u"FAKE_LLAMA_HANG_LOADING"_s, u"1"_s);
    ASSERT_TRUE(server.start({u"-m"_s, modelPath(u"tiny-llama.gguf"_s)}));
    ASSERT_TRUE(server.waitForStderr(u"loading model"_s));
    server.terminate();
    ASSERT_TRUE(server.waitForExit(5000));
    EXPECT_EQ(server.process().exitStatus(), QProcess::CrashExit);
}

TEST_F(FakeFailureModes, NeverHealthyLeavesHealthProbesUnanswered)
{
    server.setEnv(u"FAKE_LLAMA_NEVER_HEALTHY"_s, u"1"_s);
    ASSERT_TRUE(server.start({u"-m"_s, modelPath(u"tiny-llama.gguf"_s)}));
    ASSERT_TRUE(server.waitForStderr(u"listening on http://127.0.0.1:%1"_s.arg(server.port())));
    const HttpResult health = http.get(server.url(u"/health"_s), {}, 600);
    EXPECT_EQ(health.status, 0);
    EXPECT_NE(health.error, QNetworkReply::NoError);
    EXPECT_EQ(http.get(server.url(u"/props"_s)).status, 200);

    QElapsedTimer timer;
    timer.start();
    server.terminate();
    ASSERT_TRUE(server.waitForExit(5000));
    EXPECT_EQ(server.process().exitCode(), 0);
    EXPECT_LT(timer.elapsed(), 2000);
}

TEST_F(FakeFailureModes, OomAtStartPrintsOutOfMemoryAndExits1)
{
    server.setEnv(u"FAKE_LLAMA_OOM_AT_START"_s, u"1"_s);
    ASSERT_TRUE(server.start({u"-m"_s, modelPath(u"tiny-llama.gguf"_s)}));
    ASSERT_TRUE(server.waitForExit());
    EXPECT_EQ(server.process().exitStatus(), QProcess::NormalExit);
    EXPECT_EQ(server.process().exitCode(), 1);
    const QString err = server.stderrText();
    EXPECT_TRUE(err.contains(u"out of memory"_s)) << qPrintable(err);
    static const QRegularExpression allocate(u"failed to allocate .* buffer of size"_s);
    EXPECT_TRUE(allocate.match(err).hasMatch()) << qPrintable(err);
    EXPECT_TRUE(err.contains(u"exiting due to model loading error"_s));
}

TEST_F(FakeFailureModes, CrashAfterTokensKillsTheServerMidStream)
{
    server.setEnv(u"FAKE_LLAMA_CRASH_AFTER_TOKENS"_s, u"3"_s);
    ASSERT_NO_FATAL_FAILURE(startReady());
    startStream(20);
    ASSERT_TRUE(waitForStreamEnd());
    EXPECT_NE(reply->error(), QNetworkReply::NoError);
    const SseStream sse = parseSse(received);
    EXPECT_EQ(contentChunks(sse), 3) << received.constData();
    EXPECT_FALSE(sse.data.contains(QByteArray("[DONE]")));
    ASSERT_TRUE(server.waitForExit());
    EXPECT_EQ(server.process().exitStatus(), QProcess::CrashExit);
}

TEST_F(FakeFailureModes, StallAfterTokensHoldsTheStreamUntilTheClientLeaves)
{
    server.setEnv(u"FAKE_LLAMA_STALL_AFTER_TOKENS"_s, u"2"_s);
    ASSERT_NO_FATAL_FAILURE(startReady());
    startStream(20);
    ASSERT_TRUE(waitUntil([&] { return contentChunks(parseSse(received)) == 2; }));
    QSignalSpy more(reply.get(), &QNetworkReply::readyRead);
    EXPECT_FALSE(more.wait(400));
    EXPECT_FALSE(reply->isFinished());
    EXPECT_EQ(busySlots(http.get(server.url(u"/slots"_s)).jsonValue()), 1);

    reply->abort();
    EXPECT_TRUE(waitUntil([&] { return busySlots(http.get(server.url(u"/slots"_s)).jsonValue()) == 0; }));
}

TEST_F(FakeFailureModes, StalledStreamCarriesSsePingComments)
{
    server.setEnv(u"FAKE_LLAMA_STALL_AFTER_TOKENS"_s, u"1"_s);
    ASSERT_NO_FATAL_FAILURE(startReady({u"--sse-ping-interval"_s, u"1"_s}));
    startStream(20);
    ASSERT_TRUE(waitUntil([&] { return parseSse(received).comments > 0; }, std::chrono::seconds(4)));
    const SseStream sse = parseSse(received);
    EXPECT_TRUE(sse.wellFormed) << received.constData();
    EXPECT_EQ(contentChunks(sse), 1);
    EXPECT_TRUE(received.contains("\n\n:\n\n")) << "a ping is a bare ':' line: " << received.constData();
}

TEST_F(FakeFailureModes, ErrorAfterTokensEndsWithAnErrorEventAndNoDone)
{
    server.setEnv(u"FAKE_LLAMA_ERROR_AFTER_TOKENS"_s, u"2"_s);
    ASSERT_NO_FATAL_FAILURE(startReady());
    startStream(20);
    ASSERT_TRUE(waitForStreamEnd());
    EXPECT_EQ(reply->error(), QNetworkReply::NoError);
    const SseStream sse = parseSse(received);
    EXPECT_TRUE(sse.wellFormed);
    EXPECT_EQ(contentChunks(sse), 2);
    ASSERT_FALSE(sse.data.isEmpty());
    const QJsonObject error = QJsonDocument::fromJson(sse.data.last()).object().value(u"error"_s).toObject();
    EXPECT_EQ(error.value(u"code"_s).toInt(), 500);
    EXPECT_EQ(error.value(u"type"_s).toString(), u"server_error"_s);
    EXPECT_FALSE(error.value(u"message"_s).toString().isEmpty());
    EXPECT_FALSE(sse.data.contains(QByteArray("[DONE]")));
}

TEST_F(FakeFailureModes, MalformedChunksSendOneBrokenEventAndSplitAnother)
{
    server.setEnv(u"FAKE_LLAMA_MALFORMED_CHUNKS"_s, u"1"_s);
    ASSERT_NO_FATAL_FAILURE(startReady());
    startStream(6);
    ASSERT_TRUE(waitForStreamEnd());
    const SseStream sse = parseSse(received);
    EXPECT_TRUE(sse.wellFormed);
    int invalid = 0;
    for (const QByteArray &data : sse.data) {
        QJsonParseError error;
        QJsonDocument::fromJson(data, &error);
        invalid += data != "[DONE]" && error.error != QJsonParseError::NoError ? 1 : 0;
    }
    EXPECT_EQ(invalid, 1);
    EXPECT_EQ(sse.data.last(), QByteArray("[DONE]"));
    const bool splitRead = std::any_of(reads.begin(), reads.end(),
                                       [](const QByteArray &read) { return !read.endsWith("\n\n"); });
    EXPECT_TRUE(splitRead) << "no read ended inside an event";
}

TEST_F(FakeFailureModes, TokensPerSecondPacesTheStream)
{
    server.setEnv(u"FAKE_LLAMA_TOKENS_PER_SECOND"_s, u"50"_s);
    ASSERT_NO_FATAL_FAILURE(startReady());
    QElapsedTimer timer;
    timer.start();
    const HttpResult answer =
            http.post(server.url(u"/v1/chat/completions"_s), chatBody(u"Hello"_s, {{u"max_tokens"_s, 10}}));
    ASSERT_EQ(answer.status, 200);
    EXPECT_GE(timer.elapsed(), 190);
    const double rate =
            answer.json().value(u"timings"_s).toObject().value(u"predicted_per_second"_s).toDouble();
    EXPECT_GT(rate, 30.0);
    EXPECT_LT(rate, 55.0);
}

TEST_F(FakeFailureModes, ReplyTokensSetsTheLengthOfANaturalAnswer)
{
    server.setEnv(u"FAKE_LLAMA_REPLY_TOKENS"_s, u"5"_s);
    ASSERT_NO_FATAL_FAILURE(startReady());
    const HttpResult answer = http.post(server.url(u"/v1/chat/completions"_s), chatBody(u"Hello"_s));
    ASSERT_EQ(answer.status, 200);
    const QJsonObject body = answer.json();
    EXPECT_EQ(body.value(u"choices"_s).toArray().at(0).toObject().value(u"finish_reason"_s).toString(),
              u"stop"_s);
    EXPECT_EQ(body.value(u"usage"_s).toObject().value(u"completion_tokens"_s).toInt(), 5);
}

TEST_F(FakeFailureModes, EssayShapesTheAnswerInParagraphsHeadingsAndLists)
{
    server.setEnv(u"FAKE_LLAMA_ESSAY"_s, u"1"_s);
    server.setEnv(u"FAKE_LLAMA_REPLY_TOKENS"_s, u"600"_s);
    ASSERT_NO_FATAL_FAILURE(startReady());
    const HttpResult answer = http.post(server.url(u"/v1/chat/completions"_s), chatBody(u"Write an essay"_s));
    ASSERT_EQ(answer.status, 200);
    const QJsonObject body = answer.json();
    const QString content =
            body.value(u"choices"_s).toArray().at(0).toObject().value(u"message"_s).toObject().value(u"content"_s).toString();
    EXPECT_EQ(body.value(u"usage"_s).toObject().value(u"completion_tokens"_s).toInt(), 600) << "still a token a piece";
    EXPECT_GE(content.count(u"\n\n"_s), 8) << qPrintable(content);
    EXPECT_TRUE(content.contains(u"\n## "_s) || content.startsWith(u"## "_s)) << qPrintable(content);
    EXPECT_TRUE(content.contains(u"\n- "_s)) << qPrintable(content);
    EXPECT_TRUE(content.contains(u". "_s));
    // The same prompt, the same essay.
    const HttpResult again = http.post(server.url(u"/v1/chat/completions"_s), chatBody(u"Write an essay"_s));
    EXPECT_EQ(again.json().value(u"choices"_s).toArray().at(0).toObject().value(u"message"_s).toObject().value(u"content"_s).toString(),
              content);
}

TEST_F(FakeFailureModes, BurnUsPerTokenMakesEveryTokenCostCpuTime)
{
    // 2 ms of CPU time per token on one thread: whatever the machine, at most 500 tokens/s (a
    // loaded machine only makes it slower), where the sleep-paced default is 1,500.
    server.setEnv(u"FAKE_LLAMA_BURN_US_PER_TOKEN"_s, u"2000"_s);
    server.setEnv(u"FAKE_LLAMA_BURN_THREADS"_s, u"1"_s);
    server.setEnv(u"FAKE_LLAMA_TOKENS_PER_SECOND"_s, u"1e9"_s);
    ASSERT_NO_FATAL_FAILURE(startReady());
    const HttpResult answer =
            http.post(server.url(u"/v1/chat/completions"_s), chatBody(u"Hello"_s, {{u"max_tokens"_s, 50}}));
    ASSERT_EQ(answer.status, 200);
    const double rate =
            answer.json().value(u"timings"_s).toObject().value(u"predicted_per_second"_s).toDouble();
    EXPECT_GT(rate, 0.0);
    EXPECT_LE(rate, 500.0);
}

TEST_F(FakeFailureModes, SigtermStallMsHoldsAnOpenStreamThenExits0)
{
    server.setEnv(u"FAKE_LLAMA_SIGTERM_STALL_MS"_s, u"600"_s);
    server.setEnv(u"FAKE_LLAMA_TOKENS_PER_SECOND"_s, u"20"_s);
    ASSERT_NO_FATAL_FAILURE(startReady());
    startStream(200);
    ASSERT_TRUE(waitUntil([&] { return contentChunks(parseSse(received)) >= 1; }));

    QElapsedTimer timer;
    timer.start();
    server.terminate();
    QSignalSpy more(reply.get(), &QNetworkReply::readyRead);
    EXPECT_FALSE(more.wait(400)) << "data after SIGTERM";
    EXPECT_FALSE(reply->isFinished()) << "stream closed before the stall ended";
    ASSERT_TRUE(server.waitForExit(5000));
    EXPECT_EQ(server.process().exitStatus(), QProcess::NormalExit);
    EXPECT_EQ(server.process().exitCode(), 0);
    EXPECT_GE(timer.elapsed(), 550);
    ASSERT_TRUE(waitForStreamEnd());
    EXPECT_FALSE(parseSse(received).data.contains(QByteArray("[DONE]")));
}
