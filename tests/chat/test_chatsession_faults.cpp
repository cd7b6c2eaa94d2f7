// ChatSession when the history database's disk is full (issue 13, section 4): a clear message,
// nothing saved before is lost, and once there is room again the app answers and saves as before.
// The full disk is SQLite's PRAGMA max_page_count on the store's own connection: the file may not
// grow, exactly as when the disk has no free block left (SQLITE_FULL either way).
#include "chat/chatsession.h"
#include "servertestkit.h"
#include "settingkeys.h"
#include "settings.h"
#include "testsupport.h"

#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <gtest/gtest.h>

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
} // namespace

TEST(ChatSessionFaults, AFullDiskIsReportedClearlyLosesNothingAndTheAppAnswersAgainOnceThereIsRoom)
{
    QTemporaryDir dir;
    TestSupport::TempXdg xdg;
    ChatStore store(dir.filePath(QStringLiteral("chats.sqlite")));
    ASSERT_TRUE(store.open()) << store.lastError().toStdString();
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
    EXPECT_TRUE(message.startsWith(u"Could not save the message: Could not add the message: the disk that holds "))
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
    ASSERT_TRUE(reopened.open()) << reopened.lastError().toStdString();
    EXPECT_EQ(reopened.messages(conversation), after);
}
