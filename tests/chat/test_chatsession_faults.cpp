// ChatSession when the history database's disk is full or read-only (issue 13, section 4): a
// clear message, nothing saved before is lost, and once the disk takes writes again the app
// answers and saves as before.
// The full disk is SQLite's PRAGMA max_page_count on the store's own connection: the file may not
// grow, exactly as when the disk has no free block left (SQLITE_FULL either way). The read-only
// disk is a real tmpfs mount remounted read-only.
#include "core/chat/chatsession.h"
#include "storeassert.h"
#include "servertestkit.h"
#include "core/settingkeys.h"
#include "core/settings.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QRegularExpression>
#include <QDir>
#include <QProcess>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <optional>

using namespace Llamadesk;
using namespace Llamadesk::ServerTest;

namespace
{
// The store's connection (made in this thread by ChatStore::open()).
QSqlDatabase storeConnection()
{
    for (const QString &name : QSqlDatabase::connectionNames()) {
        if (name.startsWith(u"llamadesk-chatstore-") && !name.endsWith(u"-check"))
            return QSqlDatabase::database(name, false);
    }
    return {};
}

// The file may not grow beyond what it has now (or, with 0, as far as SQLite allows).
bool limitGrowth(bool full)
{
    QSqlDatabase db = storeConnection();
    QSqlQuery q(db);
    if (!full)
        return q.exec(QStringLiteral("PRAGMA max_page_count = 1073741823"));
    if (!q.exec(QStringLiteral("PRAGMA page_count")) || !q.next())
        return false;
    const qint64 pages = q.value(0).toLongLong();
    return q.exec(QStringLiteral("PRAGMA max_page_count = %1").arg(pages));
}

// Set in the child that runs a test again inside a user and mount namespace of its own.
constexpr char InMountNamespace[] = "LLAMADESK_TEST_IN_MOUNT_NAMESPACE";

// mount(8) or umount(8); what they said on failure in `output`.
bool runMount(const QStringList &arguments, QString *output = nullptr)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(arguments.constFirst(), arguments.mid(1));
    const bool ok = process.waitForFinished(10000) && process.exitStatus() == QProcess::NormalExit
                    && process.exitCode() == 0;
    if (output)
        *output = QString::fromLocal8Bit(process.readAll()).trimmed();
    return ok;
}

// A small tmpfs mounted on a fresh folder while the object lives; unmounted (lazily, when
// something still holds it open) however the test ends.
class TmpfsDisk final
{
    Q_DISABLE_COPY_MOVE(TmpfsDisk)

public:
    TmpfsDisk()
    {
        m_mounted = m_dir.isValid()
                    && runMount({QStringLiteral("mount"), QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"),
                                 QStringLiteral("size=4m,mode=0700"), QStringLiteral("llamadesk-test"), m_dir.path()},
                                &m_error);
    }
    ~TmpfsDisk()
    {
        if (m_mounted && !runMount({QStringLiteral("umount"), m_dir.path()}))
            runMount({QStringLiteral("umount"), QStringLiteral("-l"), m_dir.path()});
    }
    bool isMounted() const { return m_mounted; }
    QString error() const { return m_error; }
    QString path() const { return m_dir.path(); }
    // The file system itself; where that is refused (in a user namespace, mount(8) passes the
    // tmpfs's uid= and gid= back, which do not map there), this mount of it.
    bool setReadOnly(bool readOnly, QString *output)
    {
        const QString mode = readOnly ? QStringLiteral("ro") : QStringLiteral("rw");
        return runMount({QStringLiteral("mount"), QStringLiteral("-o"), QStringLiteral("remount,") + mode, m_dir.path()},
                        output)
               || runMount({QStringLiteral("mount"), QStringLiteral("-o"), QStringLiteral("remount,bind,") + mode,
                            m_dir.path()},
                           output);
    }

private:
    QTemporaryDir m_dir;
    bool m_mounted = false;
    QString m_error;
};
} // namespace

