// ChatStore and its file: a killed writer, old and damaged databases, where the file lives.
#include "chatstoretesting.h"
#include "storeassert.h"
#include "storedattachments.h"
#include "core/media/audioclip.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>

#include <gtest/gtest.h>

#include <csignal>

using namespace Llamadesk;
using namespace Llamadesk::ChatStoreTesting;
using namespace Llamadesk::TestSupport;

namespace
{
// What chatstore_writer has written after its n-th update.
QString writerContent(int n)
{
    QString content;
    for (int i = 1; i <= n; ++i)
        content += QStringLiteral("Part %1 of the answer, long enough to fill a few pages. ").arg(i);
    return content;
}

// Reads the writer's stdout until a line starting with prefix arrives; returns the line.
QByteArray readLineStarting(QProcess &process, QByteArray &buffer, const QByteArray &prefix)
{
    QByteArray found;
    const bool arrived = waitUntil([&] {
        buffer += process.readAllStandardOutput();
        qsizetype newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
            const QByteArray line = buffer.left(newline);
            buffer.remove(0, newline + 1);
            if (line.startsWith(prefix)) {
                found = line;
                return true;
            }
        }
        return false;
    });
    EXPECT_TRUE(arrived) << "no " << prefix.constData()
                         << " line; stderr: " << process.readAllStandardError().constData();
    return found;
}
} // namespace

TEST(ChatStore, PartialAnswerSurvivesSigkillOfTheWritingProcess)
{
    QTemporaryDir dir;
    const QString path = dbIn(dir);
    QProcess writer;
    writer.start(QStringLiteral(LLAMADESK_CHATSTORE_WRITER),
                 {path, QStringLiteral("1000"), QStringLiteral("step")});
    ASSERT_TRUE(writer.waitForStarted());
    QByteArray out;
    const qint64 messageId = readLineStarting(writer, out, "MESSAGE ").mid(8).toLongLong();
    ASSERT_GT(messageId, 0);
    constexpr int Acknowledged = 40;
    for (int n = 1; n <= Acknowledged; ++n) {
        writer.write("next\n");
        ASSERT_EQ(readLineStarting(writer, out, "UPDATED "), QByteArray("UPDATED ") + QByteArray::number(n));
    }
    ::kill(static_cast<pid_t>(writer.processId()), SIGKILL);
    ASSERT_TRUE(writer.waitForFinished(5000));
    ASSERT_EQ(writer.exitStatus(), QProcess::CrashExit);
    EXPECT_TRUE(QFile::exists(path + QStringLiteral("-wal"))) << "killed with its WAL not checkpointed";

    ChatStore store(path);
    ASSERT_TRUE(stored(store.open()));
    EXPECT_TRUE(store.openNotice().isEmpty()) << store.openNotice().toStdString();
    EXPECT_EQ(store.recoverInterrupted().valueOr(-1), 1);
    const QList<ConversationSummary> conversations = store.conversations();
    ASSERT_EQ(conversations.size(), 1);
    const QList<StoredMessage> messages = store.messages(conversations.constFirst().id);
    ASSERT_EQ(messages.size(), 1);
    EXPECT_EQ(messages.constFirst().id, messageId);
    EXPECT_EQ(messages.constFirst().state, MessageState::Interrupted);
    EXPECT_EQ(messages.constFirst().content, writerContent(Acknowledged));
    EXPECT_EQ(messages.constFirst().predictedTokens, Acknowledged);
}

