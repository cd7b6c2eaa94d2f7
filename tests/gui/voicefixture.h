// The window, the fake llama-server and a VoiceInput, for the tests of push-to-talk
// (test_voice.cpp, test_voicefaults.cpp).
#pragma once

#include "audiocapture.h"
#include "chat/chatclient.h"
#include "chat/chatsession.h"
#include "chat/chatstore.h"
#include "chatpane.h"
#include "guitestsupport.h"
#include "mainwindow.h"
#include "server/serversupervisor.h"
#include "settingkeys.h"
#include "settings.h"
#include "testsupport.h"
#include "voiceinput.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QTest>

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

namespace Llamadesk::VoiceTesting
{
// Recording through Qt 6.4's PulseAudio backend can abort in libpulse at exit (its global engine
// disconnects without the mainloop's lock while the pulse thread still dispatches): every
// executable that records ends without that teardown. Internal linkage: each file that includes
// this sets it, which is harmless.
[[maybe_unused]] const bool QuickExit = (Llamadesk::TestSupport::exitWithoutTeardown(), true);

using namespace Llamadesk::TestSupport;

// Longer than VoiceInput's "accidental tap" threshold: a deliberate hold.
constexpr int MinimumHoldMs = VoiceInput::MinimumPressMs + 100;

// Answers the "too long" question the way the test says, and remembers that it was asked.
class AnsweringPrompt final : public ClipPrompt
{
public:
    bool answer = true;
    int asked = 0;
    QString lastQuestion;
    void askTrim(double seconds, double limitSeconds, std::function<void(bool)> respond) override
    {
        ++asked;
        lastQuestion = question(seconds, limitSeconds);
        respond(answer);
    }
};

QByteArray sinePcm(double seconds, int rate = AudioCapture::TargetRate)
{
    QByteArray pcm;
    const int frames = static_cast<int>(seconds * rate);
    pcm.resize(frames * 2);
    auto *samples = reinterpret_cast<qint16 *>(pcm.data());
    for (int i = 0; i < frames; ++i)
        samples[i] = static_cast<qint16>(8000 * std::sin(2 * M_PI * 440.0 * i / rate));
    return pcm;
}

class VoiceTest : public ::testing::Test
{
protected:
    void open(const QString &projector)
    {
        m_settings = std::make_unique<Settings>(m_dir.filePath(QStringLiteral("llamadesk.ini")));
        ASSERT_FALSE(m_settings->set(Keys::ServerExecutable, QStringLiteral(LLAMADESK_FAKE_LLAMA_SERVER)));
        ASSERT_FALSE(m_settings->set(Keys::ServerModel, QString(sharedDir() + QStringLiteral("/models/tiny-llama.gguf"))));
        if (!projector.isEmpty()) {
            ASSERT_FALSE(m_settings->set(Keys::ServerMmproj, QString(sharedDir() + QStringLiteral("/models/") + projector)));
        }
        ASSERT_FALSE(m_settings->set(Keys::ServerPort, 0));
        ASSERT_FALSE(m_settings->set(Keys::ChatMaxTokens, 12));
        m_supervisor = std::make_unique<ServerSupervisor>(nullptr);
        m_store = std::make_unique<ChatStore>(m_dir.filePath(QStringLiteral("chats.sqlite")));
        ASSERT_TRUE(m_store->open());
        m_client = std::make_unique<ChatClient>();
        m_session = std::make_unique<ChatSession>(*m_store, *m_client, *m_settings);
        m_pane = new ChatPane(*m_store, *m_session, *m_client, *m_supervisor, *m_settings);
        m_window = std::make_unique<MainWindow>(*m_settings, *m_supervisor, m_dir.filePath(QStringLiteral("logs")), m_pane);
        m_capture = std::make_unique<AudioCapture>();
        m_voice = std::make_unique<VoiceInput>(*m_capture, *m_client, *m_settings, m_prompt);
        m_window->show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void startServer()
    {
        QSignalSpy props(m_client.get(), &ChatClient::propsReceived);
        m_supervisor->start();
        ASSERT_TRUE(waitUntil([&] { return m_supervisor->state() == ServerState::Running; }, std::chrono::seconds(10)));
        ASSERT_TRUE(props.count() > 0 || props.wait(5000));
    }

    void TearDown() override
    {
        qunsetenv("FAKE_LLAMA_REPLY_TOKENS");
        qunsetenv("FAKE_LLAMA_TOKENS_PER_SECOND");
        if (m_supervisor && m_supervisor->hasProcess()) {
            m_supervisor->stop();
            EXPECT_TRUE(waitUntil([&] { return !m_supervisor->hasProcess(); }));
        }
        m_voice.reset();
        m_capture.reset();
        m_window.reset();
        m_session.reset();
        m_client.reset();
        m_store.reset();
    }

    QTemporaryDir m_dir;
    TempXdg m_xdg;
    AnsweringPrompt m_prompt;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<ServerSupervisor> m_supervisor;
    std::unique_ptr<ChatStore> m_store;
    std::unique_ptr<ChatClient> m_client;
    std::unique_ptr<ChatSession> m_session;
    ChatPane *m_pane = nullptr;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<AudioCapture> m_capture;
    std::unique_ptr<VoiceInput> m_voice;
};
} // namespace Llamadesk::VoiceTesting
