// ChatSession: the user's message, the streamed answer in the store, stop, regenerate, edit.
#include "chat/chatsession.h"
#include "servertestkit.h"
#include "settingkeys.h"
#include "settings.h"
#include "testsupport.h"

#include <QSignalSpy>
#include <QTemporaryDir>

#include <gtest/gtest.h>

using namespace Llamadesk;
using namespace Llamadesk::ServerTest;

namespace
{
class ChatSessionTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_store = std::make_unique<ChatStore>(m_dir.filePath(QStringLiteral("chats.sqlite")));
        ASSERT_TRUE(m_store->open()) << m_store->lastError().toStdString();
        m_settings = std::make_unique<Settings>(m_dir.filePath(QStringLiteral("llamadesk.ini")));
        ASSERT_FALSE(m_settings->set(Keys::ChatMaxTokens, 16));
        ASSERT_FALSE(m_settings->set(Keys::ChatSystemPrompt, QStringLiteral("Be brief.")));
        m_session = std::make_unique<ChatSession>(*m_store, m_client, *m_settings);
    }

    void startServer(const QStringList &env = {})
    {
        for (const QString &entry : env)
            m_server.setEnv(entry.section(u'=', 0, 0), entry.section(u'=', 1));
        ASSERT_TRUE(m_server.start({QStringLiteral("-m"), modelPath(QStringLiteral("tiny-llama.gguf"))}));
        ASSERT_TRUE(m_server.waitForReady());
        m_client.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.port())));
    }

    bool waitUntilIdle()
    {
        return TestSupport::waitUntil([&] { return !m_session->isBusy(); }, std::chrono::seconds(20));
    }

    QTemporaryDir m_dir;
    TestSupport::TempXdg m_xdg;
    ServerProcess m_server;
    ChatClient m_client;
    std::unique_ptr<ChatStore> m_store;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<ChatSession> m_session;
};
} // namespace

TEST_F(ChatSessionTest, AQuestionAndItsStreamedAnswerAreStored)
{
    startServer();
    QSignalSpy updates(m_session.get(), &ChatSession::messageUpdated);
    ASSERT_TRUE(m_session->send(QStringLiteral("What is a llama?")));
    EXPECT_TRUE(m_session->isBusy());
    ASSERT_TRUE(waitUntilIdle());

    const QList<StoredMessage> stored = m_store->messages(m_session->currentConversation());
    ASSERT_EQ(stored.size(), 2);
    EXPECT_EQ(stored.at(0).role, QStringLiteral("user"));
    EXPECT_EQ(stored.at(0).content, QStringLiteral("What is a llama?"));
    EXPECT_EQ(stored.at(1).role, QStringLiteral("assistant"));
    EXPECT_FALSE(stored.at(1).content.isEmpty());
    EXPECT_EQ(stored.at(1).state, MessageState::Complete);
    EXPECT_EQ(stored.at(1).finishReason, QStringLiteral("length"));
    EXPECT_EQ(stored.at(1).predictedTokens, 16);
    EXPECT_GT(stored.at(1).tokensPerSecond, 0);
    EXPECT_GT(stored.at(1).timeToFirstTokenMs, 0);
    EXPECT_EQ(stored.at(1).model, QStringLiteral("tiny-llama.gguf"));
    EXPECT_GE(updates.count(), 2);
    EXPECT_EQ(m_store->conversation(m_session->currentConversation())->title, QStringLiteral("What is a llama?"));
}

TEST_F(ChatSessionTest, TheRequestCarriesSystemPromptHistoryAndSampling)
{
    startServer();
    ASSERT_TRUE(m_session->send(QStringLiteral("First question")));
    ASSERT_TRUE(waitUntilIdle());
    const ChatRequest request = m_session->buildRequest();
    ASSERT_EQ(request.messages.size(), 3);
    EXPECT_EQ(request.messages.at(0), ChatMessage::system(QStringLiteral("Be brief.")));
    EXPECT_EQ(request.messages.at(1), ChatMessage::user(QStringLiteral("First question")));
    EXPECT_EQ(request.messages.at(2).role, QStringLiteral("assistant"));
    EXPECT_EQ(request.sampling.maxTokens, 16);
    EXPECT_DOUBLE_EQ(*request.sampling.temperature, 0.8);
    EXPECT_TRUE(request.stream);
}