TEST(ChatStore, SigkillDuringFreeRunningUpdatesLosesNothingAcknowledged)
{
    QTemporaryDir dir;
    const QString path = dbIn(dir);
    QProcess writer;
    writer.start(QStringLiteral(LLAMADESK_CHATSTORE_WRITER),
                 {path, QStringLiteral("100000"), QStringLiteral("run")});
    ASSERT_TRUE(writer.waitForStarted());
    QByteArray out;
    const QByteArray line = readLineStarting(writer, out, "UPDATED 200");
    ASSERT_FALSE(line.isEmpty());
    ::kill(static_cast<pid_t>(writer.processId()), SIGKILL); // while it keeps writing
    ASSERT_TRUE(writer.waitForFinished(5000));
    out += writer.readAllStandardOutput();
    const int acknowledged = out.isEmpty() ? 200 : out.trimmed().split('\n').constLast().mid(8).toInt();

    ChatStore store(path);
    ASSERT_TRUE(stored(store.open()));
    EXPECT_TRUE(store.openNotice().isEmpty()) << store.openNotice().toStdString();
    EXPECT_EQ(store.recoverInterrupted().valueOr(-1), 1);
    const StoredMessage answer = store.messages(store.conversations().constFirst().id).constFirst();
    // The update in flight at the kill may or may not have been committed; nothing before it is lost.
    EXPECT_GE(answer.predictedTokens, acknowledged);
    EXPECT_LE(answer.predictedTokens, acknowledged + 1);
    EXPECT_EQ(answer.content, writerContent(answer.predictedTokens));
}

TEST(ChatStore, MigratesAVersion1DatabaseKeepingItsRows)
{
    QTemporaryDir dir;
    const QString path = dbIn(dir);
    {
        // What the first release wrote: no reasoning, state, error or search index.
        const RawDatabase v1(path);
        v1.exec(QStringLiteral(
                "CREATE TABLE conversations (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " title TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, updated INTEGER NOT NULL,"
                " system_prompt TEXT NOT NULL DEFAULT '', model TEXT NOT NULL DEFAULT '')"));
        v1.exec(QStringLiteral(
                "CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id INTEGER NOT NULL"
                " REFERENCES conversations(id) ON DELETE CASCADE, role TEXT NOT NULL, content TEXT NOT NULL DEFAULT '',"
                " attachments TEXT NOT NULL DEFAULT '', finish_reason TEXT NOT NULL DEFAULT '',"
                " prompt_tokens INTEGER NOT NULL DEFAULT 0, predicted_tokens INTEGER NOT NULL DEFAULT 0,"
                " tokens_per_second REAL NOT NULL DEFAULT 0, ttft_ms REAL NOT NULL DEFAULT 0,"
                " model TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL)"));
        v1.exec(QStringLiteral("CREATE INDEX messages_by_conversation ON messages(conversation_id, id)"));
        v1.exec(QStringLiteral(
                "INSERT INTO conversations VALUES (7, 'Pancakes', 1700000000000, 1700000005000, "
                "'You cook.', 'llama-3')"));
        v1.exec(QStringLiteral(
                "INSERT INTO messages VALUES (11, 7, 'user', 'How do I make fluffy pancakes?', '', '',"
                " 0, 0, 0, 0, '', 1700000001000)"));
        v1.exec(QStringLiteral(
                "INSERT INTO messages VALUES (12, 7, 'assistant', 'Separate the eggs and whisk.', '[]',"
                " 'stop', 20, 9, 31.5, 120.25, 'llama-3', 1700000002000)"));
        v1.exec(QStringLiteral("PRAGMA user_version = 1"));
    }
    ChatStore store(path);
    ASSERT_TRUE(stored(store.open()));
    EXPECT_TRUE(store.openNotice().isEmpty());
    EXPECT_EQ(RawDatabase(path).value(QStringLiteral("PRAGMA user_version")).toInt(),
              ChatStore::SchemaVersion);

    const std::optional<ConversationSummary> conversation = store.conversation(7);
    ASSERT_TRUE(conversation);
    EXPECT_EQ(conversation->title, QStringLiteral("Pancakes"));
    EXPECT_EQ(conversation->updated.toMSecsSinceEpoch(), 1700000005000);
    EXPECT_EQ(conversation->messageCount, 2);
    QList<StoredMessage> messages = store.messages(7);
    ASSERT_EQ(messages.size(), 2);
    EXPECT_EQ(messages.at(1).content, QStringLiteral("Separate the eggs and whisk."));
    EXPECT_EQ(messages.at(1).timeToFirstTokenMs, 120.25);
    for (const StoredMessage &m : messages) {
        EXPECT_EQ(m.state, MessageState::Complete);
        EXPECT_TRUE(m.reasoning.isEmpty());
    }

    StoredMessage updated = messages.at(1);
    updated.reasoning = QStringLiteral("eggs first");
    updated.reasoningMs = 800;
    updated.state = MessageState::Error;
    updated.error = QStringLiteral("boom");
    ASSERT_TRUE(store.updateMessage(updated));
    EXPECT_EQ(store.messages(7).at(1), updated);
    EXPECT_EQ(messageIds(store.search(QStringLiteral("fluffy"))), QList<qint64>{11});
    EXPECT_EQ(store.search(QStringLiteral("pancak")).size(), 2) << "the title and the question";
}

