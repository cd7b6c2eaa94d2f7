// The app's resident memory while idle with llama-server running, against an empty Qt Widgets
// window measured in the same run. Target: at most 60 MB for the app process (the server's
// own memory is the model's business and not counted).
//   bench_idle_memory [--server PATH] [--model PATH]
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>

#include <cstdio>

namespace
{
double residentMiB(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').constFirst().toDouble() / 1024.0;
    }
    return -1;
}

QProcessEnvironment environmentIn(const QTemporaryDir &dir)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"})
        env.insert(QString::fromLatin1(name), dir.filePath(QString::fromLatin1(name)));
    if (env.value(QStringLiteral("DISPLAY")).isEmpty())
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    return env;
}

// Waits (polling a file the app writes, the bench's own business) until text appears.
bool waitForText(const QString &path, const QByteArray &text, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        QFile file(path);
        if (file.open(QIODevice::ReadOnly) && file.readAll().contains(text))
            return true;
        QThread::msleep(50);
    }
    return false;
}

void stop(QProcess &process)
{
    process.terminate();
    if (!process.waitForFinished(5000))
        process.kill();
    process.waitForFinished(2000);
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QString bin = QCoreApplication::applicationDirPath();
    QString server = qEnvironmentVariable("LLAMADESK_LLAMA_SERVER");
    if (server.isEmpty())
        server = bin + QStringLiteral("/../fake-llama-server");
    QString model = QStringLiteral(LLAMADESK_SHARED_DIR "/models/tiny-llama.gguf");
    const QStringList args = QCoreApplication::arguments();
    for (qsizetype i = 1; i + 1 < args.size(); i += 2) {
        if (args.at(i) == u"--server")
            server = args.at(i + 1);
        else if (args.at(i) == u"--model")
            model = args.at(i + 1);
    }

    QTemporaryDir dir;
    const QString ini = dir.filePath(QStringLiteral("llamadesk.ini"));
    {
        QFile file(ini);
        file.open(QIODevice::WriteOnly);
        file.write(QStringLiteral("[server]\nexecutable=%1\nmodel=%2\nport=0\nautostart=true\n")
                       .arg(server, model)
                       .toUtf8());
    }
    QProcess llamadesk;
    llamadesk.setProcessEnvironment(environmentIn(dir));
    llamadesk.setProcessChannelMode(QProcess::MergedChannels);
    llamadesk.start(bin + QStringLiteral("/../llamadesk"), {QStringLiteral("--settings"), ini});
    const QString log = dir.filePath(QStringLiteral("XDG_DATA_HOME/llamadesk/logs/llamadesk.log"));
    if (!llamadesk.waitForStarted() || !waitForText(log, "llama-server is ready at", 30000)) {
        QFile logFile(log);
        logFile.open(QIODevice::ReadOnly);
        std::fprintf(stderr, "llamadesk did not get llama-server running. Its log:\n%s\n", logFile.readAll().constData());
        stop(llamadesk);
        std::fprintf(stderr, "Its output:\n%s\n", llamadesk.readAll().constData());
        return 1;
    }
    QThread::sleep(2); // idle: nothing but the slow /health poll
    const double ours = residentMiB(llamadesk.processId());
    stop(llamadesk);

    QProcess baseline;
    baseline.setProcessEnvironment(environmentIn(dir));
    baseline.start(bin + QStringLiteral("/baseline_window"), {});
    baseline.waitForStarted();
    QThread::sleep(2);
    const double bare = residentMiB(baseline.processId());
    stop(baseline);

    std::printf("idle resident memory, llamadesk with llama-server running: %.1f MiB (target <= 60 MB)\n", ours);
    std::printf("idle resident memory, empty Qt Widgets window:             %.1f MiB\n", bare);
    std::printf("ratio llamadesk / empty window: %.2f\n", ours / bare);
    return ours > 0 && bare > 0 ? 0 : 1;
}
