// Issue 13, section 4: the real llamadesk executable SIGKILLed in the middle of an answer. What
// the app logged as saved (each partial save of a streaming answer is a debug line with the
// message's id, its length and a short hash, never the text) is in chats.sqlite; the fake
// llama-server does not outlive the app; the next start shows the conversation with the partial
// answer marked interrupted.
#include "testsupport.h"

#include <QCryptographicHash>
#include <QDir>
#include <QProcess>
#include <QRegularExpression>
#include <QSettings>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <cstdio>

using namespace Llamadesk;

namespace
{
// Runs a helper tool (xdotool, import) and returns its standard output, trimmed.
QString tool(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForFinished(10000)) {
        process.kill();
        process.waitForFinished();
        ADD_FAILURE() << program.toStdString() << " " << arguments.join(u' ').toStdString() << " timed out";
        return {};
    }
    return QString::fromLocal8Bit(process.readAllStandardOutput()).trimmed();
}

void screenshot(const QString &name)
{
    tool(QStringLiteral("import"),
         {QStringLiteral("-window"), QStringLiteral("root"), TestSupport::artifactsDir() + u'/' + name + u".png"});
}

// openbox on the test's display while the object lives (unless a window manager runs already),
// so that the new window gets the keyboard as on a user's desktop.
class WindowManager final
{
    Q_DISABLE_COPY_MOVE(WindowManager)

public:
    WindowManager()
    {
        if (isRunning())
            return;
        m_openbox.start(QStringLiteral("openbox"), {QStringLiteral("--sm-disable")});
        if (m_openbox.waitForStarted(10000))
            static_cast<void>(TestSupport::waitUntil(
                [&] { return isRunning() || m_openbox.state() == QProcess::NotRunning; }, std::chrono::seconds(20)));
    }
    ~WindowManager()
    {
        if (m_openbox.state() == QProcess::NotRunning)
            return;
        m_openbox.terminate();
        if (!m_openbox.waitForFinished(5000)) {
            m_openbox.kill();
            m_openbox.waitForFinished();
        }
    }
    static bool isRunning()
    {
        QProcess xprop;
        xprop.start(QStringLiteral("xprop"), {QStringLiteral("-root"), QStringLiteral("_NET_SUPPORTING_WM_CHECK")});
        return xprop.waitForFinished(5000) && xprop.readAllStandardOutput().contains("window id #");
    }

private:
    QProcess m_openbox;
};

// The app with the test's XDG folders, killed at the end of the test if it still runs.
class RunningApp final
{
    Q_DISABLE_COPY_MOVE(RunningApp)

public:
    RunningApp(const TestSupport::TempXdg &xdg, const QStringList &arguments, const QStringList &extraEnvironment)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &entry : xdg.environment() + extraEnvironment)
            env.insert(entry.section(u'=', 0, 0), entry.section(u'=', 1));
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(LLAMADESK_APP), arguments);
    }
    ~RunningApp()
    {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished();
        }
    }
    QString window() const
    {
        return tool(QStringLiteral("xdotool"),
                    {QStringLiteral("search"), QStringLiteral("--sync"), QStringLiteral("--onlyvisible"),
                     QStringLiteral("--pid"), QString::number(process.processId()), QStringLiteral("--name"),
                     QStringLiteral("^Llamadesk$")})
            .section(u'\n', 0, 0);
    }

    QProcess process;
};

// The llama-server the app runs (not a --version or --help probe): a child of the app.
QString serverPid(qint64 appPid)
{
    const QByteArray children =
        TestSupport::readFile(QStringLiteral("/proc/%1/task/%1/children").arg(appPid)).trimmed();
    for (const QByteArray &child : children.split(' ')) {
        const QByteArray cmdline = TestSupport::readFile(QStringLiteral("/proc/%1/cmdline").arg(QString::fromLatin1(child)));
        if (cmdline.contains("fake-llama-server") && cmdline.contains(QByteArray("-m\0", 3)))
            return QString::fromLatin1(child);
    }
    return {};
}

// Gone, or a zombie that nobody reaps (PID 1 of a container may not): either way not running.
bool processGone(const QString &pid)
{
    const QByteArray status = TestSupport::readFile(QStringLiteral("/proc/%1/status").arg(pid));
    return status.isEmpty() || status.contains("State:\tZ");
}

