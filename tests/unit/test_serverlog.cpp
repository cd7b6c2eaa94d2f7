#include "core/server/serverlog.h"
#include "testsupport.h"

#include <gtest/gtest.h>

#include <ostream>

using namespace Llamadesk;
using Llamadesk::TestSupport::readFile;
using Llamadesk::TestSupport::sharedDir;

// Readable QString values in failure messages (found by argument-dependent lookup).
[[maybe_unused]] static void PrintTo(const QString &value, std::ostream *os)
{
    *os << '"' << value.toStdString() << '"';
}

namespace
{
const QDateTime Received(QDate(2025, 5, 1), QTime(12, 0, 0));

// What llama-server prints while starting tiny-llama.gguf with a vision projector on port
// 18080, 4 slots (LLAMA_SERVER.md), with the lines from other parts of llama.cpp around them.
const char *const StartUp[] = {
        "0.00.000.101 I build: 1 (80fb11a) with cc (Debian 12.2.0-14) 12.2.0 for x86_64-linux-gnu",
        "0.00.000.180 I system info: n_threads = 2, n_threads_batch = 2, total_threads = 2",
        "0.00.000.402 I srv  llama_server: n_parallel is set to auto, using n_parallel = 4 and kv_unified = true",
        "0.00.000.733 I srv    load_model: loading model '/home/ada/models/tiny-llama.gguf'",
        "0.00.001.050 I llama_model_loader: - kv   0:                       general.architecture str              = llama",
        "0.00.004.211 I clip_model_loader: model name:   tiny vision",
        "0.00.006.870 I srv    load_model: loaded multimodal model, '/home/ada/models/mmproj-tiny.gguf'",
        "0.00.007.001 I srv    load_model: initializing, n_slots = 4, n_ctx_slot = 2048, kv_unified = 'true'",
        "0.00.007.312 I srv  llama_server: model loaded",
        "0.00.007.330 I srv  llama_server: listening on http://127.0.0.1:18080",
};

ServerLogLine parse(const char *line)
{
    return parseServerLogLine(QString::fromUtf8(line));
}
} // namespace

TEST(ServerLog, ParsesTimestampLevelModuleFunctionAndMessage)
{
    const ServerLogLine line = parse("0.00.000.733 I srv    load_model: loading model '/m/tiny-llama.gguf'");
    EXPECT_EQ(line.level, LogLevel::Info);
    EXPECT_EQ(line.module, QStringLiteral("srv"));
    EXPECT_EQ(line.function, QStringLiteral("load_model"));
    EXPECT_EQ(line.message, QStringLiteral("loading model '/m/tiny-llama.gguf'"));
    EXPECT_EQ(line.text,
              QStringLiteral("0.00.000.733 I srv    load_model: loading model '/m/tiny-llama.gguf'"));
}

TEST(ServerLog, ParsesEveryLevelLetter)
{
    EXPECT_EQ(parse("1.02.003.004 I srv  llama_server: model loaded").level, LogLevel::Info);
    EXPECT_EQ(parse("1.02.003.004 W srv  llama_server: NOTICE: the default port 8080 will change").level,
              LogLevel::Warning);
    EXPECT_EQ(parse("1.02.003.004 E srv         start: couldn't bind HTTP server socket").level,
              LogLevel::Error);
    EXPECT_EQ(parse("1.02.003.004 D srv  update_slots: run slots completed").level, LogLevel::Debug);
}

TEST(ServerLog, ParsesAFunctionWithoutAModule)
{
    const ServerLogLine line = parse(
            "0.00.001.000 E gguf_init_from_file: failed to open GGUF file '/m/nope.gguf' (No such file or directory)");
    EXPECT_EQ(line.level, LogLevel::Error);
    EXPECT_EQ(line.module, QString());
    EXPECT_EQ(line.function, QStringLiteral("gguf_init_from_file"));
    EXPECT_EQ(line.message,
              QStringLiteral("failed to open GGUF file '/m/nope.gguf' (No such file or directory)"));
}

TEST(ServerLog, ParsesSlotLinesWithAFullWidthFunction)
{
    const ServerLogLine line =
            parse("0.01.500.000 I slot update_slots: id  0 | task 3 | prompt done, n_tokens = 11");
    EXPECT_EQ(line.module, QStringLiteral("slot"));
    EXPECT_EQ(line.function, QStringLiteral("update_slots"));
    EXPECT_EQ(line.message, QStringLiteral("id  0 | task 3 | prompt done, n_tokens = 11"));
}

