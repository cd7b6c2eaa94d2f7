// ChatStore's API: what goes in comes back, in the documented order, and search finds it.
#include "chat/chatstoresql.h"
#include "chatstoretesting.h"

#include <QElapsedTimer>
#include <QSignalSpy>

#include <gtest/gtest.h>

#include <cstdio>

using namespace Llamadesk;
using namespace Llamadesk::ChatStoreTesting;

TEST(ChatStore, ConversationsRoundTripEveryField)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open()) << store.lastError().toStdString();
    const QDateTime before = QDateTime::currentDateTimeUtc();
    const qint64 id =
            store.createConversation(QStringLiteral("Ünïcode 🦙 title"),
                                     QStringLiteral("Be brief.\nAlways."), QStringLiteral("qwen2.5-0.5b"));
    ASSERT_GT(id, 0);
    const std::optional<ConversationSummary> c = store.conversation(id);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->id, id);
    EXPECT_EQ(c->title, QStringLiteral("Ünïcode 🦙 title"));
    EXPECT_EQ(c->systemPrompt, QStringLiteral("Be brief.\nAlways."));
    EXPECT_EQ(c->model, QStringLiteral("qwen2.5-0.5b"));
    EXPECT_EQ(c->messageCount, 0);
    EXPECT_EQ(c->created.timeSpec(), Qt::UTC);
    EXPECT_GE(c->created, before.addMSecs(-1));
    EXPECT_LE(c->created, QDateTime::currentDateTimeUtc().addMSecs(1));
    EXPECT_EQ(c->updated, c->created);
    ASSERT_EQ(store.conversations().size(), 1);
    EXPECT_EQ(store.conversations().constFirst(), *c);
}

TEST(ChatStore, MessagesRoundTripEveryField)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    const qint64 conversation = store.createConversation(QStringLiteral("Round trip"));
    QList<StoredMessage> written;
    for (const MessageState state :
         {MessageState::Complete, MessageState::Streaming, MessageState::Interrupted, MessageState::Error}) {
        StoredMessage m;
        m.conversationId = conversation;
        m.role = Role::Assistant;
        m.content = QStringLiteral("Line one\nLine \"two\" with 'quotes', 100% _under_ \\ and 🦙\t%1")
                            .arg(written.size());
        m.reasoning = QStringLiteral("First I think…");
        m.attachments = QStringLiteral(R"([{"type":"image","mime":"image/png","path":"/tmp/a.png"}])");
        m.finishReason = QStringLiteral("length");
        m.state = state;
        m.error = QStringLiteral("HTTP 500: the server said no");
        m.promptTokens = 1234;
        m.predictedTokens = 567;
        m.tokensPerSecond = 42.125;
        m.timeToFirstTokenMs = 187.5;
        m.reasoningMs = 3210.25;
        m.model = QStringLiteral("gemma-3-4b");
        m.created = QDateTime(QDate(2024, 2, 29), QTime(23, 59, 58, 123), Qt::UTC).addMSecs(written.size());
        m.id = store.addMessage(m);
        ASSERT_GT(m.id, 0) << store.lastError().toStdString();
        written.append(m);
    }
    const QList<StoredMessage> read = store.messages(conversation);
    EXPECT_EQ(read, written);
    ASSERT_EQ(read.size(), 4);
    EXPECT_EQ(read.at(3).created.toMSecsSinceEpoch(), written.at(3).created.toMSecsSinceEpoch());
    EXPECT_EQ(read.at(3).created.timeSpec(), Qt::UTC);
}

TEST(ChatStore, EmptyFieldsAndAMissingTimeAreAccepted)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    const qint64 conversation = store.createConversation(QString());
    ASSERT_GT(conversation, 0) << store.lastError().toStdString();
    StoredMessage m;
    m.conversationId = conversation;
    m.id = store.addMessage(m);
    ASSERT_GT(m.id, 0) << store.lastError().toStdString();
    const QList<StoredMessage> read = store.messages(conversation);
    ASSERT_EQ(read.size(), 1);
    EXPECT_TRUE(read.constFirst().content.isEmpty());
    EXPECT_TRUE(read.constFirst().created.isValid()) << "a message without a time is stamped now";
}

