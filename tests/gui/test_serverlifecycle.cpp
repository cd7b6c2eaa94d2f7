// Issue 13, section 3: the window and the server's life. Closing the window quits even when the
// server does not exit after SIGKILL (a process in uninterruptible sleep, stood for by a
// supervisor whose signals reach nobody), and the chat uses the key of the server that runs,
// not a key changed since it was launched.
#include "chatwindowfixture.h"
#include "guitestsupport.h"
#include "ui/inlinebanner.h"
#include "core/secrets/secretstore.h"
#include "core/secrets/serverkey.h"
#include "core/server/preflight.h"
#include "ui/settingsdialog.h"
#include "ui/chat/transcriptmodel.h"
#include "ui/chat/transcriptview.h"


#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <QLabel>
#include <QPushButton>
#include <QTimer>

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <sys/types.h>
#include <utility>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
bool processExists(qint64 pid)
{
    const QByteArray status = readFile(QStringLiteral("/proc/%1/status").arg(pid));
    return !status.isEmpty() && !status.contains("State:\tZ");
}

// A keychain that answers a read only when told: start-up before the system keychain answered.
class SlowSecretStore final : public SecretStore
{
public:
    QString description() const override { return QStringLiteral("a slow keychain"); }
    void read(const QString &, Done done) override { m_pendingRead = std::move(done); }
    void write(const QString &, const QString &, Done done) override
    {
        QTimer::singleShot(0, QCoreApplication::instance(), [done] {
            SecretResult result;
            result.status = SecretResult::Status::Ok;
            done(result);
        });
    }
    void answerRead()
    {
        SecretResult result;
        result.status = SecretResult::Status::NotFound;
        if (m_pendingRead)
            std::exchange(m_pendingRead, {})(result);
    }

private:
    Done m_pendingRead;
};

class ServerLifecycle : public ChatWindowTest
{
protected:
    void SetUp() override
    {
        LLAMADESK_REQUIRE_DISPLAY();
        ChatWindowTest::SetUp();
        m_sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(500);
        spdlog::default_logger()->sinks().push_back(m_sink);
    }

    void TearDown() override
    {
        if (m_sink) {
            auto &sinks = spdlog::default_logger()->sinks();
            sinks.erase(std::remove(sinks.begin(), sinks.end(), m_sink), sinks.end());
        }
        if (m_leftBehind > 0) {
            ::kill(static_cast<pid_t>(m_leftBehind), SIGKILL);
            EXPECT_TRUE(waitUntil([&] { return !processExists(m_leftBehind); }));
        }
        ChatWindowTest::TearDown();
        qunsetenv("FAKE_LLAMA_LOAD_MS");
    }

    std::string appLog() const
    {
        std::string all;
        for (const std::string &line : m_sink->last_formatted())
            all += line;
        return all;
    }

    void ask(const QString &text)
    {
        editor()->setFocus();
        QTest::keyClicks(editor(), text);
        QTest::keyClick(editor(), Qt::Key_Return);
    }

    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> m_sink;
    qint64 m_leftBehind = 0;
};
} // namespace

TEST_F(ServerLifecycle, ClosingTheWindowQuitsWhenTheServerDoesNotExitAfterSigkill)
{
    SupervisorOptions options;
    options.stopGrace = std::chrono::milliseconds(200);
    options.killGrace = std::chrono::milliseconds(300);
    options.sendSignal = [](qint64, ServerSignal) { return true; }; // SIGTERM and SIGKILL reach nobody
    closeApp();
    ASSERT_NO_FATAL_FAILURE(openApp(options));
    openWindow();
    startServer();
    const qint64 pid = m_supervisor->processId();
    m_leftBehind = pid;

    EXPECT_FALSE(m_window->close()) << "the window waits for the server first";
    // What makes the app quit: its last window closes (QApplication quits on the last window
    // closed; lastWindowClosed itself is emitted only inside exec()).
    ASSERT_TRUE(waitUntil([&] { return !m_window->isVisible(); }, std::chrono::seconds(10)))
            << m_supervisor->stateReason().toStdString();
    EXPECT_EQ(m_supervisor->state(), ServerState::Stopped);
    EXPECT_FALSE(m_supervisor->hasProcess());
    EXPECT_TRUE(processExists(pid)) << "the seam stood for a process that does not end";
    EXPECT_NE(appLog().find("[warning] abandoned llama-server pid " + std::to_string(pid)), std::string::npos)
            << appLog();
}