TEST(ServerLog, ParsesLinesWithoutTimestampOrLevel)
{
    const ServerLogLine withLevel = parse("I srv    load_model: loading model '/m/a.gguf'");
    EXPECT_EQ(withLevel.level, LogLevel::Info);
    EXPECT_EQ(withLevel.function, QStringLiteral("load_model"));

    const ServerLogLine bare = parse("srv    load_model: loading model '/m/a.gguf'");
    EXPECT_EQ(bare.level, LogLevel::Unknown);
    EXPECT_EQ(bare.module, QStringLiteral("srv"));
    EXPECT_EQ(bare.function, QStringLiteral("load_model"));
    EXPECT_EQ(bare.message, QStringLiteral("loading model '/m/a.gguf'"));
}

TEST(ServerLog, KeepsLinesOutsideTheFormatWhole)
{
    for (const char *text :
         {"/opt/llama/llama-server: error while loading shared libraries: libllama.so: cannot "
          "open shared object file: No such file or directory",
          "version: 1 (80fb11a)", "error: invalid argument: --frobnicate", "",
          "                                        (env: LLAMA_ARG_CTX_SIZE)"}) {
        const ServerLogLine line = parse(text);
        EXPECT_EQ(line.level, LogLevel::Unknown) << text;
        EXPECT_EQ(line.module, QString()) << text;
        EXPECT_EQ(line.function, QString()) << text;
        EXPECT_EQ(line.message, QString::fromUtf8(text));
        EXPECT_EQ(line.text, QString::fromUtf8(text));
    }
}

TEST(ServerLog, DoesNotTakeWordsBeforeAColonForAModule)
{
    const ServerLogLine line = parse("0.00.000.180 I system info: n_threads = 2");
    EXPECT_EQ(line.module, QString());
    EXPECT_EQ(line.function, QString());
    EXPECT_EQ(line.message, QStringLiteral("system info: n_threads = 2"));
}

TEST(ServerLog, RemovesTerminalColours)
{
    const ServerLogLine line =
            parse("\x1b[34m0.00.000.733\x1b[0m \x1b[32mI \x1b[0msrv    load_model: loading model "
                  "'/m/a.gguf'");
    EXPECT_EQ(line.text, QStringLiteral("0.00.000.733 I srv    load_model: loading model '/m/a.gguf'"));
    EXPECT_EQ(line.level, LogLevel::Info);
    EXPECT_EQ(line.function, QStringLiteral("load_model"));
}

TEST(ServerLog, AppendKeepsTheReceivedTime)
{
    ServerLog log;
    const ServerLogLine &line = log.append(QString::fromUtf8(StartUp[3]), Received);
    EXPECT_EQ(line.received, Received);
    EXPECT_EQ(line.function, QStringLiteral("load_model"));
    EXPECT_EQ(log.size(), 1);
    EXPECT_EQ(log.at(0).text, QString::fromUtf8(StartUp[3]));
}

TEST(ServerLog, DetectsStagesInOrder)
{
    ServerLog log;
    EXPECT_EQ(log.stage(), LoadStage::NotStarted);
    const LoadStage after[] = {LoadStage::NotStarted,       LoadStage::NotStarted,
                               LoadStage::NotStarted,       LoadStage::LoadingModel,
                               LoadStage::LoadingModel,     LoadStage::LoadingProjector,
                               LoadStage::LoadingProjector, LoadStage::Initializing,
                               LoadStage::ModelLoaded,      LoadStage::Listening};
    for (int i = 0; i < 10; ++i) {
        log.append(QString::fromUtf8(StartUp[i]), Received);
        EXPECT_EQ(log.stage(), after[i]) << StartUp[i];
    }
}

TEST(ServerLog, StageIsTheFurthestSeen)
{
    ServerLog log;
    log.append(QStringLiteral("0.00.007.312 I srv  llama_server: model loaded"), Received);
    log.append(QStringLiteral("0.00.007.400 I srv    load_model: loading model '/m/other.gguf'"), Received);
    EXPECT_EQ(log.stage(), LoadStage::ModelLoaded);
}