TEST(ChatStore, ConversationsComeNewestUpdatedFirstWithMessageCounts)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    const qint64 a = store.createConversation(QStringLiteral("A"));
    const qint64 b = store.createConversation(QStringLiteral("B"));
    const qint64 c = store.createConversation(QStringLiteral("C"));
    EXPECT_EQ(ids(store.conversations()), (QList<qint64>{c, b, a}));

    store.addMessage(message(a, QStringLiteral("user"), QStringLiteral("one")));
    store.addMessage(message(a, QStringLiteral("assistant"), QStringLiteral("two")));
    EXPECT_EQ(ids(store.conversations()), (QList<qint64>{a, c, b}));
    EXPECT_EQ(store.conversations().constFirst().messageCount, 2);
    EXPECT_GT(store.conversation(a)->updated, store.conversation(a)->created);

    StoredMessage inB = message(b, QStringLiteral("assistant"), QString(), MessageState::Streaming);
    inB.id = store.addMessage(inB);
    inB.content = QStringLiteral("streamed");
    ASSERT_TRUE(store.updateMessage(inB));
    EXPECT_EQ(ids(store.conversations()), (QList<qint64>{b, a, c}));
}

TEST(ChatStore, MessagesComeInTheOrderTheyWereAdded)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    const qint64 conversation = store.createConversation(QStringLiteral("Order"));
    QList<qint64> added;
    for (int i = 0; i < 5; ++i)
        added.append(store.addMessage(message(conversation, QStringLiteral("user"), QString::number(i))));
    EXPECT_EQ(ids(store.messages(conversation)), added);
}

TEST(ChatStore, RenameAndSystemPromptAreStoredAndAnnounced)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    const qint64 id = store.createConversation(QStringLiteral("Old"));
    QSignalSpy changed(&store, &ChatStore::conversationsChanged);
    ASSERT_TRUE(store.renameConversation(id, QStringLiteral("New")));
    ASSERT_TRUE(store.setSystemPrompt(id, QStringLiteral("You are terse.")));
    EXPECT_EQ(store.conversation(id)->title, QStringLiteral("New"));
    EXPECT_EQ(store.conversation(id)->systemPrompt, QStringLiteral("You are terse."));
    EXPECT_EQ(changed.count(), 2);
}

TEST(ChatStore, ChangingAMissingConversationFailsWithAReason)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    EXPECT_FALSE(store.renameConversation(999, QStringLiteral("x")));
    EXPECT_TRUE(store.lastError().contains(u"999")) << store.lastError().toStdString();
    EXPECT_FALSE(store.deleteConversation(999));
    EXPECT_FALSE(store.conversation(999).has_value());
    EXPECT_EQ(store.addMessage(message(999, QStringLiteral("user"), QStringLiteral("orphan"))), 0);
    EXPECT_TRUE(store.lastError().contains(u"FOREIGN KEY")) << store.lastError().toStdString();
}

TEST(ChatStore, DeletingAConversationDeletesItsMessages)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    const qint64 doomed = store.createConversation(QStringLiteral("Doomed"));
    const qint64 kept = store.createConversation(QStringLiteral("Kept"));
    store.addMessage(message(doomed, QStringLiteral("user"), QStringLiteral("gone soon")));
    store.addMessage(message(kept, QStringLiteral("user"), QStringLiteral("still here")));
    ASSERT_TRUE(store.deleteConversation(doomed));
    EXPECT_EQ(ids(store.conversations()), QList<qint64>{kept});
    EXPECT_EQ(store.messages(kept).size(), 1);
    const RawDatabase raw(store.path());
    EXPECT_EQ(
            raw.value(QStringLiteral("SELECT COUNT(*) FROM messages WHERE conversation_id = %1").arg(doomed))
                    .toInt(),
            0);
    EXPECT_TRUE(store.search(QStringLiteral("gone")).isEmpty()) << "the search index follows the cascade";
}

