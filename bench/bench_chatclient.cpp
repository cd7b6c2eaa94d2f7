// ChatClient against a llama-server streaming as fast as it can, against a bare
// QNetworkAccessManager reading the same stream in the same run:
//  - tokens/s the client sustains and its cost per token (target: at least 20,000 tokens/s);
//  - time to first token through ChatClient against the bare client (target overhead < 5 ms).
// The fake llama-server by default; LLAMADESK_LLAMA_SERVER names a real one (then the model's
// own speed is the limit).
#include "core/chat/chatclient.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTcpServer>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace
{
double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
}

Llamadesk::ChatRequest request(int maxTokens)
{
    Llamadesk::ChatRequest r;
    r.messages = {Llamadesk::ChatMessage::user(QStringLiteral("Write as much as you can."))};
    r.sampling.maxTokens = maxTokens;
    return r;
}

struct Run
{
    double ttftMs = 0;
    double totalMs = 0;
    int tokens = 0;
};

Run throughClient(Llamadesk::ChatClient &client, int maxTokens)
{
    Run run;
    QEventLoop loop;
    QElapsedTimer timer;
    QObject::connect(&client, &Llamadesk::ChatClient::finished, &loop,
                     [&](const QString &, const Llamadesk::ChatResult &result) {
                         run.totalMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
                         run.ttftMs = result.timeToFirstTokenMs;
                         run.tokens = result.usage ? result.usage->completionTokens : 0;
                         loop.quit();
                     });
    QObject::connect(&client, &Llamadesk::ChatClient::failed, &loop,
                     [&](const QString &, const Llamadesk::ChatError &error) {
                         std::fprintf(stderr, "failed: %s\n", qPrintable(error.message));
                         loop.quit();
                     });
    timer.start();
    client.send(QStringLiteral("bench"), request(maxTokens));
    loop.exec();
    QObject::disconnect(&client, nullptr, &loop, nullptr);
    return run;
}