// tests/chat/data/chats-v2.sqlite was written by the schema-2 code (make-chats-v2.cpp.txt beside
// it): a new chat not yet asked anything (title "New chat"), a conversation its first question
// named, and one still called "New chat" with a question in it.
TEST(ChatStore, MigratesAVersion2DatabaseMadeByTheLastReleaseToUntitledFlags)
{
    QTemporaryDir dir;
    const QString path = dbIn(dir);
    ASSERT_TRUE(QFile::copy(QStringLiteral(LLAMADESK_SOURCE_DIR "/tests/chat/data/chats-v2.sqlite"), path));
    ASSERT_TRUE(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner));
    ChatStore store(path);
    ASSERT_TRUE(stored(store.open()));
    EXPECT_TRUE(store.openNotice().isEmpty());
    EXPECT_EQ(RawDatabase(path).value(QStringLiteral("PRAGMA user_version")).toInt(), ChatStore::SchemaVersion);

    const std::optional<ConversationSummary> fresh = store.conversation(1);
    ASSERT_TRUE(fresh);
    EXPECT_FALSE(fresh->titled) << "a new chat, known now by its flag";
    EXPECT_TRUE(fresh->title.isEmpty());
    const std::optional<ConversationSummary> asked = store.conversation(2);
    ASSERT_TRUE(asked);
    EXPECT_TRUE(asked->titled);
    EXPECT_EQ(asked->title, QStringLiteral("Rivers of Europe"));
    EXPECT_EQ(asked->systemPrompt, QStringLiteral("Be brief."));
    const std::optional<ConversationSummary> named = store.conversation(3);
    ASSERT_TRUE(named);
    EXPECT_TRUE(named->titled) << "it has a question: its title stays";
    EXPECT_EQ(named->title, QStringLiteral("New chat"));

    const QList<StoredMessage> messages = store.messages(2);
    ASSERT_EQ(messages.size(), 2);
    EXPECT_EQ(messages.at(0).content, QStringLiteral("Which is the longest river in Europe?"));
    EXPECT_EQ(messages.at(0).created.toMSecsSinceEpoch(), 1764806400000);
    EXPECT_EQ(messages.at(1).content, QStringLiteral("The **Volga**, about 3,530 km."));
    EXPECT_EQ(messages.at(1).model, QStringLiteral("tiny-llama"));
    EXPECT_EQ(messages.at(1).predictedTokens, 12);
    EXPECT_EQ(messages.at(1).tokensPerSecond, 1500.5);
    EXPECT_EQ(store.search(QStringLiteral("Volga")).size(), 1) << "the search index came along";

    // Renaming the untitled one marks it titled.
    ASSERT_TRUE(stored(store.renameConversation(1, QStringLiteral("Mine"))));
    EXPECT_TRUE(store.conversation(1)->titled);
}