// The key is changed (the settings' Regenerate) while the server loads: the server keeps the
// key it was launched with, so the chat must too, and the window offers the restart.
TEST_F(ServerLifecycle, AKeyChangedWhileTheServerLoadsLeavesTheChatWorkingAndOffersARestart)
{
    qputenv("FAKE_LLAMA_LOAD_MS", "1500");
    openWindow();
    ASSERT_TRUE(waitUntil([&] { return m_app->serverKey().isReady(); }));
    const QString launchedKey = m_settings->get(Keys::ServerApiKey);
    ASSERT_GE(launchedKey.size(), 32);
    m_supervisor->start();
    ASSERT_TRUE(waitUntil([&] { return m_supervisor->hasProcess(); }));
    ASSERT_NE(m_supervisor->state(), ServerState::Running) << "the key must change before the server runs";
    ASSERT_FALSE(m_settings->setSessionValue(Keys::ServerApiKey.toString(), generateApiKey()));
    ASSERT_TRUE(waitUntil([&] { return m_supervisor->state() == ServerState::Running; }, std::chrono::seconds(10)));
    ASSERT_TRUE(waitUntil([&] { return m_pane->composer()->isSendEnabled(); }));
    ASSERT_EQ(m_supervisor->launchedConfig()->apiKey, launchedKey);

    EXPECT_TRUE(m_window->banner()->isVisible());
    EXPECT_EQ(m_window->banner()->text(), QStringLiteral("The server settings changed. Restart llama-server to use them."));

    ask(QStringLiteral("Hello"));
    TranscriptModel *transcript = m_pane->transcript()->transcript();
    ASSERT_TRUE(waitUntil([&] {
        return transcript->rowCount() == 2 && transcript->message(1).state != MessageState::Streaming;
    }, std::chrono::seconds(10)));
    EXPECT_EQ(transcript->message(1).state, MessageState::Complete) << transcript->message(1).error.toStdString();
    EXPECT_FALSE(transcript->message(1).content.isEmpty());
}

// Start in the settings, pressed before the keychain gave the key: the server waits for it and
// then runs with it, and the chat works.
TEST_F(ServerLifecycle, StartInTheSettingsBeforeTheKeychainAnsweredWaitsForTheKey)
{
    auto slow = std::make_unique<SlowSecretStore>();
    SlowSecretStore &store = *slow;
    closeApp();
    ASSERT_NO_FATAL_FAILURE(openApp({}, std::move(slow)));
    openWindow(); // the app asks the keychain for the key
    m_window->openSettings();
    SettingsDialog *dialog = m_window->settingsDialog();
    ASSERT_NE(dialog, nullptr);
    auto *start = dialog->findChild<QPushButton *>(QStringLiteral("startButton"));
    auto *state = dialog->findChild<QLabel *>(QStringLiteral("stateLabel"));
    ASSERT_NE(start, nullptr);
    ASSERT_NE(state, nullptr);
    ASSERT_TRUE(QTest::qWaitForWindowExposed(dialog));

    QTest::mouseClick(start, Qt::LeftButton);
    ASSERT_TRUE(waitUntil([&] { return state->text().contains(u"Waiting for the server's API key from a slow keychain"); }))
            << state->text().toStdString();
    EXPECT_FALSE(m_supervisor->hasProcess()) << "launched without a key";

    store.answerRead();
    ASSERT_TRUE(waitUntil([&] { return m_supervisor->state() == ServerState::Running; }, std::chrono::seconds(10)))
            << m_supervisor->stateReason().toStdString();
    const QString apiKey = m_settings->get(Keys::ServerApiKey);
    ASSERT_GE(apiKey.size(), 32);
    EXPECT_EQ(m_supervisor->launchedConfig()->apiKey, apiKey);
    dialog->reject();
    ASSERT_TRUE(waitUntil([&] { return m_pane->composer()->isSendEnabled(); }));
    ask(QStringLiteral("Hello"));
    TranscriptModel *transcript = m_pane->transcript()->transcript();
    ASSERT_TRUE(waitUntil([&] {
        return transcript->rowCount() == 2 && transcript->message(1).state != MessageState::Streaming;
    }, std::chrono::seconds(10)));
    EXPECT_EQ(transcript->message(1).state, MessageState::Complete) << transcript->message(1).error.toStdString();
}
