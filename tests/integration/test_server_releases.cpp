// What differs between the llama-server releases Llamadesk supports (LLAMA_SERVER.md, "Release
// differences"), asserted for the release the server under test reports in --version, with
// the real bytes of ../shared/llama-server-samples/ where a sample exists. Each test skips
// itself on the releases it does not describe.

#include <QTemporaryDir>

#include "conformance.h"

using namespace Llamadesk::ServerTest;
using namespace Llamadesk::TestSupport;
using namespace ConformanceKit;
using namespace Qt::Literals::StringLiterals;

namespace {
QJsonObject audioPart(const QByteArray &bytes, const QString &format)
{
    return {{u"type"_s, u"input_audio"_s},
            {u"input_audio"_s, QJsonObject{{u"data"_s, QString::fromLatin1(bytes.toBase64())}, {u"format"_s, format}}}};
}

const QJsonObject oneToken{{QStringLiteral("max_tokens"), 1}};
} // namespace

TEST_F(Conformance, StartupWarningWithoutApiKeyIsTheReleasesOwn)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    ASSERT_TRUE(server.waitForStderr(u"listening on"_s));
    const QStringList lines = nonEmptyLines(server.stderrText());
    const QString v050 = u"security: no API key is set and CORS allows all origins"_s;
    const QString v040 = u"CORS is set to allow all origins ('*') and no API key is set"_s;
    switch (release) {
    case Release::V0_5: {
        const QString expected =
                logMessage(QString::fromUtf8(sample(release, u"missing-model.stderr"_s)).split(u'\n').at(2));
        ASSERT_TRUE(expected.contains(v050)) << qPrintable(expected);
        const qsizetype at = indexOfLine(lines, v050);
        ASSERT_GE(at, 0) << qPrintable(server.stderrText());
        EXPECT_EQ(logMessage(lines.at(at)), expected);
        EXPECT_TRUE(lines.at(at).contains(u" W srv  llama_server: "_s)) << qPrintable(lines.at(at));
        break;
    }
    case Release::V0_4:
        EXPECT_GE(indexOfLine(lines, v040), 0) << qPrintable(server.stderrText());
        break;
    default: // b7347 warns about neither (removed-flag.stderr)
        EXPECT_LT(indexOfLine(lines, v040), 0);
        EXPECT_LT(indexOfLine(lines, v050), 0);
    }
}

TEST_F(Conformance, Release050LogsInitializingBeforeTheVersion)
{
    if (release != Release::V0_5)
        GTEST_SKIP() << "only 0.5.0 logs before --version";
    ASSERT_TRUE(server.startRaw({u"--version"_s}));
    ASSERT_TRUE(server.waitForExit());
    const QStringList lines = nonEmptyLines(server.stderrText());
    const QStringList expected = nonEmptyLines(QString::fromUtf8(sample(release, u"version.txt"_s)));
    ASSERT_GE(lines.size(), 3);
    EXPECT_EQ(logMessage(lines.at(0)), logMessage(expected.at(0)));
    EXPECT_TRUE(lines.at(1).startsWith(u"version: 0.5.0"_s)) << qPrintable(lines.at(1));
    EXPECT_TRUE(lines.at(2).startsWith(u"built with "_s)) << qPrintable(lines.at(2));
}

TEST_F(Conformance, HelpListsTheFlagsTheAppPassesAndExits0)
{
    ASSERT_TRUE(server.startRaw({u"--help"_s}));
    ASSERT_TRUE(server.waitForExit());
    EXPECT_EQ(server.process().exitCode(), 0);
    const QString help = QString::fromUtf8(server.stdoutBytes());
    QStringList flags{u"-m,    --model FNAME"_s, u"--mmproj FILE"_s, u"--host HOST"_s, u"--port PORT"_s,
                      u"-c,    --ctx-size N"_s,  u"-np,   --parallel N"_s, u"-ngl,  --gpu-layers"_s,
                      u"-a,    --alias STRING"_s, u"--jinja"_s};
    if (release == Release::V0_5)
        flags << u"-lm,   --load-mode MODE"_s;
    for (const QString &flag : flags)
        EXPECT_TRUE(help.contains(flag)) << "--help lacks " << qPrintable(flag);
}

TEST_F(Conformance, NoMmapIsAnInvalidArgumentOn050)
{
    if (release != Release::V0_5)
        GTEST_SKIP() << "only 0.5.0 removed --no-mmap";
    const QString refusal = QString::fromUtf8(sample(release, u"removed-flag.stderr"_s)).split(u'\n').at(1);
    ASSERT_EQ(refusal, u"error: invalid argument: --no-mmap"_s);
    expectStartFailure({u"-m"_s, modelPath(u"tiny-llama.gguf"_s), u"--no-mmap"_s}, {refusal});
}

TEST_F(Conformance, NoMmapIsAcceptedBefore050)
{
    if (release == Release::V0_5)
        GTEST_SKIP() << "0.5.0 removed --no-mmap";
    ASSERT_NO_FATAL_FAILURE(startReady({u"--no-mmap"_s}));
}

TEST_F(Conformance, LoadModeIsKnownOn050)
{
    if (release != Release::V0_5)
        GTEST_SKIP() << "--load-mode is 0.5.0's";
    ASSERT_NO_FATAL_FAILURE(startReady({u"-lm"_s, u"mmap"_s}));
}

TEST_F(Conformance, GpuLayersAutoAndAllAreAcceptedOn0x)
{
    if (release == Release::BSeries)
        GTEST_SKIP() << "b7347's -ngl takes a number only";
    ASSERT_NO_FATAL_FAILURE(startReady({u"-ngl"_s, u"all"_s}));
}