// tests/chat/data/chats-v3.sqlite was written by the schema-3 code (make-chats-v3.cpp.txt beside
// it), which kept attachments as base64 JSON in each message's row: two images, the first of
// them asked about again under another name, a recording, a row whose JSON is damaged and one
// with an entry of a kind no version knows.
TEST(ChatStore, MigratesAVersion3DatabaseItsAttachmentsToOneCopyEach)
{
    const QByteArray red = QByteArray::fromBase64(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGO4rK8PAAMKATIBIgYIAAAAAElFTkSuQmCC");
    const QByteArray wide = QByteArray::fromBase64(
            "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAADUlEQVR4nGOQLLsERAAIPALDlAlE4gAAAABJRU5ErkJggg==");
    QList<qint16> samples;
    for (int i = 0; i < 4000; ++i)
        samples.append(static_cast<qint16>((i % 36) * 900 - 16000));
    const QByteArray wav = AudioClip::fromSamples(samples, 16000).toWav();

    QTemporaryDir dir;
    const QString path = dbIn(dir);
    ASSERT_TRUE(QFile::copy(QStringLiteral(LLAMADESK_SOURCE_DIR "/tests/chat/data/chats-v3.sqlite"), path));
    ASSERT_TRUE(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner));
    {
        ChatStore store(path);
        ASSERT_TRUE(stored(store.open()));
        EXPECT_TRUE(store.openNotice().isEmpty());

        const QList<StoredMessage> shots = store.messages(1);
        ASSERT_EQ(shots.size(), 3);
        EXPECT_EQ(withBytes(store, shots.at(0).attachments),
                  (QList<MessageAttachment>{
                          MessageAttachment::image(red, QStringLiteral("image/png"), 1, 1, QStringLiteral("Screenshot")),
                          MessageAttachment::image(wide, QStringLiteral("image/png"), 2, 1, QStringLiteral("wide.png"))}));
        EXPECT_EQ(shots.at(0).created.toMSecsSinceEpoch(), 1764892800000);
        EXPECT_TRUE(shots.at(1).attachments.isEmpty());
        EXPECT_EQ(withBytes(store, shots.at(2).attachments),
                  QList<MessageAttachment>{
                          MessageAttachment::image(red, QStringLiteral("image/png"), 1, 1, QStringLiteral("again.png"))})
                << "the same bytes, under the name this message gave them";
        EXPECT_EQ(shots.at(2).attachments.constFirst().sha256, shots.at(0).attachments.constFirst().sha256);
        EXPECT_EQ(shots.at(0).attachments.constFirst().size, red.size());

        const QList<StoredMessage> spoken = store.messages(2);
        ASSERT_EQ(spoken.size(), 1);
        EXPECT_EQ(withBytes(store, spoken.at(0).attachments),
                  QList<MessageAttachment>{MessageAttachment::audio(wav, 0.25, QStringLiteral("Spoken question"))});

        // What could not be read before cannot be now; the messages themselves stay.
        const QList<StoredMessage> odd = store.messages(3);
        ASSERT_EQ(odd.size(), 2);
        EXPECT_EQ(odd.at(0).content, QStringLiteral("broken"));
        EXPECT_TRUE(odd.at(0).attachments.isEmpty());
        EXPECT_EQ(odd.at(1).content, QStringLiteral("partly"));
        ASSERT_EQ(odd.at(1).attachments.size(), 1);
        EXPECT_EQ(odd.at(1).attachments.constFirst().sha256, shots.at(0).attachments.constFirst().sha256);
    }
    const RawDatabase raw(path);
    EXPECT_EQ(raw.value(QStringLiteral("PRAGMA user_version")).toInt(), 4);
    EXPECT_EQ(raw.value(QStringLiteral("SELECT COUNT(*) FROM attachments")).toInt(), 3) << "red, wide, the recording";
    EXPECT_EQ(raw.value(QStringLiteral("SELECT COUNT(*) FROM attachments WHERE kind = 'image'")).toInt(), 2);
    EXPECT_EQ(raw.value(QStringLiteral("SELECT COUNT(*) FROM message_attachments")).toInt(), 5);
    EXPECT_EQ(raw.value(QStringLiteral("SELECT COUNT(*) FROM pragma_table_info('messages') WHERE name = 'attachments'"))
                      .toInt(),
              0)
            << "the base64 column is gone";
}

TEST(ChatStore, NewerSchemaIsRefusedAndLeftInPlace)
{
    QTemporaryDir dir;
    const QString path = dbIn(dir);
    {
        const RawDatabase future(path);
        future.exec(QStringLiteral("CREATE TABLE t (x)"));
        future.exec(QStringLiteral("PRAGMA user_version = 99"));
    }
    ChatStore store(path);
    const StoreStatus opened = store.open();
    ASSERT_FALSE(opened);
    EXPECT_TRUE(opened.message().contains(u"newer")) << opened.message().toStdString();
    EXPECT_EQ(QDir(dir.path()).entryList({QStringLiteral("*.corrupt-*")}, QDir::Files).size(), 0);
}

