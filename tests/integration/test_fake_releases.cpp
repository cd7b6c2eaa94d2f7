// The fake llama-server's release modes (FAKE_LLAMA_RELEASE), the arguments it records
// (argv.json) and its prompt-processing delay (FAKE_LLAMA_PROMPT_MS): what the conformance
// suite cannot ask of a real server. Skips itself when LLAMADESK_LLAMA_SERVER is set.

#include <csignal>

#include <QJsonArray>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include "servertestkit.h"
#include "testsupport.h"

using namespace Llamadesk::ServerTest;
using namespace Llamadesk::TestSupport;
using namespace Qt::Literals::StringLiterals;

namespace {
QByteArray sampleFile(const QString &name)
{
    return readFile(sharedDir() + u"/llama-server-samples/"_s + name);
}

// A sample captured with "then the exit code": the output is everything before that line.
QByteArray withoutExitLine(QByteArray text)
{
    const qsizetype exit = text.lastIndexOf("\nexit ");
    return exit < 0 ? text : text.left(exit + 1);
}

// 0.5.0's help.txt: its "initializing ..." stderr line landed inside a stdout line.
QByteArray help050()
{
    QString text = QString::fromUtf8(withoutExitLine(sampleFile(u"0.5.0/help.txt"_s)));
    static const QRegularExpression interleaved(uR"(\d+\.\d{2}\.\d{3}\.\d{3} I srv  llama_server: initializing \.\.\.\n)"_s);
    return text.remove(interleaved).toUtf8();
}

QJsonObject audioPart(const QByteArray &bytes)
{
    return {{u"type"_s, u"input_audio"_s},
            {u"input_audio"_s, QJsonObject{{u"data"_s, QString::fromLatin1(bytes.toBase64())}, {u"format"_s, u"wav"_s}}}};
}
} // namespace

class FakeReleases : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (testingRealServer())
            GTEST_SKIP() << "FAKE_LLAMA_* knobs exist only in the fake server";
    }

    // Runs the fake once with `arguments` in `release` and waits for it to exit.
    void runToExit(const QString &release, const QStringList &arguments)
    {
        server.setEnv(u"FAKE_LLAMA_RELEASE"_s, release);
        ASSERT_TRUE(server.startRaw(arguments));
        ASSERT_TRUE(server.waitForExit());
    }

    ServerProcess server;
    HttpClient http;
};

TEST_F(FakeReleases, HelpOf050IsItsSampleVerbatim)
{
    ASSERT_NO_FATAL_FAILURE(runToExit(u"0.5.0"_s, {u"--help"_s}));
    EXPECT_EQ(server.process().exitCode(), 0);
    EXPECT_EQ(server.stdoutBytes(), help050());
}

TEST_F(FakeReleases, HelpOf040IsThe050Text)
{
    ASSERT_NO_FATAL_FAILURE(runToExit(u"0.4.0"_s, {u"--help"_s}));
    EXPECT_EQ(server.stdoutBytes(), help050());
}

TEST_F(FakeReleases, HelpOfB7347IsItsSampleVerbatim)
{
    ASSERT_NO_FATAL_FAILURE(runToExit(u"b7347"_s, {u"--help"_s}));
    EXPECT_EQ(server.stdoutBytes(), withoutExitLine(sampleFile(u"b7347/help.txt"_s)));
}

TEST_F(FakeReleases, VersionOfB7347IsItsSampleVerbatim)
{
    ASSERT_NO_FATAL_FAILURE(runToExit(u"b7347"_s, {u"--version"_s}));
    EXPECT_EQ(server.stderrText().toUtf8(), withoutExitLine(sampleFile(u"b7347/version.txt"_s)));
}

TEST_F(FakeReleases, VersionOf050IsItsSampleAfterTheLogLine)
{
    ASSERT_NO_FATAL_FAILURE(runToExit(u"0.5.0"_s, {u"--version"_s}));
    const QByteArray sample = withoutExitLine(sampleFile(u"0.5.0/version.txt"_s));
    const QByteArray err = server.stderrText().toUtf8();
    EXPECT_EQ(err.mid(err.indexOf('\n') + 1), sample.mid(sample.indexOf('\n') + 1));
}

TEST_F(FakeReleases, VersionOf040IsLlamaServerMdsForm)
{
    ASSERT_NO_FATAL_FAILURE(runToExit(u"0.4.0"_s, {u"--version"_s}));
    EXPECT_TRUE(server.stderrText().startsWith(u"version: 0.4.0-dev (build 1, commit 80fb11a)\n"_s))
            << qPrintable(server.stderrText());
}

TEST_F(FakeReleases, UnknownReleaseExits1)
{
    ASSERT_NO_FATAL_FAILURE(runToExit(u"0.9.9"_s, {u"--version"_s}));
    EXPECT_EQ(server.process().exitCode(), 1);
    EXPECT_TRUE(server.stderrText().contains(u"FAKE_LLAMA_RELEASE='0.9.9'"_s)) << qPrintable(server.stderrText());
}