struct PartialSave
{
    qint64 messageId = 0;
    int number = 0;
    int length = 0;
    QByteArray hash;
};

// The partial saves the log names, in order.
QList<PartialSave> partialSaves(const QByteArray &log)
{
    static const QRegularExpression line(QStringLiteral(
            "Chat: answer (\\d+) saved while streaming \\(save (\\d+)\\): (\\d+) characters, sha256 ([0-9a-f]{12})"));
    QList<PartialSave> saves;
    for (auto it = line.globalMatch(QString::fromUtf8(log)); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        saves.append({m.captured(1).toLongLong(), m.captured(2).toInt(), m.captured(3).toInt(),
                      m.captured(4).toLatin1()});
    }
    return saves;
}

QByteArray shortHash(const QString &text)
{
    return QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha256).toHex().left(12);
}

struct Row
{
    qint64 id = 0;
    QString role;
    QString content;
    QString state;
};

// The messages in the file, read-only (the killed app's WAL included), the way a second look
// from outside sees them.
QList<Row> storedMessages(const QString &path)
{
    QList<Row> rows;
    const QString name = QStringLiteral("test-app-kill-reader");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("SELECT id, role, content, state FROM messages ORDER BY id"))) {
                while (q.next())
                    rows.append({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString(),
                                 q.value(3).toString()});
            } else {
                ADD_FAILURE() << q.lastError().text().toStdString();
            }
        } else {
            ADD_FAILURE() << db.lastError().text().toStdString();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return rows;
}
} // namespace