TEST(ChatSessionFaults, AFullDiskIsReportedClearlyLosesNothingAndTheAppAnswersAgainOnceThereIsRoom)
{
    QTemporaryDir dir;
    TestSupport::TempXdg xdg;
    ChatStore store(dir.filePath(QStringLiteral("chats.sqlite")));
    ASSERT_TRUE(stored(store.open()));
    Settings settings(dir.filePath(QStringLiteral("llamadesk.ini")));
    ASSERT_FALSE(settings.set(Keys::ChatMaxTokens, 16));
    ChatClient client;
    ChatSession session(store, client, settings);
    ServerProcess server;
    ASSERT_TRUE(server.start({QStringLiteral("-m"), modelPath(QStringLiteral("tiny-llama.gguf"))}));
    ASSERT_TRUE(server.waitForReady());
    client.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.port())));
    const auto waitUntilIdle = [&] {
        return TestSupport::waitUntil([&] { return !session.isBusy(); }, std::chrono::seconds(20));
    };

    ASSERT_TRUE(session.send(QStringLiteral("Saved before the disk filled up")));
    ASSERT_TRUE(waitUntilIdle());
    const qint64 conversation = session.currentConversation();
    const QList<StoredMessage> before = store.messages(conversation);
    ASSERT_EQ(before.size(), 2);

    ASSERT_TRUE(limitGrowth(true));
    QSignalSpy problems(&session, &ChatSession::problem);
    // More than the free room left in the file's pages.
    EXPECT_FALSE(session.send(QStringLiteral("a long question ").repeated(2000)));
    ASSERT_EQ(problems.count(), 1);
    const QString message = problems.at(0).at(0).toString();
    EXPECT_TRUE(message.startsWith(u"Could not save the message: The disk that holds "))
            << message.toStdString();
    EXPECT_TRUE(message.contains(u"is full. What was saved before is kept")) << message.toStdString();
    EXPECT_FALSE(session.isBusy());
    EXPECT_EQ(store.messages(conversation), before) << "nothing saved before is lost";

    // Room again: the same session (the same open store) answers and saves.
    ASSERT_TRUE(limitGrowth(false));
    ASSERT_TRUE(session.send(QStringLiteral("Saved after space was freed")));
    ASSERT_TRUE(waitUntilIdle());
    const QList<StoredMessage> after = store.messages(conversation);
    ASSERT_EQ(after.size(), 4);
    EXPECT_EQ(after.mid(0, 2), before);
    EXPECT_EQ(after.at(2).content, QStringLiteral("Saved after space was freed"));
    EXPECT_EQ(after.at(3).state, MessageState::Complete);
    EXPECT_FALSE(after.at(3).content.isEmpty());

    // And a fresh open of the file (the next start) finds all of it.
    store.close();
    ChatStore reopened(store.path());
    ASSERT_TRUE(stored(reopened.open()));
    EXPECT_EQ(reopened.messages(conversation), after);
}