TEST_F(FakeReleases, RemovedFlagOf050IsRefusedAfterTheInitializingLine)
{
    ASSERT_NO_FATAL_FAILURE(runToExit(u"0.5.0"_s, {u"-m"_s, modelPath(u"tiny-llama.gguf"_s), u"--mlock"_s}));
    EXPECT_EQ(server.process().exitCode(), 1);
    const QStringList lines = server.stderrText().split(u'\n', Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 2) << qPrintable(server.stderrText());
    EXPECT_TRUE(lines.at(0).endsWith(u" I srv  llama_server: initializing ..."_s)) << qPrintable(lines.at(0));
    EXPECT_EQ(lines.at(1), u"error: invalid argument: --mlock"_s);
}

TEST_F(FakeReleases, RecordDirGetsTheArgumentsAsArgvJson)
{
    QTemporaryDir record;
    server.setEnv(u"FAKE_LLAMA_RECORD_DIR"_s, record.path());
    const QStringList arguments{u"-m"_s, modelPath(u"tiny-llama.gguf"_s), u"--alias"_s, u"desk model"_s};
    ASSERT_TRUE(server.start(arguments));
    ASSERT_TRUE(server.waitForReady()) << qPrintable(server.stderrText());
    const QJsonArray recorded = QJsonDocument::fromJson(readFile(record.filePath(u"argv.json"_s))).array();
    const QJsonArray expected = QJsonArray::fromStringList(
            arguments + QStringList{u"--host"_s, u"127.0.0.1"_s, u"--port"_s, QString::number(server.port())});
    EXPECT_EQ(recorded, expected);
}

TEST_F(FakeReleases, ArgvJsonIsWrittenEvenWhenTheArgumentsAreRefused)
{
    QTemporaryDir record;
    server.setEnv(u"FAKE_LLAMA_RECORD_DIR"_s, record.path());
    ASSERT_NO_FATAL_FAILURE(runToExit(u"0.5.0"_s, {u"--no-such-flag"_s}));
    EXPECT_EQ(server.process().exitCode(), 1);
    EXPECT_EQ(QJsonDocument::fromJson(readFile(record.filePath(u"argv.json"_s))).array(),
              QJsonArray{u"--no-such-flag"_s});
}

TEST_F(FakeReleases, PromptMsSetsThePromptProcessingTime)
{
    server.setEnv(u"FAKE_LLAMA_PROMPT_MS"_s, u"400"_s);
    ASSERT_TRUE(server.start({u"-m"_s, modelPath(u"tiny-llama.gguf"_s)}));
    ASSERT_TRUE(server.waitForReady()) << qPrintable(server.stderrText());
    const HttpResult reply = http.post(server.url(u"/v1/chat/completions"_s),
                                       chatBody(u"Hello"_s, {{u"max_tokens"_s, 1}}));
    ASSERT_EQ(reply.status, 200);
    EXPECT_GE(reply.json().value(u"timings"_s).toObject().value(u"prompt_ms"_s).toDouble(), 400.0);
}

// The real server sends not even the response headers before the first token.
TEST_F(FakeReleases, StreamSendsNoBytesWhileThePromptIsProcessed)
{
    server.setEnv(u"FAKE_LLAMA_PROMPT_MS"_s, u"60000"_s);
    ASSERT_TRUE(server.start({u"-m"_s, modelPath(u"tiny-llama.gguf"_s)}));
    ASSERT_TRUE(server.waitForReady()) << qPrintable(server.stderrText());
    QTcpSocket socket;
    socket.connectToHost(u"127.0.0.1"_s, server.port());
    ASSERT_TRUE(socket.waitForConnected(5000));
    const QByteArray body = chatBody(u"Hello"_s, {{u"stream"_s, true}, {u"max_tokens"_s, 4}});
    socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    ASSERT_TRUE(server.waitForStderr(u"new prompt, n_ctx_slot"_s)) << qPrintable(server.stderrText());
    EXPECT_FALSE(socket.waitForReadyRead(500)) << socket.readAll().constData();
    EXPECT_EQ(socket.bytesAvailable(), 0);
}

TEST_F(FakeReleases, B7347AbortsOnAudioWithTheBothProjector)
{
    server.setEnv(u"FAKE_LLAMA_RELEASE"_s, u"b7347"_s);
    ASSERT_TRUE(server.start({u"-m"_s, modelPath(u"tiny-llama.gguf"_s), u"--mmproj"_s,
                              modelPath(u"tiny-mmproj-both.gguf"_s)}));
    ASSERT_TRUE(server.waitForReady()) << qPrintable(server.stderrText());
    const HttpResult reply = http.post(server.url(u"/v1/chat/completions"_s),
                                       chatBodyWithParts({audioPart(readFile(mediaPath(u"test.wav"_s)))},
                                                         {{u"max_tokens"_s, 1}}));
    EXPECT_EQ(reply.status, 0);
    ASSERT_TRUE(server.waitForExit());
    EXPECT_EQ(server.process().exitStatus(), QProcess::CrashExit);
    EXPECT_EQ(server.process().exitCode(), SIGABRT);
    EXPECT_TRUE(server.stderrText().contains(
            u"GGML_ASSERT((cparams.causal_attn || cparams.n_ubatch >= n_tokens_all) && \"non-causal attention requires n_ubatch >= n_tokens\") failed"_s))
            << qPrintable(server.stderrText());
}
