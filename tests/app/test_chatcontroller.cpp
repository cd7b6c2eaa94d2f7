// ChatController without a window: the conversation list less the ones deleted a moment ago,
// delete with undo (and for good when the app closes), a question edited and sent again, the
// context an answer used, and pictures on their way in (refused ones become notices).
#include "controllerfixture.h"
#include "image/imageattachment.h"

#include <QBuffer>
#include <QRegularExpression>
#include <QImage>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
class ChatControllerTest : public ControllerTest
{
protected:
    bool answer(const QString &text)
    {
        return m_chat->send(text) && waitUntil([&] { return !m_chat->isBusy(); }, std::chrono::seconds(15));
    }
};

QList<qint64> ids(const QList<ConversationSummary> &conversations)
{
    QList<qint64> result;
    for (const ConversationSummary &c : conversations)
        result.append(c.id);
    return result;
}
} // namespace

TEST_F(ChatControllerTest, ADeletedConversationLeavesTheListAtOnceAndUndoBringsItBack)
{
    const qint64 first = m_session->newConversation();
    const qint64 second = m_session->newConversation();
    QSignalSpy changed(m_chat.get(), &ChatController::conversationsChanged);
    QSignalSpy notices(m_chat.get(), &ChatController::notice);
    m_chat->requestDelete(second);
    EXPECT_EQ(ids(m_chat->conversations()), QList<qint64>{first});
    EXPECT_TRUE(m_store->conversation(second).has_value()) << "kept until the undo time is over";
    EXPECT_EQ(m_chat->currentConversation(), 0) << "the open conversation was the deleted one";
    EXPECT_FALSE(changed.isEmpty());
    ASSERT_EQ(notices.count(), 1);
    const Notice deleted = notices.at(0).at(0).value<Notice>();
    EXPECT_EQ(deleted.text, QStringLiteral("Conversation deleted."));
    EXPECT_EQ(deleted.topic, Notice::Topic::Delete);
    const NoticeAction *undo = action(deleted, QStringLiteral("Undo"));
    ASSERT_NE(undo, nullptr);

    undo->run();
    EXPECT_EQ(ids(m_chat->conversations()).size(), 2);
    EXPECT_EQ(m_chat->currentConversation(), second) << "undo opens it again";
    EXPECT_FALSE(m_chat->undoDelete(second)) << "nothing is pending any more";
}

TEST_F(ChatControllerTest, ADeleteNotUndoneIsCarriedOutAtTheLatestWhenTheAppCloses)
{
    const qint64 first = m_session->newConversation();
    const qint64 second = m_session->newConversation();
    m_chat->requestDelete(second);
    m_chat.reset(); // the app closes before the undo time is over
    EXPECT_FALSE(m_store->conversation(second).has_value());
    EXPECT_TRUE(m_store->conversation(first).has_value());
}

TEST_F(ChatControllerTest, OpenMostRecentOpensTheNewestConversationThatIsNotBeingDeleted)
{
    const qint64 older = m_session->newConversation();
    const qint64 newer = m_session->newConversation();
    m_session->openConversation(0);
    m_chat->requestDelete(newer);
    m_chat->openMostRecent();
    EXPECT_EQ(m_chat->currentConversation(), older);
}

TEST_F(ChatControllerTest, AnEditedQuestionReplacesTheOldOneAndItsAnswer)
{
    ASSERT_NO_FATAL_FAILURE(startServer());
    ASSERT_TRUE(answer(QStringLiteral("What is 2 + 2?")));
    ASSERT_EQ(m_chat->messages().size(), 2);
    const qint64 question = m_chat->messages().constFirst().id;
    const std::optional<EditDraft> draft = m_chat->startEdit(question);
    ASSERT_TRUE(draft.has_value());
    EXPECT_EQ(draft->text, QStringLiteral("What is 2 + 2?"));
    EXPECT_EQ(m_chat->editingId(), question);

    ASSERT_TRUE(answer(QStringLiteral("What is 3 + 3?")));
    EXPECT_EQ(m_chat->editingId(), 0);
    ASSERT_EQ(m_chat->messages().size(), 2) << "replaced, not appended";
    EXPECT_EQ(m_chat->messages().constFirst().content, QStringLiteral("What is 3 + 3?"));
    EXPECT_EQ(m_chat->messages().constLast().state, MessageState::Complete);
}

TEST_F(ChatControllerTest, TheContextAnAnswerUsedIsReportedAgainstTheServersSize)
{
    ASSERT_NO_FATAL_FAILURE(startServer());
    QSignalSpy usage(m_chat.get(), &ChatController::contextUsageChanged);
    ASSERT_TRUE(answer(QStringLiteral("Hello")));
    ASSERT_FALSE(usage.isEmpty());
    const int used = usage.constLast().at(0).toInt();
    EXPECT_GT(used, 0);
    EXPECT_EQ(used, m_chat->messages().constLast().promptTokens + m_chat->messages().constLast().predictedTokens);
    EXPECT_EQ(usage.constLast().at(1).toInt(), 2048);
}