TEST(ChatStore, DatabaseIsInWalMode)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    store.createConversation(QStringLiteral("WAL")).value();
    EXPECT_EQ(RawDatabase(store.path()).value(QStringLiteral("PRAGMA journal_mode")).toString(),
              QStringLiteral("wal"));
    EXPECT_TRUE(QFile::exists(store.path() + QStringLiteral("-wal")));
}

TEST(ChatStore, DefaultPathIsCreatedUnderTheAppDataFolder)
{
    const TempXdg xdg;
    const QString path = ChatStore::defaultPath();
    EXPECT_EQ(path, xdg.dataHome() + QStringLiteral("/llamadesk/chats.sqlite"));
    ChatStore store(path);
    ASSERT_TRUE(stored(store.open()));
    EXPECT_TRUE(QFile::exists(path));
}

TEST(ChatStore, FolderThatCannotBeCreatedFailsWithAReason)
{
    QTemporaryDir dir;
    QFile blocker(dir.filePath(QStringLiteral("blocker")));
    ASSERT_TRUE(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    ChatStore store(dir.filePath(QStringLiteral("blocker/sub/chats.sqlite")));
    const StoreStatus opened = store.open();
    EXPECT_FALSE(opened);
    EXPECT_FALSE(store.isOpen());
    EXPECT_TRUE(opened.message().contains(u"blocker/sub")) << opened.message().toStdString();
    const StoreResult<qint64> created = store.createConversation(QStringLiteral("x"));
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().kind, StoreError::Kind::NotOpen);
    EXPECT_TRUE(created.message().contains(u"blocker/sub")) << "says why it is not open";
}

namespace
{
// Checks the notice and the moved file after open() met a damaged file holding `damaged`.
void expectMovedAside(const ChatStore &store, const QTemporaryDir &dir, const QByteArray &damaged)
{
    const QStringList moved =
            QDir(dir.path()).entryList({QStringLiteral("chats.sqlite.corrupt-*[0-9]")}, QDir::Files);
    ASSERT_EQ(moved.size(), 1) << moved.join(u',').toStdString();
    EXPECT_TRUE(QRegularExpression(QStringLiteral("^chats\\.sqlite\\.corrupt-\\d{8}-\\d{6}$"))
                        .match(moved.at(0))
                        .hasMatch());
    const QString movedPath = dir.filePath(moved.at(0));
    EXPECT_EQ(readFile(movedPath), damaged) << "the damaged file is kept byte for byte";
    const QString notice = store.openNotice();
    EXPECT_TRUE(
            notice.startsWith(QStringLiteral("The chat database %1 could not be read (").arg(store.path())))
            << notice.toStdString();
    EXPECT_TRUE(notice.endsWith(
            QStringLiteral("so it was moved to %1 and a new, empty one was started.").arg(movedPath)))
            << notice.toStdString();
}
} // namespace

TEST(ChatStore, FileOfRandomBytesIsMovedAsideAndAFreshDatabaseStarted)
{
    QTemporaryDir dir;
    const QString path = dbIn(dir);
    QByteArray garbage(64 * 1024, '\0');
    QRandomGenerator generator(42);
    generator.fillRange(reinterpret_cast<quint32 *>(garbage.data()), garbage.size() / 4);
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write(garbage);
    file.close();
    QFile wal(path + QStringLiteral("-wal"));
    ASSERT_TRUE(wal.open(QIODevice::WriteOnly));
    wal.write(garbage.left(1000));
    wal.close();

    ChatStore store(path);
    ASSERT_TRUE(stored(store.open()));
    expectMovedAside(store, dir, garbage);
    // SQLite itself drops a WAL it cannot read when the connection closes; one it could read would
    // have been folded into the moved file first. Either way none of it reaches the new database.
    EXPECT_FALSE(readFile(path + QStringLiteral("-wal")).contains(garbage.left(1000)));
    EXPECT_TRUE(store.openNotice().contains(u"(file is not a database)")) << store.openNotice().toStdString();
    const qint64 id = store.createConversation(QStringLiteral("Fresh start")).value();
    EXPECT_GT(id, 0);
    EXPECT_TRUE(stored(store.addMessage(message(id, QStringLiteral("user"), QStringLiteral("hello again")))));
}

