// The chat as a person uses it, under Xvfb, against the fake llama-server run by the
// supervisor: type, Enter, the answer streams in; Stop; the conversation survives a restart.
#include "appfixture.h"
#include "core/chat/chatclient.h"
#include "core/chat/chatsession.h"
#include "core/chat/chatstore.h"
#include "ui/chatpane.h"
#include "ui/chat/composer.h"
#include "ui/chat/conversationlist.h"
#include "guitestsupport.h"
#include "ui/inlinebanner.h"
#include "ui/mainwindow.h"
#include "core/server/serversupervisor.h"
#include "core/settingkeys.h"
#include "core/settings.h"
#include "testsupport.h"
#include "ui/chat/transcriptmodel.h"
#include "ui/chat/transcriptview.h"

#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QTest>

#include <gtest/gtest.h>

#include <memory>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
class ChatPaneTest : public AppWindowTest
{
protected:
    void SetUp() override { ASSERT_NO_FATAL_FAILURE(openApp()); }

    void TearDown() override
    {
        qunsetenv("FAKE_LLAMA_TOKENS_PER_SECOND");
        AppWindowTest::TearDown();
    }

    // The app and its window on the same files each time: "restarting" is closeApp + openApp.
    void openApp()
    {
        ASSERT_NO_FATAL_FAILURE(AppWindowTest::openApp(testAppOptions(m_dir), 40));
        ASSERT_NO_FATAL_FAILURE(showWindow());
    }

    void startServer()
    {
        m_supervisor->start();
        ASSERT_TRUE(waitUntil([&] { return m_supervisor->state() == ServerState::Running; }, std::chrono::seconds(10)));
        ASSERT_TRUE(waitUntil([&] { return m_pane->composer()->isSendEnabled(); }));
    }

    void typeAndPressEnter(const QString &text)
    {
        QPlainTextEdit *editor = m_pane->composer()->editor();
        editor->setFocus();
        QTest::keyClicks(editor, text);
        QTest::keyClick(editor, Qt::Key_Return);
    }

    TranscriptModel *transcript() const { return m_pane->transcript()->transcript(); }

};
} // namespace

TEST_F(ChatPaneTest, SendingIsOffUntilTheServerRunsAndSaysWhy)
{
    EXPECT_FALSE(m_pane->composer()->isSendEnabled());
    EXPECT_EQ(m_pane->composer()->editor()->placeholderText(), QStringLiteral("The server is not running (unknown)"));
    startServer();
    EXPECT_TRUE(m_pane->composer()->isSendEnabled());
    m_supervisor->stop();
    ASSERT_TRUE(waitUntil([&] { return m_supervisor->state() == ServerState::Stopped; }));
    EXPECT_FALSE(m_pane->composer()->isSendEnabled());
    EXPECT_EQ(m_pane->composer()->editor()->placeholderText(), QStringLiteral("The server is not running (stopped)"));
}

TEST_F(ChatPaneTest, TypingAQuestionAndPressingEnterStreamsTheAnswerIn)
{
    startServer();
    QSignalSpy updates(m_session, &ChatSession::messageUpdated);
    typeAndPressEnter(QStringLiteral("What is a llama?"));
    EXPECT_TRUE(m_pane->composer()->editor()->toPlainText().isEmpty());
    ASSERT_TRUE(waitUntil([&] { return !m_session->isBusy() && transcript()->rowCount() == 2; }, std::chrono::seconds(10)));
    EXPECT_GE(updates.count(), 2) << "the answer arrives in pieces";
    // The view coalesces updates (at most ~30 repaints a second): the last one follows shortly.
    ASSERT_TRUE(waitUntil([&] { return transcript()->message(1).state == MessageState::Complete; }));
    const StoredMessage answer = transcript()->message(1);
    EXPECT_EQ(answer.role, Role::Assistant);
    EXPECT_FALSE(answer.content.isEmpty());
    EXPECT_EQ(answer.state, MessageState::Complete);
    EXPECT_EQ(transcript()->message(0).content, QStringLiteral("What is a llama?"));
    EXPECT_EQ(m_pane->conversationList()->conversationIds().size(), 1);
    EXPECT_TRUE(waitUntil([&] { return m_pane->composer()->contextText().contains(u"tokens"); }))
        << m_pane->composer()->contextText().toStdString();
    saveScreenshot(m_window.get(), QStringLiteral("chat-answer-streamed"));
}

