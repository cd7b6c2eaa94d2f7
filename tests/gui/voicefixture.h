// The window, the fake llama-server and a VoiceInput, for the tests of push-to-talk
// (test_voice.cpp, test_voicefaults.cpp).
#pragma once

#include "appfixture.h"
#include "ui/chatpane.h"
#include "guitestsupport.h"
#include "ui/mainwindow.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QTest>

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <optional>

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

class VoiceTest : public AppWindowTest
{
protected:
    // The app and its window; push-to-talk offered when microphone says so (unset: when the
    // system has an audio input). The "too long" question is answered by m_prompt.
    void open(const QString &projector, std::optional<bool> microphone = true)
    {
        AppOptions options = testAppOptions(m_dir);
        options.microphoneAvailable = microphone;
        ASSERT_NO_FATAL_FAILURE(openApp(std::move(options), 12, projector));
        m_capture = &m_app->capture();
        m_voice = &m_app->voiceInput();
        ASSERT_NO_FATAL_FAILURE(showWindow());
        m_voice->setClipPrompt(&m_prompt); // in place of the window's message box
    }

    void startServer()
    {
        QSignalSpy props(m_client, &ChatClient::propsReceived);
        m_supervisor->start();
        ASSERT_TRUE(waitUntil([&] { return m_supervisor->state() == ServerState::Running; }, std::chrono::seconds(10)));
        ASSERT_TRUE(props.count() > 0 || props.wait(5000));
    }

    void TearDown() override
    {
        qunsetenv("FAKE_LLAMA_REPLY_TOKENS");
        qunsetenv("FAKE_LLAMA_TOKENS_PER_SECOND");
        AppWindowTest::TearDown();
    }

    AnsweringPrompt m_prompt; // the app, closed in TearDown, is gone before it
    AudioCapture *m_capture = nullptr; // the app's
    VoiceInput *m_voice = nullptr;     // the app's
};
} // namespace Llamadesk::VoiceTesting
