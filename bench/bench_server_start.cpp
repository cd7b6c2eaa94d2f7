// Spawn-to-Running as ServerSupervisor sees it, against spawn-to-first-200 by a tight 5 ms
// poll loop, on the same llama-server binary in the same run. Target ratio: at most 1.10.
//   bench_server_start [--server PATH] [--model PATH] [--runs N]
// Defaults: the fake llama-server beside this build and ../shared/models/tiny-llama.gguf; set
// LLAMADESK_LLAMA_SERVER to measure a real llama-server.
#include "core/server/serversupervisor.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QTcpServer>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace
{
double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n == 0 ? 0 : (n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2);
}

int freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

// Spawns the server and asks /health every 5 ms; milliseconds from spawn to the first 200.
double tightPoll(const QString &server, const QString &model)
{
    const int port = freePort();
    QProcess process;
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.setStandardErrorFile(QProcess::nullDevice());
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/health").arg(port));
    QElapsedTimer timer;
    process.start(server, {QStringLiteral("-m"), model, QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                           QStringLiteral("--port"), QString::number(port)});
    timer.start();
    double result = -1;
    while (timer.elapsed() < 30000) {
        QEventLoop loop;
        QNetworkReply *reply = network.get(QNetworkRequest(url));
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        reply->deleteLater();
        if (status == 200) {
            result = static_cast<double>(timer.nsecsElapsed()) / 1e6;
            break;
        }
        QEventLoop pause;
        QTimer::singleShot(5, &pause, &QEventLoop::quit);
        pause.exec();
    }
    process.terminate();
    process.waitForFinished(5000);
    return result;
}

// Milliseconds from the supervisor's spawn (its "starting" log line) to its Running state.
double supervised(const QString &server, const QString &model)
{
    Llamadesk::SupervisorOptions options;
    options.checkVersion = false;
    Llamadesk::ServerSupervisor supervisor(nullptr, options);
    Llamadesk::ServerConfig config;
    config.executable = server;
    config.model = model;
    config.port = 0;
    supervisor.setConfig(config);
    QElapsedTimer sinceSpawn;
    double result = -1;
    QEventLoop loop;
    QObject::connect(&supervisor, &Llamadesk::ServerSupervisor::logLineAdded, &loop,
                     [&](const Llamadesk::ServerLogLine &line) {
                         if (!sinceSpawn.isValid() && line.text.startsWith(u"llamadesk: starting"))
                             sinceSpawn.start();
                     });
    QObject::connect(&supervisor, &Llamadesk::ServerSupervisor::stateChanged, &loop,
                     [&](Llamadesk::ServerState state) {
                         if (state == Llamadesk::ServerState::Running) {
                             result = static_cast<double>(sinceSpawn.nsecsElapsed()) / 1e6;
                             loop.quit();
                         } else if (state == Llamadesk::ServerState::Failed) {
                             std::fprintf(stderr, "failed: %s\n", qPrintable(supervisor.stateReason()));
                             loop.quit();
                         }
                     });
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    supervisor.start();
    loop.exec();
    QEventLoop stopped;
    QObject::connect(&supervisor, &Llamadesk::ServerSupervisor::stateChanged, &stopped,
                     [&](Llamadesk::ServerState state) {
                         if (state == Llamadesk::ServerState::Stopped)
                             stopped.quit();
                     });
    QTimer::singleShot(10000, &stopped, &QEventLoop::quit);
    supervisor.stop();
    if (supervisor.hasProcess())
        stopped.exec();
    return result;
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QString server = qEnvironmentVariable("LLAMADESK_LLAMA_SERVER");
    if (server.isEmpty())
        server = QCoreApplication::applicationDirPath() + QStringLiteral("/../fake-llama-server");
    QString model = QStringLiteral(LLAMADESK_SHARED_DIR "/models/tiny-llama.gguf");
    int runs = 15;
    const QStringList args = QCoreApplication::arguments();
    for (qsizetype i = 1; i + 1 < args.size(); i += 2) {
        if (args.at(i) == u"--server")
            server = args.at(i + 1);
        else if (args.at(i) == u"--model")
            model = args.at(i + 1);
        else if (args.at(i) == u"--runs")
            runs = args.at(i + 1).toInt();
    }

    std::vector<double> poll;
    std::vector<double> ours;
    // Interleaved, so that a disturbance of the machine hits both alike.
    for (int i = 0; i < runs; ++i) {
        const double p = tightPoll(server, model);
        const double s = supervised(server, model);
        if (p < 0 || s < 0) {
            std::fprintf(stderr, "run %d failed (poll %.1f ms, supervisor %.1f ms)\n", i, p, s);
            return 1;
        }
        poll.push_back(p);
        ours.push_back(s);
    }
    const double mp = median(poll);
    const double ms = median(ours);
    std::printf("server: %s\n", qPrintable(server));
    std::printf("spawn to first 200, tight 5 ms poll: median %.1f ms over %d runs\n", mp, runs);
    std::printf("spawn to Running, ServerSupervisor:  median %.1f ms over %d runs\n", ms, runs);
    std::printf("ratio supervisor / tight poll: %.2f (target <= 1.10)\n", ms / mp);
    return 0;
}