TEST(ChatStore, DeleteMessagesFromRemovesThatMessageAndEveryLaterOne)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    const qint64 edited = store.createConversation(QStringLiteral("Edited"));
    const qint64 other = store.createConversation(QStringLiteral("Other"));
    QList<qint64> mine;
    QList<qint64> theirs;
    for (int i = 0; i < 4; ++i) { // interleaved ids: the other conversation's later messages stay
        mine.append(store.addMessage(message(edited, QStringLiteral("user"), QString::number(i))));
        theirs.append(store.addMessage(message(other, QStringLiteral("user"), QString::number(i))));
    }
    ASSERT_TRUE(store.deleteMessagesFrom(edited, mine.at(1)));
    EXPECT_EQ(ids(store.messages(edited)), QList<qint64>{mine.at(0)});
    EXPECT_EQ(ids(store.messages(other)), theirs);
    EXPECT_EQ(store.conversation(edited)->messageCount, 1);
}

TEST(ChatStore, DeleteMessagesFromRefusesAMessageOfAnotherConversation)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    const qint64 a = store.createConversation(QStringLiteral("A"));
    const qint64 b = store.createConversation(QStringLiteral("B"));
    const qint64 inA = store.addMessage(message(a, QStringLiteral("user"), QStringLiteral("a")));
    store.addMessage(message(b, QStringLiteral("user"), QStringLiteral("b")));
    EXPECT_FALSE(store.deleteMessagesFrom(b, inA));
    EXPECT_FALSE(store.lastError().isEmpty());
    EXPECT_EQ(store.messages(a).size(), 1);
    EXPECT_EQ(store.messages(b).size(), 1);
}

TEST(ChatStore, UpdateMessageRewritesTheStoredAnswer)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    const qint64 conversation = store.createConversation(QStringLiteral("Update"));
    StoredMessage answer =
            message(conversation, QStringLiteral("assistant"), QString(), MessageState::Streaming);
    answer.created = QDateTime(QDate(2025, 1, 2), QTime(3, 4, 5, 678), Qt::UTC);
    answer.id = store.addMessage(answer);
    answer.content = QStringLiteral("Partial");
    ASSERT_TRUE(store.updateMessage(answer));
    EXPECT_EQ(store.messages(conversation).constFirst(), answer);

    answer.content = QStringLiteral("Partial, then whole.");
    answer.reasoning = QStringLiteral("thought");
    answer.state = MessageState::Complete;
    answer.finishReason = QStringLiteral("stop");
    answer.predictedTokens = 7;
    answer.tokensPerSecond = 12.5;
    ASSERT_TRUE(store.updateMessage(answer));
    EXPECT_EQ(store.messages(conversation), QList<StoredMessage>{answer});

    StoredMessage missing = answer;
    missing.id = 4242;
    EXPECT_FALSE(store.updateMessage(missing));
    EXPECT_TRUE(store.lastError().contains(u"4242"));
}

TEST(ChatStore, StreamingUpdatesAreCheap)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    StoredMessage answer = message(store.createConversation(QStringLiteral("Timing")),
                                   QStringLiteral("assistant"), QString(), MessageState::Streaming);
    answer.id = store.addMessage(answer);
    constexpr int Updates = 300;
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < Updates; ++i) {
        answer.content += QStringLiteral("token %1 ").arg(i).repeated(4); // ~12 KB by the end
        ASSERT_TRUE(store.updateMessage(answer));
    }
    const double perUpdateUs = static_cast<double>(timer.nsecsElapsed()) / 1000.0 / Updates;
    RecordProperty("update_message_us", QString::number(perUpdateUs, 'f', 1).toStdString());
    std::printf("updateMessage: %.1f us per call (%d calls, content up to %lld chars)\n", perUpdateUs,
                Updates, static_cast<long long>(answer.content.size()));
    EXPECT_LT(perUpdateUs, 20'000.0) << "one streaming update must stay far below the 500 ms between updates";
}

