#include "servertestkit.h"

#include <QDir>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonArray>
#include <QNetworkRequest>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>

#include "testsupport.h"

namespace Llamadesk::ServerTest {
using namespace Llamadesk::TestSupport;

QString serverProgram()
{
    const QString real = qEnvironmentVariable("LLAMADESK_LLAMA_SERVER");
    return real.isEmpty() ? QStringLiteral(LLAMADESK_FAKE_LLAMA_SERVER) : real;
}

bool testingRealServer()
{
    return !qEnvironmentVariableIsEmpty("LLAMADESK_LLAMA_SERVER");
}

namespace {
// The environment a server under test gets: nothing from outside steers it but the fake's
// release, which the test registration chooses.
QStringList serverEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString &key : env.keys())
        if ((key.startsWith(QStringLiteral("FAKE_LLAMA_")) && key != QStringLiteral("FAKE_LLAMA_RELEASE"))
            || key.startsWith(QStringLiteral("LLAMA_ARG_")) || key == QStringLiteral("LLAMA_API_KEY"))
            env.remove(key);
    return env.toStringList();
}
} // namespace

Release parseRelease(const QString &versionOutput)
{
    static const QRegularExpression semantic(QStringLiteral(R"(^version: 0\.(\d+)\.\d+)"),
                                             QRegularExpression::MultilineOption);
    static const QRegularExpression build(QStringLiteral(R"(^version: \d+ \([0-9a-f]+\))"),
                                          QRegularExpression::MultilineOption);
    const QRegularExpressionMatch match = semantic.match(versionOutput);
    if (match.hasMatch()) {
        const int minor = match.captured(1).toInt();
        return minor == 4 ? Release::V0_4 : minor == 5 ? Release::V0_5 : Release::Unknown;
    }
    return build.match(versionOutput).hasMatch() ? Release::BSeries : Release::Unknown;
}

Release serverRelease()
{
    static const Release release = [] {
        QProcess probe;
        probe.setEnvironment(serverEnvironment());
        probe.start(serverProgram(), {QStringLiteral("--version")});
        if (!probe.waitForFinished(20000))
            return Release::Unknown;
        return parseRelease(QString::fromUtf8(probe.readAllStandardError() + probe.readAllStandardOutput()));
    }();
    return release;
}

const char *releaseName(Release release)
{
    switch (release) {
    case Release::V0_4:
        return "0.4.0";
    case Release::V0_5:
        return "0.5.0";
    case Release::BSeries:
        return "b-series (b7347)";
    case Release::Unknown:
        break;
    }
    return "unknown";
}

QString modelPath(const QString &name)
{
    return QDir(sharedDir()).filePath(QStringLiteral("models/") + name);
}

QString mediaPath(const QString &name)
{
    return QDir(sharedDir()).filePath(QStringLiteral("media/") + name);
}

quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

QByteArray HttpResult::header(const QByteArray &name) const
{
    for (const auto &[key, value] : headers)
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    return {};
}

QJsonObject HttpResult::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QJsonValue HttpResult::jsonValue() const
{
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    if (doc.isArray())
        return doc.array();
    return doc.object();
}

HttpClient::HttpClient() = default;

namespace {
QNetworkRequest request(const QUrl &url, const Headers &headers, int timeoutMs)
{
    QNetworkRequest req(url);
    for (const auto &[name, value] : headers)
        req.setRawHeader(name, value);
    req.setTransferTimeout(timeoutMs);
    return req;
}
} // namespace

HttpResult HttpClient::get(const QUrl &url, const Headers &headers, int timeoutMs)
{
    return finish(m_manager.get(request(url, headers, timeoutMs)), timeoutMs);
}

HttpResult HttpClient::post(const QUrl &url, const QByteArray &body, const Headers &headers, int timeoutMs)
{
    Headers all = headers;
    all.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
    return finish(m_manager.post(request(url, all, timeoutMs), body), timeoutMs);
}

QNetworkReply *HttpClient::startPost(const QUrl &url, const QByteArray &body, const Headers &headers)
{
    Headers all = headers;
    all.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
    return m_manager.post(request(url, all, 0), body);
}