TEST(ServerLog, ReadsTheSlotInfo)
{
    ServerLog log;
    EXPECT_EQ(log.slotInfo(), std::nullopt);
    log.append(QString::fromUtf8(StartUp[7]), Received);
    ASSERT_TRUE(log.slotInfo());
    EXPECT_EQ(log.slotInfo()->slots, 4);
    EXPECT_EQ(log.slotInfo()->contextPerSlot, 2048);
    EXPECT_TRUE(log.slotInfo()->kvUnified);

    log.append(
            QStringLiteral(
                    "I srv    load_model: initializing, n_slots = 1, n_ctx_slot = 4096, kv_unified = 'false'"),
            Received);
    EXPECT_EQ(log.slotInfo(), (SlotInfo{1, 4096, false}));
}

TEST(ServerLog, ReadsTheListeningPortOnlyOnceItListens)
{
    ServerLog log;
    for (int i = 0; i < 9; ++i)
        log.append(QString::fromUtf8(StartUp[i]), Received);
    EXPECT_EQ(log.listeningPort(), std::nullopt);
    log.append(QString::fromUtf8(StartUp[9]), Received);
    EXPECT_EQ(log.listeningPort(), 18080);
}

// What a real b7347 server printed until it was ready (../shared/llama-server-samples/b7347):
// no timestamps, "main:" lines, the slot context on lines of their own.
TEST(ServerLog, ReadsTheStartUpLinesOfReleaseB7347)
{
    const QByteArray sample = readFile(sharedDir() + u"/llama-server-samples/b7347/startup-think-vision.stderr");
    ASSERT_FALSE(sample.isEmpty());
    ServerLog log;
    for (const QByteArray &line : sample.split('\n')) {
        log.append(QString::fromUtf8(line), Received);
        if (line.contains("model loaded")) {
            EXPECT_EQ(log.stage(), LoadStage::ModelLoaded);
        }
    }
    EXPECT_EQ(log.stage(), LoadStage::Listening);
    EXPECT_EQ(log.listeningPort(), 18711);
    EXPECT_EQ(log.slotInfo(), (SlotInfo{4, 2048, false}));
    EXPECT_EQ(log.modelPath(), QStringLiteral("/SHARED/models/tiny-llama-think.gguf"));
    EXPECT_EQ(log.projectorPath(), QStringLiteral("/SHARED/models/tiny-mmproj-vision.gguf"));
}

// The same for 0.5.0, whose lines carry timestamps and levels.
TEST(ServerLog, ReadsTheStartUpLinesOfRelease050)
{
    const QByteArray sample = readFile(sharedDir() + u"/llama-server-samples/0.5.0/startup-think-vision.stderr");
    ASSERT_FALSE(sample.isEmpty());
    ServerLog log;
    for (const QByteArray &line : sample.split('\n'))
        log.append(QString::fromUtf8(line), Received);
    EXPECT_EQ(log.stage(), LoadStage::Listening);
    EXPECT_EQ(log.listeningPort(), 18722);
    EXPECT_EQ(log.modelPath(), QStringLiteral("/SHARED/models/tiny-llama-think.gguf"));
    EXPECT_EQ(log.projectorPath(), QStringLiteral("/SHARED/models/tiny-mmproj-vision.gguf"));
}

TEST(ServerLog, ReadsTheModelAndProjectorPaths)
{
    ServerLog log;
    for (const char *line : StartUp)
        log.append(QString::fromUtf8(line), Received);
    EXPECT_EQ(log.modelPath(), QStringLiteral("/home/ada/models/tiny-llama.gguf"));
    EXPECT_EQ(log.projectorPath(), QStringLiteral("/home/ada/models/mmproj-tiny.gguf"));
}

TEST(ServerLog, KeepsTheNewestLinesInOrderWhenFull)
{
    ServerLog log(3);
    EXPECT_EQ(log.capacity(), 3);
    for (int i = 1; i <= 7; ++i)
        log.append(QStringLiteral("line %1").arg(i), Received);
    ASSERT_EQ(log.size(), 3);
    EXPECT_EQ(log.at(0).text, QStringLiteral("line 5"));
    EXPECT_EQ(log.at(1).text, QStringLiteral("line 6"));
    EXPECT_EQ(log.at(2).text, QStringLiteral("line 7"));
    EXPECT_EQ(log.lastTexts(2), (QStringList{QStringLiteral("line 6"), QStringLiteral("line 7")}));
    EXPECT_EQ(log.lastTexts(10),
              (QStringList{QStringLiteral("line 5"), QStringLiteral("line 6"), QStringLiteral("line 7")}));
    const QList<ServerLogLine> last = log.lastLines(2);
    ASSERT_EQ(last.size(), 2);
    EXPECT_EQ(last.at(0).text, QStringLiteral("line 6"));
    EXPECT_EQ(last.at(1).text, QStringLiteral("line 7"));
}