TEST(ChatStore, RecoverInterruptedMarksOnlyStreamingMessages)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    const qint64 conversation = store.createConversation(QStringLiteral("Recover"));
    const qint64 streaming =
            store.addMessage(message(conversation, QStringLiteral("assistant"), QStringLiteral("half an ans"),
                                     MessageState::Streaming));
    store.addMessage(message(conversation, QStringLiteral("assistant"), QStringLiteral("done")));
    store.addMessage(message(conversation, QStringLiteral("assistant"), QString(), MessageState::Error));
    EXPECT_EQ(store.recoverInterrupted(), 1);
    EXPECT_EQ(store.recoverInterrupted(), 0);
    const QList<StoredMessage> read = store.messages(conversation);
    EXPECT_EQ(read.at(0).id, streaming);
    EXPECT_EQ(read.at(0).state, MessageState::Interrupted);
    EXPECT_EQ(read.at(0).content, QStringLiteral("half an ans"));
    EXPECT_EQ(read.at(1).state, MessageState::Complete);
    EXPECT_EQ(read.at(2).state, MessageState::Error);
}

TEST(ChatStore, SearchFindsPrefixesNewestFirstWithTheConversationTitle)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    ASSERT_TRUE(store.hasFullTextSearch()) << "Debian 12's SQLite has FTS5";
    const qint64 cooking = store.createConversation(QStringLiteral("Cooking"));
    const qint64 older =
            store.addMessage(message(cooking, QStringLiteral("user"), QStringLiteral("Bake the bread")));
    const qint64 newer =
            store.addMessage(message(cooking, QStringLiteral("assistant"),
                                     QStringLiteral("Bakers knead the dough, then let it rest.")));
    store.addMessage(message(cooking, QStringLiteral("user"), QStringLiteral("Something else entirely")));

    const QList<SearchHit> hits = store.search(QStringLiteral("bak"));
    EXPECT_EQ(messageIds(hits), (QList<qint64>{newer, older}));
    ASSERT_FALSE(hits.isEmpty());
    EXPECT_EQ(hits.at(0).conversationId, cooking);
    EXPECT_EQ(hits.at(0).conversationTitle, QStringLiteral("Cooking"));
    EXPECT_TRUE(hits.at(0).snippet.contains(u"knead")) << hits.at(0).snippet.toStdString();
    EXPECT_EQ(messageIds(store.search(QStringLiteral("BAKE dough"))), QList<qint64>{newer})
            << "every word must match";
    EXPECT_TRUE(store.search(QStringLiteral("croissant")).isEmpty());
    EXPECT_TRUE(store.search(QStringLiteral("   ")).isEmpty());
}

TEST(ChatStore, SearchMatchesConversationTitles)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    const qint64 id = store.createConversation(QStringLiteral("Holiday plans"));
    const QList<SearchHit> hits = store.search(QStringLiteral("holi"));
    ASSERT_EQ(hits.size(), 1);
    EXPECT_EQ(hits.at(0).conversationId, id);
    EXPECT_EQ(hits.at(0).messageId, 0);
    ASSERT_TRUE(store.renameConversation(id, QStringLiteral("Work")));
    EXPECT_TRUE(store.search(QStringLiteral("holi")).isEmpty());
    EXPECT_EQ(store.search(QStringLiteral("work")).size(), 1);
}

