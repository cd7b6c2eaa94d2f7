// What streaming an answer costs the app, with its window, built as main() builds it:
//  1. Paced: llama-server streams an essay-like answer at 1,500 tokens/s and the window renders
//     it. The GUI thread's CPU time per 1,000 tokens for each thousand (flat from the first to
//     the last: no growth with the answer's length), the longest event-loop stall (target under
//     16 ms) and the GUI thread's CPU share (target under 5% of a core), with the idle window
//     measured the same way in the same run.
//  2. CPU-bound: the fake burns CPU per token on every core, as llama-server's decode does, so
//     that what the app takes is what the server loses: its tokens/s while the app renders the
//     answer against a plain client reading the same stream, measured before and after (goal:
//     the app keeps 90%).
//   bench_streaming [--tokens N] [--paced-only] (N: default 10,000; --paced-only: part 1 alone)
// The fake llama-server by default; LLAMADESK_LLAMA_SERVER names a real one (with the tiny
// model; then the server's own decode is the CPU load of part 2).
#include "application/app.h"
#include "ui/mainwindow.h"
#include "core/secrets/memorysecretstore.h"
#include "core/settingkeys.h"
#include "application/streammonitor.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include <unistd.h>
#include <vector>

using namespace Llamadesk;

namespace
{
const QString Question = QStringLiteral("Write a long essay about rivers, with headings and lists.");

bool waitFor(const std::function<bool()> &done, int ms)
{
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > ms)
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
    }
    return true;
}

void runLoopFor(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

bool waitForRunning(App &app)
{
    return waitFor([&] { return app.supervisor().state() == ServerState::Running; }, 60000);
}

struct AnswerFigures
{
    StreamMonitor::Figures loop;
    std::vector<double> cpuPerThousand; // GUI thread CPU ms for tokens 0-999, 1000-1999, …
    int tokens = 0;
    double serverTokensPerSecond = 0;
};

// One question through the chat controller, as the composer sends it, in a new conversation.
AnswerFigures answerThroughApp(App &app)
{
    AnswerFigures figures;
    app.chat().newConversation();
    StreamMonitor monitor;
    // (characters so far, GUI thread CPU ms) at each piece that arrived; ChatClient hands over
    // what one read brought, several tokens at a time, so the thousands are found afterwards
    // from the answer's characters per token.
    std::vector<std::pair<qsizetype, double>> samples;
    qsizetype characters = 0;
    const QMetaObject::Connection counting = QObject::connect(
            &app.client(), &ChatClient::deltaReceived, &monitor,
            [&](const QString &, const QString &content, const QString &) {
                characters += content.size();
                samples.emplace_back(characters, StreamMonitor::threadCpuMs());
            });
    QEventLoop loop;
    const QMetaObject::Connection done = QObject::connect(&app.chat(), &ChatController::busyChanged, &loop,
                                                          [&](bool busy) {
                                                              if (!busy)
                                                                  loop.quit();
                                                          });
    monitor.start();
    const double cpuAtSend = StreamMonitor::threadCpuMs();
    if (!app.chat().send(Question)) {
        std::fprintf(stderr, "bench_streaming: the question could not be sent: %s\n",
                     qPrintable(app.chat().sendUnavailableReason()));
        std::_Exit(1);
    }
    loop.exec();
    figures.loop = monitor.finish();
    QObject::disconnect(counting);
    QObject::disconnect(done);
    const StoredMessage &answer = app.chat().messages().constLast();
    figures.tokens = answer.predictedTokens;
    figures.serverTokensPerSecond = answer.tokensPerSecond;
    if (figures.tokens > 0 && characters > 0) {
        const double perToken = static_cast<double>(characters) / figures.tokens;
        double mark = cpuAtSend;
        std::size_t at = 0;
        for (int thousand = 1; thousand * 1000 <= figures.tokens; ++thousand) {
            const auto boundary = static_cast<qsizetype>(thousand * 1000 * perToken);
            while (at + 1 < samples.size() && samples[at].first < boundary)
                ++at;
            figures.cpuPerThousand.push_back(samples[at].second - mark);
            mark = samples[at].second;
        }
    }
    return figures;
}

// The same question to the same server by a client that only reads the stream; the server's own
// tokens/s from the last chunk's timings.
double throughPlainClient(App &app, int maxTokens)
{
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    QUrl url = app.supervisor().baseUrl();
    url.setPath(QStringLiteral("/v1/chat/completions"));
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    if (const auto config = app.supervisor().launchedConfig(); config && !config->apiKey.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + config->apiKey.toUtf8());
    const QJsonObject body{{QStringLiteral("messages"),
                            QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                                   {QStringLiteral("content"), Question}}}},
                           {QStringLiteral("stream"), true},
                           {QStringLiteral("max_tokens"), maxTokens}};
    QNetworkReply *reply = network.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
    QByteArray tail;
    QObject::connect(reply, &QNetworkReply::readyRead, reply, [&] {
        tail += reply->readAll();
        if (tail.size() > 16384)
            tail = tail.right(8192);
    });
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    tail += reply->readAll();
    reply->deleteLater();
    static const QRegularExpression speed(QStringLiteral("\"predicted_per_second\":([0-9.eE+-]+)"));
    QRegularExpressionMatch last;
    for (auto it = speed.globalMatch(QString::fromUtf8(tail)); it.hasNext();)
        last = it.next();
    return last.hasMatch() ? last.captured(1).toDouble() : 0;
}

