#pragma once

// The window as main() builds it (App, then MainWindow), on temporary files and the fake
// llama-server, for the tests of what a person meets in it: keyboard focus, text that fits.
#include "appfixture.h"
#include "ui/chat/composer.h"

#include <QPlainTextEdit>
#include <QtTest/QTest>

namespace Llamadesk::TestSupport
{
class ChatWindowTest : public AppWindowTest
{
protected:
    void SetUp() override { ASSERT_NO_FATAL_FAILURE(openApp()); }

    // The app on this test's files; secrets: the keychain, if not the default one in memory.
    void openApp(SupervisorOptions supervisor = {}, std::unique_ptr<SecretStore> secrets = nullptr)
    {
        AppOptions options = testAppOptions(m_dir, std::move(supervisor));
        if (secrets)
            options.secrets = std::move(secrets);
        AppWindowTest::openApp(std::move(options), 20);
    }

    // The window, shown and made the active one, so that keys go where its focus is.
    void openWindow()
    {
        ASSERT_NO_FATAL_FAILURE(showWindow());
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
};
} // namespace Llamadesk::TestSupport