TEST(ChatStore, SearchTakesQuotesAndOperatorsAsPlainWords)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    const qint64 id = store.createConversation(QStringLiteral("Syntax"));
    const qint64 quoted =
            store.addMessage(message(id, QStringLiteral("user"),
                                     QStringLiteral("She said \"NOT now\" OR later (content: x*y) don't")));
    for (const QString &query :
         {QStringLiteral("\"not"), QStringLiteral("said\""), QStringLiteral("NOT"), QStringLiteral("OR"),
          QStringLiteral("content:"), QStringLiteral("x*y"), QStringLiteral("(content"),
          QStringLiteral("don't"), QStringLiteral("said !!"), QStringLiteral("\"NOT now\"")}) {
        const QList<SearchHit> hits = store.search(query);
        EXPECT_EQ(messageIds(hits), QList<qint64>{quoted})
                << query.toStdString() << ": " << store.lastError().toStdString();
    }
    EXPECT_TRUE(store.search(QStringLiteral("\" * ( ) : ^")).isEmpty());
    EXPECT_TRUE(store.search(QStringLiteral("NEAR(said later)")).isEmpty())
            << "no operators: NEAR is a word here";
}

TEST(ChatStore, StreamingAnswerIsSearchableOnceItStops)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    StoredMessage answer =
            message(store.createConversation(QStringLiteral("Live")), QStringLiteral("assistant"),
                    QStringLiteral("Photosynthesis turns"), MessageState::Streaming);
    answer.id = store.addMessage(answer);
    answer.content = QStringLiteral("Photosynthesis turns light into sugar");
    ASSERT_TRUE(store.updateMessage(answer));
    EXPECT_TRUE(store.search(QStringLiteral("photo")).isEmpty());
    answer.state = MessageState::Complete;
    ASSERT_TRUE(store.updateMessage(answer));
    EXPECT_EQ(messageIds(store.search(QStringLiteral("sugar"))), QList<qint64>{answer.id});
    answer.content = QStringLiteral("Edited: chlorophyll");
    ASSERT_TRUE(store.updateMessage(answer));
    EXPECT_TRUE(store.search(QStringLiteral("sugar")).isEmpty());
    EXPECT_EQ(messageIds(store.search(QStringLiteral("chloro"))), QList<qint64>{answer.id});
}

TEST(ChatStore, LikeFallbackEscapesWildcards)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    store.setFullTextSearchEnabled(false);
    ASSERT_TRUE(store.open());
    const qint64 id = store.createConversation(QStringLiteral("Sale"));
    const qint64 percent =
            store.addMessage(message(id, QStringLiteral("user"), QStringLiteral("Everything 50% off")));
    const qint64 plain =
            store.addMessage(message(id, QStringLiteral("user"), QStringLiteral("Only 500 items, a_b")));
    const qint64 slash =
            store.addMessage(message(id, QStringLiteral("user"), QStringLiteral("C:\\path\\file")));
    EXPECT_EQ(messageIds(store.search(QStringLiteral("50%"))), QList<qint64>{percent});
    EXPECT_EQ(messageIds(store.search(QStringLiteral("a_b"))), QList<qint64>{plain});
    EXPECT_EQ(messageIds(store.search(QStringLiteral("\\path"))), QList<qint64>{slash});
    EXPECT_EQ(messageIds(store.search(QStringLiteral("only items"))), QList<qint64>{plain});
    EXPECT_EQ(messageIds(store.search(QStringLiteral("0"))), (QList<qint64>{plain, percent}))
            << "newest first";
    EXPECT_TRUE(store.search(QStringLiteral("5_%")).isEmpty());
    const QList<SearchHit> title = store.search(QStringLiteral("sal"));
    ASSERT_EQ(title.size(), 1);
    EXPECT_EQ(title.at(0).messageId, 0);
}