TEST_F(ChatPaneTest, StopEndsTheAnswerAndKeepsWhatArrived)
{
    qputenv("FAKE_LLAMA_TOKENS_PER_SECOND", "25");
    ASSERT_FALSE(m_settings->set(Keys::ChatMaxTokens, 400));
    startServer();
    QSignalSpy updates(m_session, &ChatSession::messageUpdated);
    typeAndPressEnter(QStringLiteral("Tell me everything"));
    ASSERT_TRUE(updates.wait(5000));
    ASSERT_TRUE(m_pane->composer()->isBusy());
    saveScreenshot(m_window.get(), QStringLiteral("chat-streaming"));
    QPushButton *stop = m_pane->composer()->findChild<QPushButton *>(QStringLiteral("sendButton"));
    ASSERT_NE(stop, nullptr);
    QTest::mouseClick(stop, Qt::LeftButton);
    ASSERT_TRUE(waitUntil([&] { return !m_session->isBusy(); }));
    EXPECT_FALSE(m_pane->composer()->isBusy());
    const StoredMessage answer = m_store->messages(m_session->currentConversation()).constLast();
    EXPECT_EQ(answer.state, MessageState::Interrupted);
    EXPECT_FALSE(answer.content.isEmpty());
    m_pane->transcript()->flushPendingUpdates();
    saveScreenshot(m_window.get(), QStringLiteral("chat-stopped"));
}

TEST_F(ChatPaneTest, TheConversationIsThereAfterRestartingTheApp)
{
    startServer();
    typeAndPressEnter(QStringLiteral("Remember this"));
    ASSERT_TRUE(waitUntil([&] { return !m_session->isBusy() && transcript()->rowCount() == 2; }, std::chrono::seconds(10)));
    // The answer as the session ended it: the transcript coalesces streamed revisions and may not
    // have shown the last one yet (seen on a loaded machine under ASan).
    const QString answer = m_session->messages().constLast().content;
    ASSERT_FALSE(answer.isEmpty());

    closeApp();
    openApp();
    ASSERT_EQ(transcript()->rowCount(), 2);
    EXPECT_EQ(transcript()->message(0).content, QStringLiteral("Remember this"));
    EXPECT_EQ(transcript()->message(1).content, answer);
    EXPECT_EQ(m_pane->conversationList()->conversationIds().size(), 1);
    saveScreenshot(m_window.get(), QStringLiteral("chat-after-restart"));
}

TEST_F(ChatPaneTest, EachChatHasItsOwnSystemPrompt)
{
    startServer();
    typeAndPressEnter(QStringLiteral("Hello"));
    ASSERT_TRUE(waitUntil([&] { return !m_session->isBusy(); }, std::chrono::seconds(10)));
    QLineEdit *prompt = m_pane->systemPromptEdit();
    EXPECT_TRUE(prompt->isEnabled());
    prompt->setText(QStringLiteral("Reply like a pirate."));
    Q_EMIT prompt->editingFinished();
    EXPECT_EQ(m_store->conversation(m_session->currentConversation())->systemPrompt,
              QStringLiteral("Reply like a pirate."));
    EXPECT_EQ(m_session->buildRequest().messages.constFirst(), ChatMessage::system(QStringLiteral("Reply like a pirate.")));
}

TEST_F(ChatPaneTest, DeletingAChatCanBeUndoneAndOtherwiseHappens)
{
    const qint64 first = m_session->newConversation();
    const qint64 second = m_session->newConversation();
    ASSERT_GT(first, 0);
    ASSERT_GT(second, 0);
    ConversationList *list = m_pane->conversationList();
    ASSERT_EQ(list->conversationIds().size(), 2);

    Q_EMIT list->deleteRequested(second);
    EXPECT_EQ(list->conversationIds(), QList<qint64>{first}) << "gone from the list at once";
    ASSERT_TRUE(m_pane->banner()->isVisible());
    EXPECT_EQ(m_pane->banner()->text(), QStringLiteral("Conversation deleted."));
    QPushButton *undo = m_pane->banner()->findChild<QPushButton *>(QStringLiteral("bannerAction"));
    ASSERT_NE(undo, nullptr);
    EXPECT_EQ(undo->text(), QStringLiteral("Undo"));
    QTest::mouseClick(undo, Qt::LeftButton);
    EXPECT_EQ(list->conversationIds().size(), 2);
    EXPECT_TRUE(m_store->conversation(second).has_value());

    // Without Undo it is deleted for good (at the latest when the app closes).
    Q_EMIT list->deleteRequested(second);
    closeApp();
    openApp();
    EXPECT_FALSE(m_store->conversation(second).has_value());
    EXPECT_TRUE(m_store->conversation(first).has_value());
}