// The history's disk turns read-only during a session. Linux refuses to remount a file system
// read-only while a file on it is open for writing ("mount point is busy"), and SQLite holds
// chats.sqlite open for as long as the store is open: so the store is closed, the disk remounted
// read-only, and the store opened again, as at the next start on that disk, with the same
// session and server. (Only the kernel itself turns a disk read-only under open files, after an
// I/O error.)
TEST(ChatSessionFaults, AReadOnlyDiskIsReportedClearlyLosesNothingAndTheAppAnswersAgainOnceWritable)
{
    TmpfsDisk disk;
    if (!disk.isMounted()) {
        // Not allowed to mount here: the same test in a user and mount namespace of its own,
        // where this process is root of both and may mount a tmpfs.
        if (qEnvironmentVariableIsSet(InMountNamespace))
            FAIL() << "mount in the new namespace: " << disk.error().toStdString();
        const std::string name = std::string(::testing::UnitTest::GetInstance()->current_test_suite()->name()) + '.'
                                 + ::testing::UnitTest::GetInstance()->current_test_info()->name();
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QString::fromLatin1(InMountNamespace), QStringLiteral("1"));
        child.setProcessEnvironment(env);
        child.setProcessChannelMode(QProcess::MergedChannels);
        child.start(QStringLiteral("unshare"),
                    {QStringLiteral("--user"), QStringLiteral("--map-root-user"), QStringLiteral("--mount"),
                     QCoreApplication::applicationFilePath(), QStringLiteral("--gtest_filter=") + QString::fromStdString(name)});
        if (!child.waitForStarted(10000))
            GTEST_SKIP() << "mount refused (" << disk.error().toStdString() << ") and no unshare to try in a namespace";
        ASSERT_TRUE(child.waitForFinished(120000));
        const QString output = QString::fromLocal8Bit(child.readAll());
        if (output.contains(u"unshare: "))
            GTEST_SKIP() << "mount refused (" << disk.error().toStdString()
                         << ") and no user namespace either: " << output.trimmed().toStdString();
        EXPECT_EQ(child.exitCode(), 0) << output.toStdString();
        return;
    }

    QTemporaryDir dir;
    TestSupport::TempXdg xdg;
    ChatStore store(disk.path() + QStringLiteral("/chats.sqlite"));
    ASSERT_TRUE(stored(store.open()));
    Settings settings(dir.filePath(QStringLiteral("llamadesk.ini")));
    ASSERT_FALSE(settings.set(Keys::ChatMaxTokens, 16));
    ChatClient client;
    ChatSession session(store, client, settings);
    ServerProcess server;
    ASSERT_TRUE(server.start({QStringLiteral("-m"), modelPath(QStringLiteral("tiny-llama.gguf"))}));
    ASSERT_TRUE(server.waitForReady());
    client.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.port())));
    const auto waitUntilIdle = [&] {
        return TestSupport::waitUntil([&] { return !session.isBusy(); }, std::chrono::seconds(20));
    };

    ASSERT_TRUE(session.send(QStringLiteral("Saved before the disk turned read-only")));
    ASSERT_TRUE(waitUntilIdle());
    const qint64 conversation = session.currentConversation();
    const QList<StoredMessage> before = store.messages(conversation);
    ASSERT_EQ(before.size(), 2);
    ASSERT_EQ(before.at(1).state, MessageState::Complete);

    store.close();
    QString mountOutput;
    ASSERT_TRUE(disk.setReadOnly(true, &mountOutput)) << mountOutput.toStdString();
    const StoreStatus reopened = store.open();
    ASSERT_FALSE(reopened) << "a WAL database cannot be opened on a read-only disk";
    const QString readOnly = store.path() + QStringLiteral(" cannot be written (read-only file or disk)");
    EXPECT_EQ(reopened.error().kind, StoreError::Kind::ReadOnly);
    EXPECT_TRUE(reopened.message().contains(readOnly)) << reopened.message().toStdString();

    // The next question is refused with the reason, not sent and then lost.
    QSignalSpy problems(&session, &ChatSession::problem);
    EXPECT_FALSE(session.send(QStringLiteral("Asked while the disk is read-only")));
    ASSERT_EQ(problems.count(), 1);
    const QString message = problems.at(0).at(0).toString();
    EXPECT_TRUE(message.startsWith(u"Could not save the message: The chat database ")) << message.toStdString();
    EXPECT_TRUE(message.contains(readOnly)) << message.toStdString();
    EXPECT_TRUE(message.contains(u"What was saved before is kept")) << message.toStdString();
    EXPECT_FALSE(session.isBusy());

    // Writable again: everything saved before is there, and the same session answers and saves.
    ASSERT_TRUE(disk.setReadOnly(false, &mountOutput)) << mountOutput.toStdString();
    ASSERT_TRUE(stored(store.open()));
    EXPECT_EQ(store.messages(conversation), before) << "nothing saved before is lost";
    ASSERT_TRUE(session.send(QStringLiteral("Saved once the disk was writable again")));
    ASSERT_TRUE(waitUntilIdle());
    const QList<StoredMessage> after = store.messages(conversation);
    ASSERT_EQ(after.size(), 4);
    EXPECT_EQ(after.mid(0, 2), before);
    EXPECT_EQ(after.at(2).content, QStringLiteral("Saved once the disk was writable again"));
    EXPECT_EQ(after.at(3).state, MessageState::Complete);
    EXPECT_FALSE(after.at(3).content.isEmpty());
}