TEST(ChatStore, TwoStoresOnDifferentFilesWorkAtOnce)
{
    QTemporaryDir dir;
    ChatStore first(dbIn(dir, QStringLiteral("first.sqlite")));
    ChatStore second(dbIn(dir, QStringLiteral("second.sqlite")));
    ASSERT_TRUE(first.open());
    ASSERT_TRUE(second.open());
    const qint64 a = first.createConversation(QStringLiteral("In the first"));
    second.createConversation(QStringLiteral("In the second"));
    second.createConversation(QStringLiteral("Also in the second"));
    first.addMessage(message(a, QStringLiteral("user"), QStringLiteral("only here")));
    EXPECT_EQ(first.conversations().size(), 1);
    EXPECT_EQ(second.conversations().size(), 2);
    EXPECT_EQ(first.search(QStringLiteral("only")).size(), 1);
    EXPECT_TRUE(second.search(QStringLiteral("only")).isEmpty());
    first.close();
    EXPECT_FALSE(first.isOpen());
    EXPECT_TRUE(second.isOpen());
    EXPECT_EQ(second.conversations().size(), 2);
}

TEST(ChatStoreSql, FtsQueryQuotesEveryWordAsAPrefixAndAndsThem)
{
    EXPECT_EQ(ChatStoreSql::ftsQuery({QStringLiteral("bake"), QStringLiteral("say\"hi\"")}),
              QStringLiteral("\"bake\"* AND \"say\"\"hi\"\"\"*"));
    EXPECT_EQ(ChatStoreSql::ftsQuery({QStringLiteral("!!"), QStringLiteral("*")}), QString());
}

TEST(ChatStoreSql, LikePatternTakesWildcardsLiterally)
{
    EXPECT_EQ(ChatStoreSql::likePattern(QStringLiteral("5%_\\")), QStringLiteral("%5\\%\\_\\\\%"));
}

TEST(ChatStoreSql, StateNamesRoundTripAndUnknownReadsAsComplete)
{
    for (const MessageState state :
         {MessageState::Complete, MessageState::Streaming, MessageState::Interrupted, MessageState::Error})
        EXPECT_EQ(ChatStoreSql::stateFromName(ChatStoreSql::stateName(state)), state);
    EXPECT_EQ(ChatStoreSql::stateFromName(QStringLiteral("from-the-future")), MessageState::Complete);
}

// Older versions stored the model as llama-server named it: its path. Such answers show the
// file name; the path stays in the file untouched.
TEST(ChatStore, AnAnswerStoredWithAModelPathReadsBackWithTheFileName)
{
    QTemporaryDir dir;
    ChatStore store(dbIn(dir));
    ASSERT_TRUE(store.open());
    const qint64 conversation =
            store.createConversation(QStringLiteral("Old"), QString(), QStringLiteral("/models/old-model.gguf"));
    StoredMessage m = message(conversation, QStringLiteral("assistant"), QStringLiteral("an old answer"));
    m.model = QStringLiteral("/home/ada/models/Qwen3-8B-Q4_K_M.gguf");
    ASSERT_GT(store.addMessage(m), 0);
    RawDatabase raw(dbIn(dir));
    EXPECT_EQ(raw.value(QStringLiteral("SELECT model FROM messages")).toString(), m.model);

    const QList<StoredMessage> read = store.messages(conversation);
    ASSERT_EQ(read.size(), 1);
    EXPECT_EQ(read.constFirst().model, QStringLiteral("Qwen3-8B-Q4_K_M"));
    EXPECT_EQ(store.conversation(conversation)->model, QStringLiteral("old-model"));
}

// Issue 14, section 4: roles are an enum everywhere but in the file and on the wire.
TEST(ChatRole, NamesRoundTripAndAnUnknownNameIsNoRole)
{
    for (const Role role : {Role::System, Role::User, Role::Assistant})
        EXPECT_EQ(roleFromName(roleName(role)), role);
    EXPECT_EQ(roleName(Role::Assistant), QStringLiteral("assistant"));
    EXPECT_EQ(roleFromName(u"tool"), std::nullopt);
    EXPECT_EQ(roleFromName(u"User"), std::nullopt) << "the stored spelling is lower case";
}
