#pragma once

// The window as main() builds it (MainWindow around a ChatPane, on temporary files and the fake
// llama-server), for the tests of what a person meets in it: keyboard focus, text that fits.
#include "chat/chatclient.h"
#include "chat/chatsession.h"
#include "chat/chatstore.h"
#include "chatpane.h"
#include "composer.h"
#include "mainwindow.h"
#include "server/serversupervisor.h"
#include "settingkeys.h"
#include "settings.h"
#include "testsupport.h"

#include <QPlainTextEdit>
#include <QTemporaryDir>
#include <QtTest/QTest>

#include <gtest/gtest.h>

#include <memory>

namespace Llamadesk::TestSupport
{
class ChatWindowTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_settings = std::make_unique<Settings>(m_dir.filePath(QStringLiteral("llamadesk.ini")));
        ASSERT_FALSE(m_settings->set(Keys::ServerExecutable, QStringLiteral(LLAMADESK_FAKE_LLAMA_SERVER)));
        ASSERT_FALSE(m_settings->set(Keys::ServerModel, QString(sharedDir() + QStringLiteral("/models/tiny-llama.gguf"))));
        ASSERT_FALSE(m_settings->set(Keys::ServerPort, 0));
        ASSERT_FALSE(m_settings->set(Keys::ChatMaxTokens, 20));
        m_supervisor = std::make_unique<ServerSupervisor>(nullptr);
        m_store = std::make_unique<ChatStore>(m_dir.filePath(QStringLiteral("chats.sqlite")));
        ASSERT_TRUE(m_store->open()) << m_store->lastError().toStdString();
        m_client = std::make_unique<ChatClient>();
        m_session = std::make_unique<ChatSession>(*m_store, *m_client, *m_settings);
    }

    void TearDown() override
    {
        if (m_supervisor->hasProcess()) {
            m_supervisor->stop();
            EXPECT_TRUE(waitUntil([&] { return !m_supervisor->hasProcess(); }));
        }
        m_window.reset();
        m_session.reset();
        m_client.reset();
        m_store.reset();
    }

    // Builds the window (on what the store holds now), shows it and makes it the active one, so
    // that keys go where its focus is.
    void openWindow()
    {
        m_pane = new ChatPane(*m_store, *m_session, *m_client, *m_supervisor, *m_settings);
        m_window = std::make_unique<MainWindow>(*m_settings, *m_supervisor, m_dir.filePath(QStringLiteral("logs")),
                                                m_pane);
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
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<ServerSupervisor> m_supervisor;
    std::unique_ptr<ChatStore> m_store;
    std::unique_ptr<ChatClient> m_client;
    std::unique_ptr<ChatSession> m_session;
    ChatPane *m_pane = nullptr; // owned by the window
    std::unique_ptr<MainWindow> m_window;
};
} // namespace Llamadesk::TestSupport