TEST(ChatStore, DatabaseWithADamagedPageIsMovedAsideAndAFreshDatabaseStarted)
{
    QTemporaryDir dir;
    const QString path = dbIn(dir);
    {
        ChatStore store(path);
        ASSERT_TRUE(store.open());
        const qint64 id = store.createConversation(QStringLiteral("About to be damaged")).value();
        for (int i = 0; i < 40; ++i)
            store.addMessage(
                    message(id, QStringLiteral("user"), QStringLiteral("filler text ").repeated(40))).value();
    } // closing the last connection checkpoints the WAL into the file
    ASSERT_FALSE(QFile::exists(path + QStringLiteral("-wal")));
    QByteArray bytes = readFile(path);
    constexpr int PageSize = 4096;
    ASSERT_GT(bytes.size(), 4 * PageSize);
    QRandomGenerator generator(7);
    for (int i = PageSize; i < 2 * PageSize; ++i) // page 2: the conversations table
        bytes[i] = static_cast<char>(generator.bounded(256));
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(bytes);
    file.close();

    {
        // open() does not read the whole file (the window would wait for it): the check runs on
        // a thread of its own and reports afterwards. The file stays in use for this run.
        ChatStore store(path);
        ASSERT_TRUE(stored(store.open()));
        EXPECT_TRUE(store.openNotice().isEmpty()) << store.openNotice().toStdString();
        QSignalSpy checked(&store, &ChatStore::integrityChecked);
        store.startIntegrityCheck();
        ASSERT_TRUE(checked.wait(30000));
        const QString problem = checked.at(0).at(0).toString();
        EXPECT_TRUE(problem.startsWith(QStringLiteral("The chat database %1 is damaged (").arg(path)))
                << problem.toStdString();
        EXPECT_TRUE(problem.contains(u"Nothing has been deleted")) << problem.toStdString();
        EXPECT_FALSE(problem.contains(u'\n'));
        EXPECT_TRUE(QFile::exists(path + QStringLiteral(".damaged")));
        EXPECT_TRUE(QFile::exists(path)) << "still in use until the next start";
    }
    // The next start moves it aside, byte for byte, and starts afresh.
    ChatStore store(path);
    ASSERT_TRUE(stored(store.open()));
    expectMovedAside(store, dir, bytes);
    EXPECT_TRUE(store.openNotice().contains(u"(the integrity check found damage: "))
            << store.openNotice().toStdString();
    EXPECT_FALSE(store.openNotice().contains(u'\n'));
    EXPECT_FALSE(QFile::exists(path + QStringLiteral(".damaged")));
    EXPECT_TRUE(store.conversations().isEmpty());
    EXPECT_TRUE(stored(store.createConversation(QStringLiteral("Fresh start"))));
}

TEST(ChatStore, IntegrityCheckOfASoundFileReportsNothing)
{
    QTemporaryDir dir;
    const QString path = dbIn(dir);
    ChatStore store(path);
    ASSERT_TRUE(stored(store.open()));
    ASSERT_TRUE(stored(store.createConversation(QStringLiteral("Sound"))));
    QSignalSpy checked(&store, &ChatStore::integrityChecked);
    store.startIntegrityCheck();
    ASSERT_TRUE(checked.wait(30000));
    EXPECT_EQ(checked.at(0).at(0).toString(), QString());
    EXPECT_FALSE(QFile::exists(path + QStringLiteral(".damaged")));
    // The store keeps working while and after the check ran.
    EXPECT_TRUE(stored(store.createConversation(QStringLiteral("After the check"))));
    EXPECT_EQ(store.conversations().size(), 2);
}

TEST(ChatStore, DestroyingTheStoreWhileItsCheckRunsIsSafe)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    store.startIntegrityCheck();
} // the destructor waits for the checker thread
