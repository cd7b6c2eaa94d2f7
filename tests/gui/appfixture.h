#pragma once

// The app as main() builds it (App from AppOptions), for the GUI tests: on temporary files, the
// keychain in memory, the fake llama-server and the tiny model. What differs from main() is
// only what AppOptions lets a caller choose.
#include "application/app.h"
#include "ui/chatpane.h"
#include "ui/mainwindow.h"
#include "core/secrets/memorysecretstore.h"
#include "core/settingkeys.h"
#include "core/settings.h"
#include "testsupport.h"

#include <QTemporaryDir>
#include <QtTest/QTest>

#include <gtest/gtest.h>

#include <memory>

namespace Llamadesk::TestSupport
{
// The app owns an AudioCapture, and Qt 6.4's PulseAudio backend can abort in libpulse at exit
// ("io_events_please_scan == 0", its global engine torn down while the pulse thread still
// dispatches; seen under ASan in test_faults). Every executable that builds the app ends
// without that teardown, as the voice tests already did. Internal linkage: harmless per file.
[[maybe_unused]] const bool AppQuickExit = (exitWithoutTeardown(), true);

// Files under dir, the keychain in memory, no autostart (each test starts the server when it
// needs it, so that a test of the empty window never waits for one).
inline AppOptions testAppOptions(const QTemporaryDir &dir, SupervisorOptions supervisor = {})
{
    AppOptions options;
    options.settingsFile = dir.filePath(QStringLiteral("llamadesk.ini"));
    options.chatDatabase = dir.filePath(QStringLiteral("chats.sqlite"));
    options.logDirectory = dir.filePath(QStringLiteral("logs"));
    options.supervisor = std::move(supervisor);
    options.autostart = false;
    options.secrets = std::make_unique<MemorySecretStore>();
    // No scan of the machine's own model folders: a test that wants a library gives folders.
    options.modelsCache = dir.filePath(QStringLiteral("cache/models.json"));
    options.modelFolders = QList<ModelFolder>{};
    return options;
}

// Stops the app's server and waits until its process is gone, so that no test leaves one behind.
inline void stopServer(App &app)
{
    if (app.supervisor().hasProcess()) {
        app.supervisor().stop();
        EXPECT_TRUE(waitUntil([&] { return !app.supervisor().hasProcess(); }));
    }
}

#ifdef LLAMADESK_FAKE_LLAMA_SERVER
// The fake llama-server with the tiny model, on a free port, answers cut at maxTokens; projector: a file in ../shared/models, or none.
inline void useFakeServer(Settings &settings, int maxTokens, const QString &projector = {})
{
    const QString models = sharedDir() + QStringLiteral("/models/");
    ASSERT_FALSE(settings.set(Keys::ServerExecutable, QStringLiteral(LLAMADESK_FAKE_LLAMA_SERVER)));
    ASSERT_FALSE(settings.set(Keys::ServerModel, QString(models + QStringLiteral("tiny-llama.gguf"))));
    if (!projector.isEmpty()) {
        ASSERT_FALSE(settings.set(Keys::ServerMmproj, QString(models + projector)));
    }
    ASSERT_FALSE(settings.set(Keys::ServerPort, 0));
    ASSERT_FALSE(settings.set(Keys::ChatMaxTokens, maxTokens));
}

// A test of the app with its window: the app built as main() builds it on this test's files
// (again after closeApp(): what the next start finds), the window around it, and pointers to the
// app's parts for the tests' convenience.
class AppWindowTest : public ::testing::Test
{
protected:
    void TearDown() override { closeApp(); }

    // maxTokens, projector: as useFakeServer() takes them.
    void openApp(AppOptions options, int maxTokens, const QString &projector = {})
    {
        m_app = std::make_unique<App>(std::move(options));
        m_settings = &m_app->settings();
        m_supervisor = &m_app->supervisor();
        m_store = &m_app->store();
        m_client = &m_app->client();
        m_session = &m_app->session();
        ASSERT_TRUE(m_store->isOpen()) << m_app->startupProblems().join(u' ').toStdString();
        ASSERT_NO_FATAL_FAILURE(useFakeServer(*m_settings, maxTokens, projector));
    }

    // Builds the window on the app (on what its store holds now), starts the app and shows it.
    void showWindow()
    {
        m_window = std::make_unique<MainWindow>(*m_app);
        m_pane = m_window->chatPane();
        m_app->start();
        m_window->show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(m_window.get()));
    }

    // Stops the server (and waits for it), then closes the window and the app.
    void closeApp()
    {
        if (m_app)
            stopServer(*m_app);
        m_window.reset();
        m_app.reset();
    }

    QTemporaryDir m_dir;
    TempXdg m_xdg;
    std::unique_ptr<App> m_app;
    Settings *m_settings = nullptr;
    ServerSupervisor *m_supervisor = nullptr;
    ChatStore *m_store = nullptr;
    ChatClient *m_client = nullptr;
    ChatSession *m_session = nullptr;
    ChatPane *m_pane = nullptr; // owned by the window
    std::unique_ptr<MainWindow> m_window;
};
#endif // LLAMADESK_FAKE_LLAMA_SERVER
} // namespace Llamadesk::TestSupport
