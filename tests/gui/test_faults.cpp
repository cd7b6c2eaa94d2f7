// Issue 13, section 4: faults of the server while the app runs, with the app as the user runs it
// (supervisor, chat client, chat store, session, chat pane in the main window) against the fake
// llama-server. Each test asserts that the app goes on working and loses nothing.
#include "chatwindowfixture.h"
#include "guitestsupport.h"
#include "ui/inlinebanner.h"
#include "ui/chat/messagelayout.h"
#include "core/sanitizers.h"
#include "ui/chat/transcriptmodel.h"
#include "ui/chat/transcriptview.h"

#include <QSignalSpy>

#include <gtest/gtest.h>

#include <malloc.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
constexpr double MiB = 1024.0 * 1024.0;

// Resident bytes of this process (which holds the client, the store and the window), after
// handing freed heap back to the system so that the allocator's leftovers do not count.
qint64 residentBytes()
{
    ::malloc_trim(0);
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields.at(1).toLongLong() * ::sysconf(_SC_PAGESIZE) : 0;
}

class Faults : public ChatWindowTest
{
protected:
    void SetUp() override
    {
        LLAMADESK_REQUIRE_DISPLAY();
        ChatWindowTest::SetUp();
    }

    void TearDown() override
    {
        // A stopped server gets SIGTERM only once it runs again; the kill after the grace ends it.
        if (m_supervisor && m_supervisor->processId() > 0)
            ::kill(static_cast<pid_t>(m_supervisor->processId()), SIGCONT);
        ChatWindowTest::TearDown();
        qunsetenv("FAKE_LLAMA_TOKENS_PER_SECOND");
    }

    // The app built again, its supervisor's hang detection shortened from 60 s to 2 s.
    void useSupervisor(SupervisorOptions options)
    {
        closeApp();
        ASSERT_NO_FATAL_FAILURE(openApp(std::move(options)));
    }

    static SupervisorOptions quickOptions()
    {
        SupervisorOptions options;
        options.slowPoll = std::chrono::milliseconds(200);
        options.probeTimeout = std::chrono::milliseconds(300);
        options.noAnswerTimeout = std::chrono::seconds(2);
        options.restartBackoff = {std::chrono::milliseconds(100)};
        options.stopGrace = std::chrono::seconds(3);
        return options;
    }

    void ask(const QString &text)
    {
        editor()->setFocus();
        QTest::keyClicks(editor(), text);
        QTest::keyClick(editor(), Qt::Key_Return);
    }

    TranscriptModel *transcript() const { return m_pane->transcript()->transcript(); }

    // The answer streams: some of it is in the transcript.
    [[nodiscard]] bool waitForPartialAnswer()
    {
        return waitUntil([&] {
            const int rows = transcript()->rowCount();
            return rows >= 2 && transcript()->message(rows - 1).state == MessageState::Streaming
                    && !transcript()->message(rows - 1).content.isEmpty();
        });
    }

    [[nodiscard]] bool waitForRestart(qint64 oldPid)
    {
        return waitUntil([&] {
            return m_supervisor->state() == ServerState::Running && m_supervisor->processId() != oldPid
                    && m_pane->composer()->isSendEnabled();
        }, std::chrono::seconds(15));
    }

    // The last answer, in the transcript and in the store, is the partial one, marked.
    void expectInterruptedAnswerKept()
    {
        ASSERT_TRUE(waitUntil([&] { return !m_session->isBusy(); }));
        ASSERT_EQ(transcript()->rowCount(), 2);
        ASSERT_TRUE(waitUntil([&] { return transcript()->message(1).state == MessageState::Interrupted; }))
                << static_cast<int>(transcript()->message(1).state);
        const StoredMessage shown = transcript()->message(1);
        EXPECT_FALSE(shown.content.isEmpty());
        EXPECT_TRUE(MessageLayout::statsText(shown).contains(u"interrupted")) << MessageLayout::statsText(shown).toStdString();
        EXPECT_EQ(shown.error, QStringLiteral("The answer was interrupted: the connection closed before it was complete."));
        const QList<StoredMessage> stored = m_store->messages(m_session->currentConversation());
        ASSERT_EQ(stored.size(), 2);
        EXPECT_EQ(stored.at(1).state, MessageState::Interrupted);
        EXPECT_EQ(stored.at(1).content, shown.content);
    }

    // The next question gets a whole answer from the restarted server.
    void expectNextQuestionAnswered()
    {
        ask(QStringLiteral("And now?"));
        ASSERT_TRUE(waitUntil([&] { return transcript()->rowCount() == 4 && !m_session->isBusy(); },
                              std::chrono::seconds(15)));
        ASSERT_TRUE(waitUntil([&] { return transcript()->message(3).state == MessageState::Complete; }))
                << transcript()->message(3).error.toStdString();
        EXPECT_FALSE(transcript()->message(3).content.isEmpty());
        const QList<StoredMessage> stored = m_store->messages(m_session->currentConversation());
        ASSERT_EQ(stored.size(), 4);
        EXPECT_EQ(stored.at(3).state, MessageState::Complete);
        EXPECT_EQ(stored.at(1).state, MessageState::Interrupted) << "the partial answer is still there";
    }
};
} // namespace