HttpResult HttpClient::finish(QNetworkReply *reply, int timeoutMs)
{
    std::unique_ptr<QNetworkReply> owned(reply);
    if (!reply->isFinished()) {
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!finished.wait(timeoutMs + 2000))
            reply->abort();
    }
    HttpResult result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.error = reply->error();
    if (reply->isOpen())
        result.body = reply->readAll();
    result.headers = reply->rawHeaderPairs();
    return result;
}

ServerProcess::ServerProcess()
    : m_process(std::make_unique<QProcess>())
{
    m_environment = serverEnvironment();
}

ServerProcess::~ServerProcess()
{
    if (m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

void ServerProcess::setEnv(const QString &name, const QString &value)
{
    // Replaces an inherited value (FAKE_LLAMA_RELEASE): with two entries getenv() takes the first.
    m_environment.removeIf([&](const QString &entry) { return entry.startsWith(name + u'='); });
    m_environment.append(name + u'=' + value);
}

bool ServerProcess::start(const QStringList &arguments)
{
    m_port = freePort();
    return startRaw(arguments
                    + QStringList{QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                                  QStringLiteral("--port"), QString::number(m_port)});
}

bool ServerProcess::startRaw(const QStringList &arguments)
{
    m_process->setEnvironment(m_environment);
    m_process->start(serverProgram(), arguments);
    return m_process->waitForStarted(10000);
}

bool ServerProcess::waitForReady(int timeoutMs)
{
    HttpClient client;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        if (m_process->state() == QProcess::NotRunning)
            return false;
        if (client.get(url(QStringLiteral("/health")), {}, 2000).status == 200)
            return true;
        // Between probes: wait on the process itself, which also notices it dying.
        if (m_process->waitForFinished(20))
            return false;
    }
    return false;
}

bool ServerProcess::waitForStderr(const QString &needle, int timeoutMs)
{
    return waitUntil([&] { return stderrText().contains(needle); }, std::chrono::milliseconds(timeoutMs));
}

bool ServerProcess::waitForExit(int timeoutMs)
{
    const bool finished = m_process->state() == QProcess::NotRunning || m_process->waitForFinished(timeoutMs);
    collect();
    return finished;
}

void ServerProcess::terminate()
{
    m_process->terminate();
}

QUrl ServerProcess::url(const QString &path) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path));
}

void ServerProcess::collect()
{
    m_stderr += m_process->readAllStandardError();
    m_stdout += m_process->readAllStandardOutput();
}

QString ServerProcess::stderrText()
{
    collect();
    return QString::fromUtf8(m_stderr);
}

QByteArray ServerProcess::stdoutBytes()
{
    collect();
    return m_stdout;
}

QByteArray chatBody(const QString &text, const QJsonObject &extra)
{
    QJsonObject body = extra;
    body.insert(QStringLiteral("messages"),
                QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                       {QStringLiteral("content"), text}}});
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

QByteArray chatBodyWithParts(const QJsonArray &parts, const QJsonObject &extra)
{
    QJsonObject body = extra;
    body.insert(QStringLiteral("messages"),
                QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                       {QStringLiteral("content"), parts}}});
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

SseStream parseSse(const QByteArray &body)
{
    SseStream stream;
    const QList<QByteArray> blocks = body.split('\n');
    // Walk line by line: "data: x" must be followed by an empty line; ":" lines are comments.
    qsizetype i = 0;
    while (i < blocks.size()) {
        const QByteArray &line = blocks.at(i);
        if (line.isEmpty() && i == blocks.size() - 1)
            break; // the text after the final newline
        if (line.startsWith(':')) {
            ++stream.comments;
            ++i;
            if (i < blocks.size() && blocks.at(i).isEmpty() && i != blocks.size() - 1)
                ++i;
            continue;
        }
        if (!line.startsWith("data: ") || i + 1 >= blocks.size() || !blocks.at(i + 1).isEmpty()) {
            stream.wellFormed = false;
            ++i;
            continue;
        }
        stream.data.append(line.mid(6));
        i += 2;
    }
    if (!body.isEmpty() && !body.endsWith("\n\n"))
        stream.wellFormed = false;
    return stream;
}
} // namespace Llamadesk::ServerTest