TEST(AppKill, SigkilledMidAnswerKeepsWhatTheLogSaysWasSavedAndTheNextStartShowsItInterrupted)
{
    LLAMADESK_REQUIRE_DISPLAY();
    TestSupport::TempXdg xdg;
    WindowManager windowManager;
    ASSERT_TRUE(WindowManager::isRunning());
    QTemporaryDir dir;
    const QString records = dir.filePath(QStringLiteral("requests"));
    ASSERT_TRUE(QDir().mkpath(records));
    const QString ini = dir.filePath(QStringLiteral("llamadesk.ini"));
    {
        QSettings settings(ini, QSettings::IniFormat);
        settings.setValue(QStringLiteral("server/executable"), QStringLiteral(LLAMADESK_FAKE_LLAMA_SERVER));
        settings.setValue(QStringLiteral("server/model"), QString(TestSupport::sharedDir() + QStringLiteral("/models/tiny-llama.gguf")));
        settings.setValue(QStringLiteral("server/port"), 0);
        settings.setValue(QStringLiteral("server/autostart"), true);
    }
    const QStringList arguments{QStringLiteral("--settings"), ini, QStringLiteral("--log-level"), QStringLiteral("debug")};
    // 40 tokens a second for 1,000 tokens: the answer streams for far longer than the test runs.
    const QStringList slowServer{QStringLiteral("FAKE_LLAMA_RECORD_DIR=") + records,
                                 QStringLiteral("FAKE_LLAMA_TOKENS_PER_SECOND=40"),
                                 QStringLiteral("FAKE_LLAMA_REPLY_TOKENS=1000")};
    const QString appLog = xdg.dataHome() + QStringLiteral("/llamadesk/logs/llamadesk.log");
    const QString database = xdg.dataHome() + QStringLiteral("/llamadesk/chats.sqlite");
    const QString question = QStringLiteral("Tell me a long story");

    QList<Row> afterKill;
    qint64 logSizeAfterKill = 0;
    {
        RunningApp running(xdg, arguments, slowServer);
        ASSERT_TRUE(running.process.waitForStarted());
        const QString window = running.window();
        ASSERT_FALSE(window.isEmpty());
        ASSERT_TRUE(TestSupport::waitUntil([&] { return TestSupport::readFile(appLog).contains("llama-server is ready"); },
                                           std::chrono::seconds(20)))
            << TestSupport::readFile(appLog).constData();
        const QString server = serverPid(running.process.processId());
        ASSERT_FALSE(server.isEmpty());

        tool(QStringLiteral("xdotool"), {QStringLiteral("windowfocus"), QStringLiteral("--sync"), window});
        tool(QStringLiteral("xdotool"), {QStringLiteral("type"), QStringLiteral("--delay"), QStringLiteral("30"), question});
        const bool sent = TestSupport::waitUntil([&] {
            tool(QStringLiteral("xdotool"), {QStringLiteral("key"), QStringLiteral("Return")});
            return TestSupport::waitUntil([&] { return QFile::exists(records + QStringLiteral("/request-1.json")); },
                                          std::chrono::milliseconds(1500));
        }, std::chrono::seconds(20));
        ASSERT_TRUE(sent) << TestSupport::readFile(appLog).constData();

        // Two partial saves in the log (it reaches the file within a second), then the kill.
        ASSERT_TRUE(TestSupport::waitUntil([&] { return partialSaves(TestSupport::readFile(appLog)).size() >= 2; },
                                           std::chrono::seconds(20)))
            << TestSupport::readFile(appLog).constData();
        screenshot(QStringLiteral("app-kill-streaming"));
        running.process.kill();
        ASSERT_TRUE(running.process.waitForFinished(10000));
        EXPECT_EQ(running.process.exitStatus(), QProcess::CrashExit);

        // PR_SET_PDEATHSIG: the server dies with the app, SIGKILL or not.
        EXPECT_TRUE(TestSupport::waitUntil([&] { return processGone(server); }, std::chrono::seconds(10)))
            << "llama-server " << server.toStdString() << " outlived the killed app";

        // Read after the kill: no save can follow the last line read. Lines the app had not
        // flushed to its log yet are lost with it, so the file may hold a later save than the
        // last line: then it begins with what that line describes.
        const QByteArray log = TestSupport::readFile(appLog);
        logSizeAfterKill = log.size();
        const QList<PartialSave> saves = partialSaves(log);
        ASSERT_GE(saves.size(), 2) << log.constData();
        for (qsizetype i = 0; i < saves.size(); ++i) {
            EXPECT_EQ(saves.at(i).number, i + 1) << "every save of the answer is logged, in order";
            EXPECT_EQ(saves.at(i).messageId, saves.constFirst().messageId);
            if (i > 0) {
                EXPECT_GT(saves.at(i).length, saves.at(i - 1).length);
            }
        }
        const PartialSave last = saves.constLast();
        std::printf("%lld partial saves logged; the last: %d characters\n", static_cast<long long>(saves.size()),
                    last.length);

        afterKill = storedMessages(database);
        ASSERT_EQ(afterKill.size(), 2);
        EXPECT_EQ(afterKill.at(0).role, QStringLiteral("user"));
        EXPECT_EQ(afterKill.at(0).content, question);
        const Row &answer = afterKill.at(1);
        EXPECT_EQ(answer.id, last.messageId);
        EXPECT_EQ(answer.role, QStringLiteral("assistant"));
        EXPECT_EQ(answer.state, QStringLiteral("streaming")) << "nothing ran after the kill";
        ASSERT_GE(answer.content.size(), last.length) << "the last logged save is in the file";
        EXPECT_EQ(shortHash(answer.content.left(last.length)), last.hash)
            << "the file holds the text the last logged save wrote";
        std::printf("the file holds %lld characters of the answer\n", static_cast<long long>(answer.content.size()));
    }

    // The next start on the same folders: the conversation is opened, the answer is there as it
    // was saved, marked interrupted (the message's meta line says so).
    RunningApp again(xdg, arguments, {});
    ASSERT_TRUE(again.process.waitForStarted());
    ASSERT_FALSE(again.window().isEmpty());
    const auto secondRunLog = [&] { return TestSupport::readFile(appLog).mid(logSizeAfterKill); };
    ASSERT_TRUE(TestSupport::waitUntil(
            [&] { return secondRunLog().contains("opened: 2 message(s), 1 interrupted"); }, std::chrono::seconds(20)))
        << secondRunLog().constData();
    EXPECT_TRUE(secondRunLog().contains("1 answer(s) were cut off when Llamadesk last stopped; marked as interrupted"))
        << secondRunLog().constData();
    screenshot(QStringLiteral("app-kill-next-start"));
    const QList<Row> reopened = storedMessages(database);
    ASSERT_EQ(reopened.size(), 2);
    EXPECT_EQ(reopened.at(0).content, question);
    EXPECT_EQ(reopened.at(1).content, afterKill.at(1).content);
    EXPECT_EQ(reopened.at(1).state, QStringLiteral("interrupted"));
}
