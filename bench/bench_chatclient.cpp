// ChatClient against a llama-server streaming as fast as it can, against a bare
// QNetworkAccessManager reading the same stream in the same run:
//  - tokens/s the client sustains and its cost per token (target: at least 20,000 tokens/s);
//  - time to first token through ChatClient against the bare client (target overhead < 5 ms).
// The fake llama-server by default; LLAMADESK_LLAMA_SERVER names a real one (then the model's
// own speed is the limit).
#include "chat/chatclient.h"

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
#include <vector>

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

    std::printf("server: %s%s\n", qPrintable(server), fake ? " (fake, streaming as fast as it can)" : "");
    std::printf("ChatClient: median %.0f tokens/s, %.1f us per token (target >= 20,000 tokens/s)\n",
                median(clientRate), median(perToken));
    std::printf("bare QNetworkAccessManager on the same stream: median %.0f tokens/s\n", median(bareRate));
    std::printf("ratio ChatClient / bare: %.2f\n", median(clientRate) / median(bareRate));
    std::printf("time to first token: ChatClient %.2f ms, bare %.2f ms, overhead %.2f ms (target < 5 ms)\n",
                median(clientTtft), median(bareTtft), median(clientTtft) - median(bareTtft));
    return 0;
}