TEST_F(Conformance, GpuLayersAutoIsRefusedOnTheBSeries)
{
    if (release != Release::BSeries)
        GTEST_SKIP() << "0.4.0 and 0.5.0 take -ngl auto";
    expectStartFailure({u"-m"_s, modelPath(u"tiny-llama.gguf"_s), u"-ngl"_s, u"auto"_s},
                       {u"error while handling argument \"-ngl\""_s});
}

TEST_F(Conformance, AliasNamesTheModelInEveryAnswer)
{
    ASSERT_NO_FATAL_FAILURE(startReady({u"--alias"_s, u"desk-model,second-name"_s}));
    EXPECT_EQ(get(u"/v1/models"_s).json().value(u"data"_s).toArray().at(0).toObject().value(u"id"_s).toString(),
              u"desk-model"_s);
    EXPECT_EQ(get(u"/props"_s).json().value(u"model_alias"_s).toString(), u"desk-model"_s);
    EXPECT_EQ(chat(chatBody(u"Hello"_s, oneToken)).json().value(u"model"_s).toString(), u"desk-model"_s);
}

TEST_F(Conformance, PropsCarryTheReleasesFields)
{
    ASSERT_NO_FATAL_FAILURE(startReady());
    const QJsonObject props = get(u"/props"_s).json();
    const QStringList v050Only{u"ui_settings"_s, u"model_ftype"_s, u"media_marker"_s, u"cors_proxy_enabled"_s};
    if (release == Release::BSeries) {
        const QJsonObject expected = QJsonDocument::fromJson(sample(release, u"props-think-vision.json"_s)).object();
        EXPECT_EQ(props.keys(), expected.keys());
        return;
    }
    EXPECT_TRUE(props.value(u"ui"_s).isBool());
    EXPECT_TRUE(props.value(u"is_sleeping"_s).isBool());
    EXPECT_FALSE(props.contains(u"webui"_s));
    if (release == Release::V0_5) {
        const QJsonObject expected = QJsonDocument::fromJson(sample(release, u"props-think-vision.json"_s)).object();
        EXPECT_EQ(props.keys(), expected.keys());
    } else {
        for (const QString &key : v050Only)
            EXPECT_FALSE(props.contains(key)) << qPrintable(key);
    }
}

TEST_F(Conformance, KeylessEndpointsAreTheReleasesOwn)
{
    ASSERT_NO_FATAL_FAILURE(startReady({u"--api-key"_s, u"samplekey"_s}));
    const QStringList expected = nonEmptyLines(QString::fromUtf8(sample(release, u"keyless-status-codes.txt"_s)));
    ASSERT_FALSE(expected.isEmpty());
    QStringList answered;
    for (const QString &line : expected) {
        const QString path = line.section(u' ', 0, 0);
        answered << path + u' ' + QString::number(get(path).status);
    }
    EXPECT_EQ(answered, expected);
}

TEST_F(Conformance, ChatWithoutTheKeyIsAnswered401ByteForByte)
{
    ASSERT_NO_FATAL_FAILURE(startReady({u"--api-key"_s, u"samplekey"_s}));
    const HttpResult reply = chat(chatBody(u"Hello"_s, oneToken));
    EXPECT_EQ(reply.status, 401);
    EXPECT_EQ(reply.body, sampleBody(release, u"keyless-chat.http"_s));
}

TEST_F(Conformance, AudioFormatLabelIsCheckedOnlyByTheBSeries)
{
    ASSERT_NO_FATAL_FAILURE(startReady(projector(u"tiny-mmproj-audio.gguf"_s)));
    const HttpResult reply =
            chat(chatBodyWithParts({audioPart(readFile(mediaPath(u"test.wav"_s)), u"flac"_s)}, oneToken));
    EXPECT_EQ(reply.status, release == Release::BSeries ? 400 : 200) << reply.body.constData();
}

TEST_F(Conformance, ThinkingOnTheBSeriesStreamsAsContent)
{
    if (release != Release::BSeries)
        GTEST_SKIP() << "0.4.0 and 0.5.0 stream reasoning_content";
    ASSERT_NO_FATAL_FAILURE(startReady({u"--jinja"_s}, u"tiny-llama-think.gguf"_s));
    const HttpResult reply = chat(chatBody(u"Hello"_s, {{u"stream"_s, true}, {u"max_tokens"_s, 8}}));
    ASSERT_EQ(reply.status, 200) << reply.body.constData();
    int contentChunks = 0;
    for (const QJsonObject &chunk : chunksOf(parseSse(reply.body))) {
        EXPECT_FALSE(deltaOf(chunk).contains(u"reasoning_content"_s));
        contentChunks += deltaOf(chunk).value(u"content"_s).isString() ? 1 : 0;
    }
    EXPECT_EQ(contentChunks, 8);
}

TEST_F(Conformance, HostListListensOnEveryAddressOn050)
{
    if (release != Release::V0_5)
        GTEST_SKIP() << "--host takes a list from 0.5.0 on";
    const quint16 port = freePort();
    ASSERT_TRUE(server.startRaw({u"-m"_s, modelPath(u"tiny-llama.gguf"_s), u"--host"_s, u"127.0.0.1,127.0.0.2"_s,
                                 u"--port"_s, QString::number(port)}));
    EXPECT_TRUE(server.waitForStderr(u"listening on http://127.0.0.2:%1"_s.arg(port)));
    EXPECT_TRUE(server.stderrText().contains(u"listening on http://127.0.0.1:%1"_s.arg(port)))
            << qPrintable(server.stderrText());
}