TEST_F(ChatControllerTest, APastedPictureArrivesAsAnAttachmentAndGarbageAsANotice)
{
    QImage picture(64, 48, QImage::Format_RGB32);
    picture.fill(Qt::darkCyan);
    QByteArray png;
    QBuffer buffer(&png);
    ASSERT_TRUE(buffer.open(QIODevice::WriteOnly));
    ASSERT_TRUE(picture.save(&buffer, "PNG"));

    QSignalSpy ready(m_chat.get(), &ChatController::attachmentReady);
    QSignalSpy notices(m_chat.get(), &ChatController::notice);
    m_chat->addImageData(png);
    ASSERT_TRUE(ready.wait(10000));
    const auto attachment = ready.at(0).at(0).value<MessageAttachment>();
    EXPECT_TRUE(attachment.isImage());
    EXPECT_EQ(ImageAttachment::decode(attachment).size(), QSize(64, 48));
    EXPECT_TRUE(notices.isEmpty());

    m_chat->addImageData(QByteArrayLiteral("this is not a picture"));
    ASSERT_TRUE(notices.wait(10000));
    const Notice refused = notices.at(0).at(0).value<Notice>();
    EXPECT_EQ(refused.level, Notice::Level::Error);
    EXPECT_FALSE(refused.text.isEmpty());
    EXPECT_EQ(ready.count(), 1);
}

TEST_F(ChatControllerTest, TheSystemPromptIsTheOpenConversationsOwn)
{
    m_session->newConversation();
    m_chat->setSystemPrompt(QStringLiteral("Reply like a pirate."));
    EXPECT_EQ(m_chat->systemPrompt(), QStringLiteral("Reply like a pirate."));
    const qint64 other = m_session->newConversation();
    EXPECT_NE(m_chat->systemPrompt(), QStringLiteral("Reply like a pirate."));
    EXPECT_EQ(m_store->conversation(other)->systemPrompt, m_chat->systemPrompt());
}

namespace
{
// The app's log (spdlog) at a level, while the object lives.
class LogAtLevel final
{
public:
    explicit LogAtLevel(spdlog::level::level_enum level)
        : m_sink(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(500))
        , m_level(spdlog::default_logger()->level())
    {
        spdlog::default_logger()->sinks().push_back(m_sink);
        spdlog::set_level(level);
    }
    ~LogAtLevel()
    {
        spdlog::set_level(m_level);
        auto &sinks = spdlog::default_logger()->sinks();
        sinks.erase(std::remove(sinks.begin(), sinks.end(), m_sink), sinks.end());
    }
    Q_DISABLE_COPY_MOVE(LogAtLevel)

    QString text() const
    {
        std::string all;
        for (const std::string &line : m_sink->last_formatted())
            all += line;
        return QString::fromStdString(all);
    }

private:
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> m_sink;
    spdlog::level::level_enum m_level;
};
} // namespace

// --log-level debug: a user's report carries what an answer cost the window.
TEST_F(ChatControllerTest, AtDebugLevelEachAnswerLogsItsTokensGuiThreadCpuAndLongestEventLoopGap)
{
    static const QRegularExpression line(QStringLiteral(
            R"(Chat: answer (\d+) ended \(complete\): ([1-9]\d*) tokens, \d+ characters in [0-9.]+ s; GUI thread CPU )"
            R"([0-9.]+ ms \([0-9.]+ ms per 1,000 tokens, [0-9.]+% of a core\); longest event-loop gap [0-9.]+ ms)"));
    ASSERT_NO_FATAL_FAILURE(startServer());
    {
        const LogAtLevel info(spdlog::level::info);
        ASSERT_TRUE(answer(QStringLiteral("Quiet, please.")));
        EXPECT_FALSE(line.match(info.text()).hasMatch()) << "measured and logged only at debug level";
    }
    const LogAtLevel debug(spdlog::level::debug);
    ASSERT_TRUE(answer(QStringLiteral("How much did that cost?")));
    const QRegularExpressionMatch match = line.match(debug.text());
    ASSERT_TRUE(match.hasMatch()) << debug.text().toStdString();
    const StoredMessage &last = m_chat->messages().constLast();
    EXPECT_EQ(match.captured(1).toLongLong(), last.id);
    EXPECT_EQ(match.captured(2).toInt(), last.predictedTokens);
}

// The store's failures arrive as values: the controller turns them into notices with its sentence.
TEST_F(ChatControllerTest, ARenameTheStoreRefusesIsANoticeThatSaysWhy)
{
    QSignalSpy notices(m_chat.get(), &ChatController::notice);
    EXPECT_FALSE(m_chat->rename(999, QStringLiteral("Nowhere")));
    ASSERT_EQ(notices.count(), 1);
    const Notice notice = notices.at(0).at(0).value<Notice>();
    EXPECT_EQ(notice.level, Notice::Level::Error);
    EXPECT_EQ(notice.text, QStringLiteral("Could not rename the conversation: There is no conversation 999 to rename."));
}
