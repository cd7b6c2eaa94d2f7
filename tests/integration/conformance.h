#pragma once

// The fixture and helpers of the conformance suite (test_server_conformance.cpp,
// test_server_releases.cpp): one server under test per test, and what each release answers,
// quoted from ../shared/llama-server-samples/ at test time.

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QRegularExpression>

#include <gtest/gtest.h>

#include "servertestkit.h"
#include "testsupport.h"

namespace ConformanceKit {
using namespace Llamadesk::ServerTest;
using namespace Qt::Literals::StringLiterals;

inline QJsonObject jsonObject(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}

inline QList<QJsonObject> chunksOf(const SseStream &sse)
{
    QList<QJsonObject> chunks;
    for (const QByteArray &data : sse.data)
        if (data != "[DONE]")
            chunks.append(QJsonDocument::fromJson(data).object());
    return chunks;
}

inline QJsonObject firstChoice(const QJsonObject &chunk)
{
    return chunk.value(u"choices"_s).toArray().at(0).toObject();
}

inline QJsonObject deltaOf(const QJsonObject &chunk)
{
    return firstChoice(chunk).value(u"delta"_s).toObject();
}

inline QStringList nonEmptyLines(const QString &text)
{
    return text.split(u'\n', Qt::SkipEmptyParts);
}

inline qsizetype indexOfLine(const QStringList &lines, const QString &needle)
{
    for (qsizetype i = 0; i < lines.size(); ++i)
        if (lines.at(i).contains(needle))
            return i;
    return -1;
}

inline const QJsonObject &loadingBody()
{
    static const QJsonObject body =
            jsonObject(R"({"error":{"message":"Loading model","type":"unavailable_error","code":503}})");
    return body;
}

// ../shared/llama-server-samples/<release>/<name>, verbatim. 0.4.0 has no samples of its own;
// where LLAMA_SERVER.md says it answers as 0.5.0 does, 0.5.0's file stands for it.
inline QByteArray sample(Release release, const QString &name)
{
    const QString folder = release == Release::BSeries ? u"b7347"_s : u"0.5.0"_s;
    return Llamadesk::TestSupport::readFile(
            QDir(Llamadesk::TestSupport::sharedDir()).filePath(u"llama-server-samples/"_s + folder + u'/' + name));
}

// The body of a captured HTTP answer (.http sample): what follows the blank line.
inline QByteArray sampleBody(Release release, const QString &name)
{
    const QByteArray http = sample(release, name);
    const qsizetype blank = http.indexOf("\r\n\r\n");
    return blank < 0 ? QByteArray() : http.mid(blank + 4);
}

// A 0.x log line's message: the line without "M.SS.mmm.uuu L ".
inline QString logMessage(const QString &line)
{
    static const QRegularExpression prefix(uR"(^\d+\.\d{2}\.\d{3}\.\d{3} [IWED] )"_s);
    return QString(line).remove(prefix);
}
} // namespace ConformanceKit

class Conformance : public ::testing::Test
{
protected:
    void SetUp() override
    {
        using namespace Qt::Literals::StringLiterals;
        // The suite is registered once per release of the fake; a real server is one release.
        const QString fakeRelease = qEnvironmentVariable("FAKE_LLAMA_RELEASE");
        if (ConformanceKit::testingRealServer() && !fakeRelease.isEmpty() && fakeRelease != u"0.5.0"_s)
            GTEST_SKIP() << "FAKE_LLAMA_RELEASE=" << qPrintable(fakeRelease)
                         << " chooses the fake's release; a real server runs in the 0.5.0 registration";
        release = ConformanceKit::serverRelease();
        ASSERT_NE(release, ConformanceKit::Release::Unknown)
                << "no release in the --version of " << qPrintable(ConformanceKit::serverProgram());
    }

    void startReady(const QStringList &extra = {}, const QString &model = QStringLiteral("tiny-llama.gguf"))
    {
        ASSERT_TRUE(server.start(QStringList{QStringLiteral("-m"), ConformanceKit::modelPath(model)} + extra))
                << qPrintable(ConformanceKit::serverProgram());
        ASSERT_TRUE(server.waitForReady()) << qPrintable(server.stderrText());
    }

    static QStringList projector(const QString &name)
    {
        return {QStringLiteral("--mmproj"), ConformanceKit::modelPath(name)};
    }

    // What the API calls a model started with `-m path` and no alias: the path as given
    // (0.4.0, 0.5.0), its basename (b-series).
    QString modelName(const QString &path) const
    {
        return release == ConformanceKit::Release::BSeries ? QFileInfo(path).fileName() : path;
    }

    // The log line that tells the slots and their context: 0.x prints one line, the b-series
    // one "new slot" line per slot.
    QString slotsLine(int slots, int ctxSlot, bool unified) const
    {
        if (release == ConformanceKit::Release::BSeries)
            return QStringLiteral("id %1 | task -1 | new slot, n_ctx = %2").arg(slots - 1, 2).arg(ctxSlot);
        return QStringLiteral("initializing, n_slots = %1, n_ctx_slot = %2, kv_unified = '%3'")
                .arg(slots)
                .arg(ctxSlot)
                .arg(unified ? QStringLiteral("true") : QStringLiteral("false"));
    }

    ConformanceKit::HttpResult chat(const QByteArray &body, const ConformanceKit::Headers &headers = {})
    {
        return http.post(server.url(QStringLiteral("/v1/chat/completions")), body, headers);
    }

    ConformanceKit::HttpResult get(const QString &path, const ConformanceKit::Headers &headers = {})
    {
        return http.get(server.url(path), headers);
    }

    // Starts the server with arguments that make it fail, and waits for it to exit.
    void expectStartFailure(const QStringList &arguments, const QStringList &messages)
    {
        ASSERT_TRUE(server.startRaw(arguments));
        ASSERT_TRUE(server.waitForExit(20000));
        EXPECT_EQ(server.process().exitStatus(), QProcess::NormalExit);
        EXPECT_EQ(server.process().exitCode(), 1);
        const QString err = server.stderrText();
        for (const QString &message : messages)
            EXPECT_TRUE(err.contains(message)) << "missing: " << qPrintable(message) << "\n" << qPrintable(err);
    }

    ConformanceKit::Release release = ConformanceKit::Release::Unknown;
    ConformanceKit::ServerProcess server;
    ConformanceKit::HttpClient http;
};