TEST(ServerLog, AppendReturnsTheStoredLineAfterWrapping)
{
    ServerLog log(2);
    log.append(QStringLiteral("a"), Received);
    log.append(QStringLiteral("b"), Received);
    const ServerLogLine &stored = log.append(QStringLiteral("c"), Received);
    EXPECT_EQ(&stored, &log.at(1));
    EXPECT_EQ(stored.text, QStringLiteral("c"));
}

TEST(ServerLog, RedactsAConfiguredSecretWhereverItOccurs)
{
    ServerLog log;
    log.setSecrets({QStringLiteral("sk-llamadesk-1234")});
    const ServerLogLine &line = log.append(
            QStringLiteral(
                    "0.00.000.500 W srv          init: key sk-llamadesk-1234 given twice: sk-llamadesk-1234"),
            Received);
    EXPECT_EQ(line.text,
              QStringLiteral("0.00.000.500 W srv          init: key [redacted] given twice: [redacted]"));
    EXPECT_EQ(line.message, QStringLiteral("key [redacted] given twice: [redacted]"));
}

// Found by fuzz_serverlog: in "W api_key: VALUE" the parser reads "api_key" as the function and
// "VALUE" as the whole message, where the api_key pattern no longer sees it. The message is
// taken from the redacted text, so it hides what the text hides.
TEST(ServerLog, TheMessageHidesWhatTheTextHidesWhenTheKeyNameLooksLikeAFunction)
{
    ServerLog log;
    const ServerLogLine &line = log.append(QStringLiteral("W api_key: s3cr3tvalue"), Received);
    EXPECT_FALSE(line.text.contains(QStringLiteral("s3cr3tvalue"))) << line.text.toStdString();
    EXPECT_FALSE(line.message.contains(QStringLiteral("s3cr3tvalue"))) << line.message.toStdString();
}

TEST(ServerLog, RedactsTheValueAfterApiKeyArguments)
{
    EXPECT_EQ(redactSecrets(QStringLiteral("llama-server -m a.gguf --api-key XYZ --port 8080")),
              QStringLiteral("llama-server -m a.gguf --api-key [redacted] --port 8080"));
    EXPECT_EQ(redactSecrets(QStringLiteral("llama-server --api-key=XYZ")),
              QStringLiteral("llama-server --api-key=[redacted]"));
    EXPECT_EQ(redactSecrets(QStringLiteral("--api-key-file /etc/keys.txt")),
              QStringLiteral("--api-key-file /etc/keys.txt"));
}

TEST(ServerLog, RedactsBearerTokensAndApiKeyFields)
{
    EXPECT_EQ(redactSecrets(QStringLiteral("request headers: Authorization: Bearer XYZ, Accept: */*")),
              QStringLiteral("request headers: Authorization: Bearer [redacted], Accept: */*"));
    EXPECT_EQ(redactSecrets(QStringLiteral("header: bearer XYZ")),
              QStringLiteral("header: bearer [redacted]"));
    EXPECT_EQ(redactSecrets(QStringLiteral("X-Api-Key: XYZ")), QStringLiteral("X-Api-Key: [redacted]"));
    EXPECT_EQ(redactSecrets(QStringLiteral("{\"api_key\": \"XYZ\", \"n\": 1}")),
              QStringLiteral("{\"api_key\": \"[redacted]\", \"n\": 1}"));
    EXPECT_EQ(redactSecrets(QStringLiteral("LLAMA_API_KEY=XYZ")), QStringLiteral("LLAMA_API_KEY=[redacted]"));
}

TEST(ServerLog, RedactsPatternsInAppendedLinesWithoutConfiguredSecrets)
{
    ServerLog log;
    const ServerLogLine &line = log.append(
            QStringLiteral("0.00.000.010 W srv          init: command line: --api-key XYZ"), Received);
    EXPECT_EQ(line.text,
              QStringLiteral("0.00.000.010 W srv          init: command line: --api-key [redacted]"));
    EXPECT_EQ(line.message, QStringLiteral("command line: --api-key [redacted]"));
}

// The shape of a real Hugging Face token: "hf_" and 34 letters and digits (made up).
const QString HfToken = QStringLiteral("hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567");

