#pragma once

// What the server tests share: starting the server under test (the fake, or the real
// llama-server named by LLAMADESK_LLAMA_SERVER) on a free loopback port, HTTP requests that
// wait with QSignalSpy, and a strict server-sent-events splitter.

#include <memory>

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPair>
#include <QPointer>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace Llamadesk::ServerTest {
// The binary under test: $LLAMADESK_LLAMA_SERVER when set, else the fake.
QString serverProgram();
bool testingRealServer();
// The llama-server release under test, as its `--version` names it: "version: 0.5.0-dev
// (build 1, commit de3ff81)", "version: 0.4.0-dev (…)", or the b-series' "version: 7347
// (abc1234)". The fake reports the release FAKE_LLAMA_RELEASE chose.
enum class Release {
    V0_4,
    V0_5,
    BSeries, // b7347 and its kin
    Unknown
};
Release parseRelease(const QString &versionOutput);
// The release of serverProgram(), asked once per test process.
Release serverRelease();
const char *releaseName(Release release);
// ../shared/models/<name>, ../shared/media/<name>
QString modelPath(const QString &name);
QString mediaPath(const QString &name);
// A loopback port nobody listens on right now.
quint16 freePort();

using Headers = QList<QPair<QByteArray, QByteArray>>;

struct HttpResult
{
    int status = 0; // 0: no HTTP answer at all
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;

    QByteArray header(const QByteArray &name) const;
    QJsonObject json() const;
    QJsonValue jsonValue() const;
};

class HttpClient final
{
public:
    HttpClient();
    HttpResult get(const QUrl &url, const Headers &headers = {}, int timeoutMs = 10000);
    HttpResult post(const QUrl &url, const QByteArray &body, const Headers &headers = {},
                    int timeoutMs = 15000);
    // Starts a request and returns its reply at once; the caller reads it as it arrives.
    QNetworkReply *startPost(const QUrl &url, const QByteArray &body, const Headers &headers = {});

private:
    HttpResult finish(QNetworkReply *reply, int timeoutMs);
    QNetworkAccessManager m_manager;
};

class ServerProcess final
{
public:
    ServerProcess();
    ~ServerProcess();
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;

    void setEnv(const QString &name, const QString &value);
    // Starts the server with `arguments` plus --host 127.0.0.1 --port <free port>.
    bool start(const QStringList &arguments);
    // Starts it with exactly these arguments.
    bool startRaw(const QStringList &arguments);
    // Polls /health until it answers 200 (false when the process dies or time runs out).
    bool waitForReady(int timeoutMs = 20000);
    bool waitForStderr(const QString &needle, int timeoutMs = 10000);
    bool waitForExit(int timeoutMs = 10000);
    void terminate();

    quint16 port() const { return m_port; }
    QUrl url(const QString &path) const;
    QString stderrText();
    QByteArray stdoutBytes();
    QProcess &process() { return *m_process; }

private:
    void collect();

    std::unique_ptr<QProcess> m_process;
    QStringList m_environment;
    quint16 m_port = 0;
    QByteArray m_stderr;
    QByteArray m_stdout;
};

// A chat request body: one user message, plus `extra` fields.
QByteArray chatBody(const QString &text, const QJsonObject &extra = {});
QByteArray chatBodyWithParts(const QJsonArray &parts, const QJsonObject &extra = {});

struct SseStream
{
    bool wellFormed = true; // every event is "data: <one line>\n\n" (comments aside)
    QList<QByteArray> data; // the payload of each data event, in order
    int comments = 0;
};
SseStream parseSse(const QByteArray &body);
} // namespace Llamadesk::ServerTest