// The same request read by a bare client: bytes drained, the first content seen by a substring.
Run bare(QNetworkAccessManager &network, const QUrl &base, int maxTokens)
{
    Run run;
    QUrl url = base;
    url.setPath(QStringLiteral("/v1/chat/completions"));
    QNetworkRequest httpRequest(url);
    httpRequest.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    httpRequest.setRawHeader("Connection", "close");
    QElapsedTimer timer;
    timer.start();
    QNetworkReply *reply = network.post(httpRequest, request(maxTokens).toJson());
    QEventLoop loop;
    qint64 bytes = 0;
    QObject::connect(reply, &QNetworkReply::readyRead, &loop, [&] {
        const QByteArray chunk = reply->readAll();
        bytes += chunk.size();
        if (run.ttftMs == 0 && chunk.contains("\"content\":\"") )
            run.ttftMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
        run.tokens += static_cast<int>(chunk.count("\"content\":\""));
    });
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    run.totalMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    reply->deleteLater();
    return run;
}
// A server that answers every request at once with a recorded stream of `tokens` chunk
// events in llama-server's format: what the client alone can take, with no model in the way.
class BlastServer final
{
public:
    explicit BlastServer(int tokens)
    {
        QByteArray body;
        const QByteArray chunk = QByteArrayLiteral(
            R"(data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":" token"}}],"created":1,)"
            R"("id":"chatcmpl-1","model":"tiny-llama.gguf","system_fingerprint":"b1-80fb11a","object":"chat.completion.chunk"})"
            "\n\n");
        for (int i = 0; i < tokens; ++i)
            body += chunk;
        body += QByteArrayLiteral(R"(data: {"choices":[{"finish_reason":"length","index":0,"delta":{}}],"usage":{"completion_tokens":)") +
                QByteArray::number(tokens) + QByteArrayLiteral(R"(,"prompt_tokens":5,"total_tokens":5}})") + "\n\n" +
                QByteArrayLiteral("data: [DONE]\n\n");
        m_response = QByteArrayLiteral("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n") +
                     body;
        m_socket = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_socket, reinterpret_cast<sockaddr *>(&address), sizeof(address));
        ::listen(m_socket, 8);
        socklen_t length = sizeof(address);
        ::getsockname(m_socket, reinterpret_cast<sockaddr *>(&address), &length);
        m_port = ntohs(address.sin_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~BlastServer()
    {
        ::shutdown(m_socket, SHUT_RDWR);
        ::close(m_socket);
        m_thread.join();
    }
    quint16 port() const { return m_port; }

private:
    void serve()
    {
        for (;;) {
            const int client = ::accept(m_socket, nullptr, nullptr);
            if (client < 0)
                return;
            QByteArray request;
            char buffer[4096];
            while (!request.contains("\r\n\r\n")) {
                const auto n = ::recv(client, buffer, sizeof(buffer), 0);
                if (n <= 0)
                    break;
                request.append(buffer, n);
            }
            // The body (Content-Length) is read so that the client sees its request taken.
            const int at = request.toLower().indexOf("content-length:");
            const qsizetype bodyLength = at < 0 ? 0 : request.mid(at + 15, request.indexOf('\r', at) - at - 15).trimmed().toLongLong();
            qsizetype have = request.size() - (request.indexOf("\r\n\r\n") + 4);
            while (have < bodyLength) {
                const auto n = ::recv(client, buffer, sizeof(buffer), 0);
                if (n <= 0)
                    break;
                have += n;
            }
            qsizetype sent = 0;
            while (sent < m_response.size()) {
                const auto n = ::send(client, m_response.constData() + sent, static_cast<size_t>(m_response.size() - sent), MSG_NOSIGNAL);
                if (n <= 0)
                    break;
                sent += n;
            }
            ::close(client);
        }
    }

    QByteArray m_response;
    int m_socket = -1;
    quint16 m_port = 0;
    std::thread m_thread;
};
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QString server = qEnvironmentVariable("LLAMADESK_LLAMA_SERVER");
    const bool fake = server.isEmpty();
    if (fake)
        server = QCoreApplication::applicationDirPath() + QStringLiteral("/../fake-llama-server");
    const int runs = argc > 1 ? QString::fromLocal8Bit(argv[1]).toInt() : 9;

    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("FAKE_LLAMA_TOKENS_PER_SECOND"), QStringLiteral("10000000"));
    env.insert(QStringLiteral("FAKE_LLAMA_REPLY_TOKENS"), QStringLiteral("100000"));
    process.setProcessEnvironment(env);
    process.setStandardErrorFile(QProcess::nullDevice());
    process.start(server, {QStringLiteral("-m"), QStringLiteral(LLAMADESK_SHARED_DIR "/models/tiny-llama.gguf"),
                           QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
                           QString::number(port), QStringLiteral("-np"), QStringLiteral("1")});
    const QUrl base(QStringLiteral("http://127.0.0.1:%1").arg(port));
    QNetworkAccessManager network;
    for (int i = 0; i < 300; ++i) { // wait for /health 200
        QUrl health = base;
        health.setPath(QStringLiteral("/health"));
        QNetworkReply *reply = network.get(QNetworkRequest(health));
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        const bool ready = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200;
        reply->deleteLater();
        if (ready)
            break;
        QEventLoop pause;
        QTimer::singleShot(20, &pause, &QEventLoop::quit);
        pause.exec();
    }

    Llamadesk::ChatClient client;
    client.setBaseUrl(base);
    const int maxTokens = 1900; // the tiny model's context is 2,048 tokens
    std::vector<double> clientRate, bareRate, clientTtft, bareTtft, perToken;
    for (int i = 0; i < runs; ++i) {
        const Run c = throughClient(client, maxTokens);
        const Run b = bare(network, base, maxTokens);
        if (c.tokens == 0 || b.tokens == 0) {
            std::fprintf(stderr, "run %d produced no tokens\n", i);
            return 1;
        }
        clientRate.push_back(c.tokens / (c.totalMs / 1000.0));
        bareRate.push_back(b.tokens / (b.totalMs / 1000.0));
        perToken.push_back(c.totalMs * 1000.0 / c.tokens);
        clientTtft.push_back(c.ttftMs);
        bareTtft.push_back(b.ttftMs);
    }
    process.terminate();
    process.waitForFinished(5000);

    // The client alone: a recorded stream of 20,000 tokens served at once.
    std::vector<double> aloneRate;
    {
        BlastServer blast(20000);
        Llamadesk::ChatClient alone;
        alone.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(blast.port())));
        for (int i = 0; i < std::max(3, runs / 3); ++i) {
            const Run r = throughClient(alone, 20000);
            if (r.tokens > 0)
                aloneRate.push_back(r.tokens / (r.totalMs / 1000.0));
        }
    }

    std::printf("recorded stream served at once, ChatClient alone: median %.0f tokens/s, %.1f us per token "
                "(target >= 20,000 tokens/s)\n",
                median(aloneRate), aloneRate.empty() ? 0.0 : 1e6 / median(aloneRate));
    std::printf("server: %s%s\n", qPrintable(server), fake ? " (fake, streaming as fast as it can)" : "");
    std::printf("ChatClient against it: median %.0f tokens/s, %.1f us per token of wall time\n",
                median(clientRate), median(perToken));
    std::printf("bare QNetworkAccessManager on the same stream: median %.0f tokens/s\n", median(bareRate));
    std::printf("ratio ChatClient / bare: %.2f\n", median(clientRate) / median(bareRate));
    std::printf("time to first token: ChatClient %.2f ms, bare %.2f ms, overhead %.2f ms (target < 5 ms)\n",
                median(clientTtft), median(bareTtft), median(clientTtft) - median(bareTtft));
    return 0;
}