// CPU time (ms) of this process's threads by name, from /proc/self/task/*/stat (utime + stime).
std::map<QString, double> threadCpuByName()
{
    std::map<QString, double> byName;
    const double tick = 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
    for (const QFileInfo &task : QDir(QStringLiteral("/proc/self/task")).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile stat(task.filePath() + QStringLiteral("/stat"));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QString line = QString::fromLatin1(stat.readAll());
        const qsizetype open = line.indexOf(u'(');
        const qsizetype close = line.lastIndexOf(u')');
        if (open < 0 || close < open)
            continue;
        const QString name = line.mid(open + 1, close - open - 1);
        const QStringList fields = line.mid(close + 2).split(u' ');
        if (fields.size() > 12)
            byName[name] += (fields.at(11).toDouble() + fields.at(12).toDouble()) * tick;
    }
    return byName;
}

double mean(const std::vector<double> &values, std::size_t from, std::size_t to)
{
    to = std::min(to, values.size());
    if (from >= to)
        return 0;
    double sum = 0;
    for (std::size_t i = from; i < to; ++i)
        sum += values[i];
    return sum / static_cast<double>(to - from);
}
} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication application(argc, argv);
    int tokens = 10000;
    const QStringList args = QCoreApplication::arguments();
    if (const qsizetype at = args.indexOf(QStringLiteral("--tokens")); at >= 0 && at + 1 < args.size())
        tokens = std::max(1000, args.at(at + 1).toInt());

    QString server = qEnvironmentVariable("LLAMADESK_LLAMA_SERVER");
    const bool fake = server.isEmpty();
    if (fake) {
        server = QCoreApplication::applicationDirPath() + QStringLiteral("/../fake-llama-server");
        qputenv("FAKE_LLAMA_ESSAY", "1");
        qputenv("FAKE_LLAMA_REPLY_TOKENS", QByteArray::number(tokens));
        qputenv("FAKE_LLAMA_TOKENS_PER_SECOND", "1500");
    }

    QTemporaryDir dir;
    AppOptions options;
    options.settingsFile = dir.filePath(QStringLiteral("llamadesk.ini"));
    options.chatDatabase = dir.filePath(QStringLiteral("chats.sqlite"));
    options.logDirectory = dir.filePath(QStringLiteral("logs"));
    options.autostart = false;
    options.secrets = std::make_unique<MemorySecretStore>();
    App app(std::move(options));
    for (const std::optional<QString> &error :
         {app.settings().set(Keys::ServerExecutable, server),
          app.settings().set(Keys::ServerModel, QStringLiteral(LLAMADESK_SHARED_DIR "/models/tiny-llama.gguf")),
          app.settings().set(Keys::ServerPort, 0), app.settings().set(Keys::ChatMaxTokens, tokens),
          // Room for the whole answer in one slot.
          app.settings().set(Keys::ServerContextSize, tokens + 4096), app.settings().set(Keys::ServerParallel, 1),
          // The tiny model was trained on 2,048 tokens: a longer answer shifts its context.
          app.settings().set(Keys::ServerExtraArgs, QStringLiteral("--context-shift"))}) {
        if (error) {
            std::fprintf(stderr, "bench_streaming: %s\n", qPrintable(*error));
            std::_Exit(1);
        }
    }

    MainWindow window(app);
    window.resize(1000, 800);
    app.start();
    window.show();
    app.supervisor().start();
    if (!waitForRunning(app)) {
        std::fprintf(stderr, "bench_streaming: llama-server did not start: %s\n",
                     qPrintable(app.supervisor().stateReason()));
        std::_Exit(1);
    }

    // 1. Paced, and the idle window first.
    StreamMonitor idleMonitor;
    idleMonitor.start();
    runLoopFor(1500);
    const StreamMonitor::Figures idle = idleMonitor.finish();
    const std::map<QString, double> threadsBefore = threadCpuByName();
    const AnswerFigures paced = answerThroughApp(app);
    const std::map<QString, double> threadsAfter = threadCpuByName();
    const std::vector<double> &perK = paced.cpuPerThousand;
    const double first = perK.empty() ? 0 : perK.front();
    const double last = perK.empty() ? 0 : perK.back();
    std::printf("paced answer: %d tokens in %.1f s (%.0f tokens/s), %zu full thousands\n", paced.tokens,
                paced.loop.wallMs / 1000.0, paced.tokens * 1000.0 / std::max(paced.loop.wallMs, 1.0), perK.size());
    std::printf("GUI thread CPU per 1,000 tokens:");
    for (const double ms : perK)
        std::printf(" %.0f", ms);
    std::printf(" ms\n");
    std::printf("ratio last / first thousand, GUI thread CPU: %.2f (flat: about 1; the first holds the request's "
                "set-up)\n",
                last / std::max(first, 0.001));
    std::printf("ratio second half / first half (thousands 2 on), GUI thread CPU: %.2f\n",
                mean(perK, perK.size() / 2, perK.size()) / std::max(mean(perK, 1, perK.size() / 2), 0.001));
    std::printf("longest event-loop stall while streaming: %.1f ms (target < 16 ms); idle window: %.1f ms\n",
                paced.loop.longestGapMs, idle.longestGapMs);
    const double streamingShare = 100.0 * paced.loop.cpuMs / std::max(paced.loop.wallMs, 1.0);
    const double idleShare = 100.0 * idle.cpuMs / std::max(idle.wallMs, 1.0);
    std::printf("GUI thread CPU while streaming: %.1f%% of a core; idle window, same run: %.1f%% (mostly the "
                "timer that measures the stalls)\n",
                streamingShare, idleShare);
    std::printf("GUI thread CPU the streaming costs (streaming less idle): %.1f%% of a core (target < 5%%)\n",
                streamingShare - idleShare);
    std::printf("the app's other threads while streaming (CPU, %% of a core):");
    for (const auto &[name, ms] : threadsAfter) {
        const double before = threadsBefore.count(name) ? threadsBefore.at(name) : 0;
        if (name != QCoreApplication::applicationName().left(15) && ms - before > 0)
            std::printf(" %s %.1f%%;", qPrintable(name), 100.0 * (ms - before) / std::max(paced.loop.wallMs, 1.0));
    }
    std::printf("\n");

    // 2. CPU-bound: plain client, app, plain client, against the same server process.
    if (args.contains(QStringLiteral("--paced-only"))) {
        app.supervisor().stop();
        waitFor([&] { return !app.supervisor().hasProcess(); }, 30000);
        std::fflush(stdout);
        std::_Exit(0);
    }
    if (fake) {
        qputenv("FAKE_LLAMA_TOKENS_PER_SECOND", "1e9");
        qputenv("FAKE_LLAMA_BURN_US_PER_TOKEN", qgetenv("LLAMADESK_BENCH_BURN_US").isEmpty()
                                                         ? QByteArray("500")
                                                         : qgetenv("LLAMADESK_BENCH_BURN_US"));
        app.supervisor().restart();
        waitFor([&] { return app.supervisor().state() != ServerState::Running; }, 30000);
        if (!waitForRunning(app)) {
            std::fprintf(stderr, "bench_streaming: llama-server did not restart\n");
            std::_Exit(1);
        }
    }
    const double plainBefore = throughPlainClient(app, tokens);
    const AnswerFigures bound = answerThroughApp(app);
    const double plainAfter = throughPlainClient(app, tokens);
    const double plain = (plainBefore + plainAfter) / 2;
    std::printf("%s: plain client %.0f and %.0f tokens/s; with the app rendering %.0f tokens/s "
                "(GUI thread CPU %.1f%% of a core, longest stall %.1f ms)\n",
                fake ? "CPU-bound fake (every core burns per token)" : "llama-server", plainBefore, plainAfter,
                bound.serverTokensPerSecond, 100.0 * bound.loop.cpuMs / std::max(bound.loop.wallMs, 1.0),
                bound.loop.longestGapMs);
    std::printf("ratio app / plain client, server tokens/s: %.2f (goal >= 0.90)\n",
                bound.serverTokensPerSecond / std::max(plain, 0.001));

    app.supervisor().stop();
    waitFor([&] { return !app.supervisor().hasProcess(); }, 30000);
    // The App owns an AudioCapture, and Qt 6.4's PulseAudio teardown can abort at exit.
    std::fflush(stdout);
    std::_Exit(0);
}