TEST_F(ChatSessionTest, ThePartialAnswerIsSavedWhileItStreams)
{
    if (testingRealServer())
        GTEST_SKIP() << "paces the fake server";
    startServer({QStringLiteral("FAKE_LLAMA_TOKENS_PER_SECOND=20")});
    ASSERT_FALSE(m_settings->set(Keys::ChatMaxTokens, 60));
    ASSERT_TRUE(m_session->send(QStringLiteral("Tell me a long story")));
    // Read the database while the answer is still arriving: what the disk holds is at most
    // half a second behind.
    const bool partialOnDisk = TestSupport::waitUntil([&] {
        const QList<StoredMessage> stored = m_store->messages(m_session->currentConversation());
        return stored.size() == 2 && stored.at(1).state == MessageState::Streaming && !stored.at(1).content.isEmpty();
    }, std::chrono::seconds(5));
    EXPECT_TRUE(partialOnDisk);
    EXPECT_TRUE(m_session->isBusy());
    m_session->stop();
    ASSERT_TRUE(waitUntilIdle());
}

TEST_F(ChatSessionTest, StopKeepsThePartialAnswerAsInterrupted)
{
    if (testingRealServer())
        GTEST_SKIP() << "paces the fake server";
    startServer({QStringLiteral("FAKE_LLAMA_TOKENS_PER_SECOND=30")});
    ASSERT_FALSE(m_settings->set(Keys::ChatMaxTokens, 200));
    QSignalSpy updates(m_session.get(), &ChatSession::messageUpdated);
    ASSERT_TRUE(m_session->send(QStringLiteral("Go on and on")));
    ASSERT_TRUE(updates.wait(5000));
    m_session->stop();
    ASSERT_TRUE(waitUntilIdle());
    const StoredMessage answer = m_store->messages(m_session->currentConversation()).constLast();
    EXPECT_EQ(answer.state, MessageState::Interrupted);
    EXPECT_FALSE(answer.content.isEmpty());
    EXPECT_TRUE(answer.error.isEmpty());
}

TEST_F(ChatSessionTest, AFailedRequestIsStoredWithItsReason)
{
    // No server at all.
    m_client.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(freePort())));
    ASSERT_TRUE(m_session->send(QStringLiteral("Anyone there?")));
    ASSERT_TRUE(waitUntilIdle());
    const StoredMessage answer = m_store->messages(m_session->currentConversation()).constLast();
    EXPECT_EQ(answer.state, MessageState::Error);
    EXPECT_TRUE(answer.error.startsWith(u"Could not reach llama-server")) << answer.error.toStdString();
    // A failed answer is not sent back to the model as history.
    EXPECT_EQ(m_session->buildRequest().messages.size(), 2);
}

TEST_F(ChatSessionTest, RegenerateReplacesTheLastAnswer)
{
    startServer();
    ASSERT_TRUE(m_session->send(QStringLiteral("Question")));
    ASSERT_TRUE(waitUntilIdle());
    const qint64 firstAnswer = m_session->messages().constLast().id;
    ASSERT_TRUE(m_session->regenerate());
    ASSERT_TRUE(waitUntilIdle());
    const QList<StoredMessage> stored = m_store->messages(m_session->currentConversation());
    ASSERT_EQ(stored.size(), 2);
    EXPECT_NE(stored.at(1).id, firstAnswer);
    EXPECT_EQ(stored.at(1).state, MessageState::Complete);
}

TEST_F(ChatSessionTest, EditingAQuestionDropsEverythingAfterItAndAsksAgain)
{
    startServer();
    ASSERT_TRUE(m_session->send(QStringLiteral("First")));
    ASSERT_TRUE(waitUntilIdle());
    const qint64 firstQuestion = m_session->messages().constFirst().id;
    ASSERT_TRUE(m_session->send(QStringLiteral("Second")));
    ASSERT_TRUE(waitUntilIdle());
    ASSERT_EQ(m_session->messages().size(), 4);

    ASSERT_TRUE(m_session->editAndResend(firstQuestion, QStringLiteral("First, rephrased")));
    ASSERT_TRUE(waitUntilIdle());
    const QList<StoredMessage> stored = m_store->messages(m_session->currentConversation());
    ASSERT_EQ(stored.size(), 2);
    EXPECT_EQ(stored.at(0).content, QStringLiteral("First, rephrased"));
    EXPECT_EQ(stored.at(1).state, MessageState::Complete);
}

TEST_F(ChatSessionTest, NothingIsSentWhileAnAnswerStreams)
{
    if (testingRealServer())
        GTEST_SKIP() << "paces the fake server";
    startServer({QStringLiteral("FAKE_LLAMA_TOKENS_PER_SECOND=30")});
    ASSERT_TRUE(m_session->send(QStringLiteral("One")));
    EXPECT_FALSE(m_session->send(QStringLiteral("Two")));
    EXPECT_FALSE(m_session->send(QStringLiteral("   ")));
    m_session->stop();
    ASSERT_TRUE(waitUntilIdle());
}