TEST(ServerLog, RedactsAHuggingFaceTokenGivenAsOneArgument)
{
    EXPECT_EQ(redactSecrets(QStringLiteral("llama-server --hf-token=") + HfToken + QStringLiteral(" --port 8080")),
              QStringLiteral("llama-server --hf-token=[redacted] --port 8080"));
    EXPECT_EQ(redactSecrets(QStringLiteral("-hft=") + HfToken), QStringLiteral("-hft=[redacted]"));
    EXPECT_EQ(redactSecrets(QStringLiteral("--hf-token secret-not-hf -hft other")),
              QStringLiteral("--hf-token [redacted] -hft [redacted]"));
}

TEST(ServerLog, RedactsAHuggingFaceTokenWhereverItOccurs)
{
    EXPECT_EQ(redactSecrets(QStringLiteral("error: invalid argument: ") + HfToken),
              QStringLiteral("error: invalid argument: [redacted]"));
    EXPECT_EQ(redactSecrets(QStringLiteral("GET https://huggingface.co/x?token=") + HfToken + QStringLiteral("&a=1")),
              QStringLiteral("GET https://huggingface.co/x?token=[redacted]&a=1"));
    // As llama.cpp prints an argument it refuses: '_' turned into '-'.
    EXPECT_EQ(redactSecrets(QStringLiteral("error: invalid argument: ") + QString(HfToken).replace(u'_', u'-')),
              QStringLiteral("error: invalid argument: [redacted]"));
}

TEST(ServerLog, KeepsNamesThatOnlyStartLikeAHuggingFaceToken)
{
    for (const QString &text : {QStringLiteral("loading /models/hf_cache/model.gguf"),
                                QStringLiteral("made with convert_hf_to_gguf.py"),
                                QStringLiteral("hf_hub downloads: 0")})
        EXPECT_EQ(redactSecrets(text), text);
}

TEST(ServerLog, StoresALineHoldingAHuggingFaceTokenRedacted)
{
    ServerLog log;
    const ServerLogLine &line = log.append(
            QStringLiteral("0.00.000.010 E srv          main: error: invalid argument: --hf-token=") + HfToken,
            Received);
    EXPECT_FALSE(line.text.contains(HfToken)) << line.text.toStdString();
    EXPECT_FALSE(line.message.contains(u"hf_AbCd")) << line.message.toStdString();
    EXPECT_EQ(line.message, QStringLiteral("error: invalid argument: --hf-token=[redacted]"));
    EXPECT_FALSE(log.lastTexts(1).constFirst().contains(HfToken));
}

TEST(ServerLog, LeavesOrdinaryLinesAlone)
{
    ServerLog log;
    log.setSecrets({QStringLiteral("hunter2")});
    for (const char *text : StartUp)
        EXPECT_EQ(log.append(QString::fromUtf8(text), Received).text, QString::fromUtf8(text));
}

TEST(ServerLog, ClearStartsANewRun)
{
    ServerLog log(4);
    log.setSecrets({QStringLiteral("hunter2")});
    for (const char *line : StartUp)
        log.append(QString::fromUtf8(line), Received);
    log.clear();
    EXPECT_EQ(log.size(), 0);
    EXPECT_TRUE(log.isEmpty());
    EXPECT_EQ(log.capacity(), 4);
    EXPECT_EQ(log.stage(), LoadStage::NotStarted);
    EXPECT_EQ(log.slotInfo(), std::nullopt);
    EXPECT_EQ(log.listeningPort(), std::nullopt);
    EXPECT_EQ(log.modelPath(), QString());
    EXPECT_EQ(log.projectorPath(), QString());
    EXPECT_EQ(log.lastTexts(3), QStringList());
    EXPECT_EQ(log.append(QStringLiteral("secret hunter2"), Received).text,
              QStringLiteral("secret [redacted]"));
}

TEST(ServerLog, StagesHaveTheirNames)
{
    EXPECT_EQ(displayName(LoadStage::NotStarted), QStringLiteral("Not started"));
    EXPECT_EQ(displayName(LoadStage::LoadingModel), QStringLiteral("Loading model"));
    EXPECT_EQ(displayName(LoadStage::LoadingProjector), QStringLiteral("Loading multimodal projector"));
    EXPECT_EQ(displayName(LoadStage::Initializing), QStringLiteral("Initializing"));
    EXPECT_EQ(displayName(LoadStage::ModelLoaded), QStringLiteral("Model loaded"));
    EXPECT_EQ(displayName(LoadStage::Listening), QStringLiteral("Listening"));
}