// What a crash keeps is what the log says was saved: each partial save of a streaming answer is
// logged at debug level with the message's id, the stored length and a short hash, and the
// conversation never reaches the log (test_app_kill.cpp reads these lines after a SIGKILL).
TEST(ChatSessionFaults, EachPartialSaveIsLoggedWithLengthAndHashButNeverTheText)
{
    QTemporaryDir dir;
    TestSupport::TempXdg xdg;
    ChatStore store(dir.filePath(QStringLiteral("chats.sqlite")));
    ASSERT_TRUE(stored(store.open()));
    Settings settings(dir.filePath(QStringLiteral("llamadesk.ini")));
    ChatClient client;
    ChatSession session(store, client, settings);
    ServerProcess server;
    server.setEnv(QStringLiteral("FAKE_LLAMA_TOKENS_PER_SECOND"), QStringLiteral("100"));
    server.setEnv(QStringLiteral("FAKE_LLAMA_REPLY_TOKENS"), QStringLiteral("1000"));
    ASSERT_TRUE(server.start({QStringLiteral("-m"), modelPath(QStringLiteral("tiny-llama.gguf"))}));
    ASSERT_TRUE(server.waitForReady());
    client.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.port())));

    const auto previous = spdlog::default_logger();
    const auto lines = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
    auto logger = std::make_shared<spdlog::logger>("partial-saves", lines);
    logger->set_level(spdlog::level::debug);
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
    struct Restore
    {
        std::shared_ptr<spdlog::logger> logger;
        ~Restore() { spdlog::set_default_logger(logger); }
    } restore{previous};
    const QRegularExpression save(QStringLiteral(
            "^Chat: answer (\\d+) saved while streaming \\(save (\\d+)\\): (\\d+) characters, sha256 ([0-9a-f]{12}), 0 of reasoning$"));
    const auto saves = [&] {
        QList<QRegularExpressionMatch> found;
        for (const std::string &line : lines->last_formatted()) {
            const QRegularExpressionMatch m = save.match(QString::fromStdString(line).trimmed());
            if (m.hasMatch())
                found.append(m);
        }
        return found;
    };

    const QString question = QStringLiteral("A question nobody may read in the log");
    ASSERT_TRUE(session.send(question));
    ASSERT_TRUE(TestSupport::waitUntil([&] { return saves().size() >= 2; }, std::chrono::seconds(20)));
    session.stop();
    ASSERT_TRUE(TestSupport::waitUntil([&] { return !session.isBusy(); }, std::chrono::seconds(20)));

    const QList<QRegularExpressionMatch> logged = saves();
    const StoredMessage answer = store.messages(session.currentConversation()).constLast();
    ASSERT_FALSE(answer.content.isEmpty());
    for (qsizetype i = 0; i < logged.size(); ++i) {
        const QRegularExpressionMatch &m = logged.at(i);
        EXPECT_EQ(m.captured(1).toLongLong(), answer.id);
        EXPECT_EQ(m.captured(2).toInt(), i + 1);
        const int length = m.captured(3).toInt();
        ASSERT_LE(length, answer.content.size());
        EXPECT_EQ(QCryptographicHash::hash(answer.content.left(length).toUtf8(), QCryptographicHash::Sha256)
                          .toHex()
                          .left(12),
                  m.captured(4).toLatin1());
    }
    // Neither the question nor the answer is quoted anywhere, and a save line holds no word of it.
    const QString answerStart = answer.content.left(40);
    for (const std::string &line : lines->last_formatted()) {
        const QString text = QString::fromStdString(line);
        EXPECT_FALSE(text.contains(question)) << line;
        EXPECT_FALSE(text.contains(answerStart)) << line;
    }
    const QStringList words = QString(question + u' ' + answer.content).split(u' ', Qt::SkipEmptyParts);
    for (const QRegularExpressionMatch &m : logged) {
        for (const QString &word : words) {
            const QRegularExpression whole(QStringLiteral("\\b%1\\b").arg(QRegularExpression::escape(word)),
                                           QRegularExpression::CaseInsensitiveOption);
            if (word.size() > 3) {
                EXPECT_FALSE(m.captured(0).contains(whole))
                        << m.captured(0).toStdString() << " quotes '" << word.toStdString() << "'";
            }
        }
    }
}
