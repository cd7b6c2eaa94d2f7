#pragma once

// The window as main() builds it (App, then MainWindow), on temporary files and the fake
// llama-server, for the tests of what a person meets in it: keyboard focus, text that fits.
#include "appfixture.h"
#include "chatpane.h"
#include "composer.h"
#include "mainwindow.h"

#include <QPlainTextEdit>
#include <QtTest/QTest>

namespace Llamadesk::TestSupport
{
class ChatWindowTest : public ::testing::Test
{
protected:
    void SetUp() override { ASSERT_NO_FATAL_FAILURE(openApp()); }

    void TearDown() override
    {
        if (m_app)
            stopServer(*m_app);
        m_window.reset();
        m_app.reset();
    }

    // The app on this test's files (again, after closeApp(): as the next start finds them);
    // secrets: the keychain, if not the default one in memory.
    void openApp(SupervisorOptions supervisor = {}, std::unique_ptr<SecretStore> secrets = nullptr)
    {
        AppOptions options = testAppOptions(m_dir, std::move(supervisor));
        if (secrets)
            options.secrets = std::move(secrets);
        m_app = std::make_unique<App>(std::move(options));
        m_settings = &m_app->settings();
        m_supervisor = &m_app->supervisor();
        m_store = &m_app->store();
        m_client = &m_app->client();
        m_session = &m_app->session();
        ASSERT_TRUE(m_store->isOpen()) << m_store->lastError().toStdString();
        ASSERT_NO_FATAL_FAILURE(useFakeServer(*m_settings, 20));
    }

    void closeApp()
    {
        stopServer(*m_app);
        m_window.reset();
        m_app.reset();
    }

    // Builds the window (on what the store holds now), shows it and makes it the active one, so
    // that keys go where its focus is.
    void openWindow()
    {
        m_window = std::make_unique<MainWindow>(*m_app);
        m_pane = m_window->chatPane();
        m_app->start();
        m_window->show();
        m_window->activateWindow();
        ASSERT_TRUE(QTest::qWaitForWindowActive(m_window.get()));
    }

    void startServer()
    {
        m_supervisor->start();
        ASSERT_TRUE(waitUntil([&] { return m_supervisor->state() == ServerState::Running; }, std::chrono::seconds(10)));
        ASSERT_TRUE(waitUntil([&] { return m_pane->composer()->isSendEnabled(); }));
    }

    QPlainTextEdit *editor() const { return m_pane->composer()->editor(); }

    QTemporaryDir m_dir;
    TempXdg m_xdg;
    std::unique_ptr<App> m_app;
    // The app's parts, for the tests' convenience.
    Settings *m_settings = nullptr;
    ServerSupervisor *m_supervisor = nullptr;
    ChatStore *m_store = nullptr;
    ChatClient *m_client = nullptr;
    ChatSession *m_session = nullptr;
    ChatPane *m_pane = nullptr; // owned by the window
    std::unique_ptr<MainWindow> m_window;
};
} // namespace Llamadesk::TestSupport
