#pragma once

// The application layer without a window: the core objects App builds, and the controllers on
// top of them, against the fake llama-server (or LLAMADESK_LLAMA_SERVER's real one). What the
// widgets would show is what the controllers emit: notices with actions, reasons, availability.
#include "core/chat/chatclient.h"
#include "storeassert.h"
#include "core/chat/chatsession.h"
#include "core/chat/chatstore.h"
#include "application/chatcontroller.h"
#include "application/notice.h"
#include "core/server/serversupervisor.h"
#include "application/servercontroller.h"
#include "core/settingkeys.h"
#include "core/settings.h"
#include "supervisorfixture.h"
#include "testsupport.h"

#include <QSignalSpy>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <memory>

namespace Llamadesk::TestSupport
{
class ControllerTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_settings = std::make_unique<Settings>(m_dir.filePath(QStringLiteral("llamadesk.ini")));
        ASSERT_FALSE(m_settings->set(Keys::ServerExecutable, serverUnderTest()));
        ASSERT_FALSE(m_settings->set(Keys::ServerModel, tinyModel()));
        ASSERT_FALSE(m_settings->set(Keys::ServerPort, 0));
        ASSERT_FALSE(m_settings->set(Keys::ServerContextSize, 2048));
        ASSERT_FALSE(m_settings->set(Keys::ChatMaxTokens, 8));
        m_supervisor = std::make_unique<ServerSupervisor>(nullptr, fastOptions());
        m_store = std::make_unique<ChatStore>(m_dir.filePath(QStringLiteral("chats.sqlite")));
        ASSERT_TRUE(stored(m_store->open()));
        m_client = std::make_unique<ChatClient>();
        m_session = std::make_unique<ChatSession>(*m_store, *m_client, *m_settings);
        m_server = std::make_unique<ServerController>(*m_settings, *m_supervisor, *m_client);
        m_chat = std::make_unique<ChatController>(*m_store, *m_session, *m_server, *m_settings);
        m_notices = std::make_unique<QSignalSpy>(m_server.get(), &ServerController::notice);
        m_withdrawn = std::make_unique<QSignalSpy>(m_server.get(), &ServerController::noticeWithdrawn);
    }

    void TearDown() override
    {
        if (m_supervisor && m_supervisor->hasProcess()) {
            m_supervisor->stop();
            EXPECT_TRUE(waitUntil([&] { return !m_supervisor->hasProcess(); }));
        }
        m_withdrawn.reset();
        m_notices.reset();
        m_chat.reset();
        m_server.reset();
        m_session.reset();
        m_client.reset();
        m_store.reset();
        m_supervisor.reset();
    }

    // Starts the server through the controller and waits until the chat client knows what it runs.
    void startServer()
    {
        QSignalSpy capabilities(m_server.get(), &ServerController::capabilitiesChanged);
        m_server->start();
        ASSERT_TRUE(waitUntil([&] { return m_server->isRunning(); }, std::chrono::seconds(15)))
                << m_server->stateReason().toStdString();
        ASSERT_TRUE(capabilities.count() > 0 || capabilities.wait(5000)) << "no /props after Running";
    }

    // The last notice the server controller emitted.
    Notice lastServerNotice() const
    {
        return m_notices->isEmpty() ? Notice{} : m_notices->constLast().at(0).value<Notice>();
    }

    static const NoticeAction *action(const Notice &notice, const QString &label)
    {
        for (const NoticeAction &action : notice.actions) {
            if (action.label == label)
                return &action;
        }
        return nullptr;
    }

    QTemporaryDir m_dir;
    TempXdg m_xdg;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<ServerSupervisor> m_supervisor;
    std::unique_ptr<ChatStore> m_store;
    std::unique_ptr<ChatClient> m_client;
    std::unique_ptr<ChatSession> m_session;
    std::unique_ptr<ServerController> m_server;
    std::unique_ptr<ChatController> m_chat;
    std::unique_ptr<QSignalSpy> m_notices;
    std::unique_ptr<QSignalSpy> m_withdrawn;
};
} // namespace Llamadesk::TestSupport