// SIGSTOP after Running, mid-answer: /health stops answering, the supervisor kills the server
// after the no-answer time (2 s here, 60 s in the app), the banner says so while it restarts,
// the answer so far stays, marked interrupted, and the next question is answered.
TEST_F(Faults, AServerStoppedMidAnswerIsDetectedSaidAndRestarted)
{
    qputenv("FAKE_LLAMA_TOKENS_PER_SECOND", "10"); // 20 tokens: 2 s, so SIGSTOP lands mid-answer
    ASSERT_NO_FATAL_FAILURE(useSupervisor(quickOptions()));
    ASSERT_NO_FATAL_FAILURE(openWindow());
    ASSERT_NO_FATAL_FAILURE(startServer());
    const qint64 pid = m_supervisor->processId();
    const QString url = m_supervisor->baseUrl().toString();

    QString bannerAtCrash;
    bool bannerShown = false;
    bool willRestart = false;
    QSignalSpy crashes(m_supervisor, &ServerSupervisor::crashed);
    // Connected after the window's own handler: sees what the window made of the crash. For this
    // test body only: a crash in TearDown must not reach the locals the lambda holds.
    QObject watching;
    QObject::connect(m_supervisor, &ServerSupervisor::crashed, &watching, [&](const Failure &, bool restart) {
        bannerAtCrash = m_window->banner()->text();
        bannerShown = m_window->banner()->isVisibleTo(m_window.get());
        willRestart = restart;
    });

    ask(QStringLiteral("Tell me a story."));
    ASSERT_TRUE(waitForPartialAnswer());
    ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGSTOP), 0);

    ASSERT_TRUE(crashes.wait(15000)) << "the hang is detected";
    EXPECT_TRUE(willRestart);
    EXPECT_TRUE(bannerShown);
    // Once, not "It is restarted. Restarting automatically." (and no "It is restarted." when the
    // supervisor gives up after the 4th failure in a row).
    EXPECT_EQ(bannerAtCrash, QStringLiteral("llama-server stopped answering on %1 for 2 s. Restarting automatically.").arg(url));
    std::printf("[ figures  ] banner at the hang: %s\n", qPrintable(bannerAtCrash));
    ASSERT_TRUE(waitForRestart(pid));
    ASSERT_NO_FATAL_FAILURE(expectInterruptedAnswerKept());
    ASSERT_NO_FATAL_FAILURE(expectNextQuestionAnswered());
}

// SIGKILL mid-answer: the connection closes without [DONE]; the partial answer is kept and
// marked, the supervisor restarts the server, and the next question works.
TEST_F(Faults, AServerKilledMidAnswerKeepsThePartialAnswerAndIsRestarted)
{
    qputenv("FAKE_LLAMA_TOKENS_PER_SECOND", "10");
    ASSERT_NO_FATAL_FAILURE(useSupervisor(quickOptions()));
    ASSERT_NO_FATAL_FAILURE(openWindow());
    ASSERT_NO_FATAL_FAILURE(startServer());
    const qint64 pid = m_supervisor->processId();
    QSignalSpy crashes(m_supervisor, &ServerSupervisor::crashed);

    ask(QStringLiteral("Tell me a story."));
    ASSERT_TRUE(waitForPartialAnswer());
    ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGKILL), 0);

    ASSERT_TRUE(crashes.wait(10000));
    EXPECT_TRUE(crashes.constFirst().at(1).toBool()) << "restarted automatically";
    EXPECT_TRUE(m_window->banner()->text().contains(u"Restarting automatically.")) << m_window->banner()->text().toStdString();
    ASSERT_TRUE(waitForRestart(pid));
    ASSERT_NO_FATAL_FAILURE(expectInterruptedAnswerKept());
    ASSERT_NO_FATAL_FAILURE(expectNextQuestionAnswered());
}

// 100 questions in a row through the window (a new conversation every 10): resident memory
// after question 100 is that after question 20 within 1.5 MiB. The 80 answers in between add their
// rows to the store and the last conversation's 20 rows to the transcript, well under 1 MiB; a
// network reply left behind per answer (about 30 KB each) adds 2.6 MiB and fails.
TEST_F(Faults, AHundredQuestionsInARowLeaveMemoryFlat)
{
    if (AddressSanitizerOn)
        GTEST_SKIP() << "resident memory under AddressSanitizer counts its shadow and its quarantine of freed blocks; "
                        "the ci pass measures it";
    ASSERT_NO_FATAL_FAILURE(openWindow());
    ASSERT_NO_FATAL_FAILURE(startServer());
    qint64 atQuestion20 = 0;
    qint64 atQuestion100 = 0;
    for (int question = 1; question <= 100; ++question) {
        if (question % 10 == 1)
            m_session->newConversation();
        ask(QStringLiteral("Question %1: what next?").arg(question));
        const int rows = 2 * ((question - 1) % 10 + 1);
        ASSERT_TRUE(waitUntil([&] {
            return !m_session->isBusy() && transcript()->rowCount() == rows
                    && transcript()->message(rows - 1).state == MessageState::Complete;
        }, std::chrono::seconds(15))) << "question " << question;
        if (question == 20)
            atQuestion20 = residentBytes();
        if (question == 100)
            atQuestion100 = residentBytes();
    }
    int answers = 0;
    for (const ConversationSummary &conversation : m_store->conversations()) {
        for (const StoredMessage &message : m_store->messages(conversation.id))
            answers += message.role == Role::Assistant && message.state == MessageState::Complete ? 1 : 0;
    }
    EXPECT_EQ(answers, 100);
    const qint64 growth = atQuestion100 - atQuestion20;
    std::printf("[ figures  ] 100 questions: RSS after question 20 %.2f MiB, after question 100 %.2f MiB, growth "
                "%+.2f MiB (tolerance 1.5 MiB)\n",
                static_cast<double>(atQuestion20) / MiB, static_cast<double>(atQuestion100) / MiB,
                static_cast<double>(growth) / MiB);
    EXPECT_LT(growth, static_cast<qint64>(1.5 * MiB));
}
