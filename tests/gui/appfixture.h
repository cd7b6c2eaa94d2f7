#pragma once

// The app as main() builds it (App from AppOptions), for the GUI tests: on temporary files, the
// keychain in memory, the fake llama-server and the tiny model. What differs from main() is
// only what AppOptions lets a caller choose.
#include "app.h"
#include "secrets/memorysecretstore.h"
#include "settingkeys.h"
#include "settings.h"
#include "testsupport.h"

#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <memory>

namespace Llamadesk::TestSupport
{
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
    return options;
}

#ifdef LLAMADESK_FAKE_LLAMA_SERVER
// The fake llama-server with the tiny model, on a free
// port, answers cut at maxTokens; projector: a file in ../shared/models, or none.
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
#endif

// Stops the app's server and waits until its process is gone, so that no test leaves one behind.
inline void stopServer(App &app)
{
    if (app.supervisor().hasProcess()) {
        app.supervisor().stop();
        EXPECT_TRUE(waitUntil([&] { return !app.supervisor().hasProcess(); }));
    }
}
} // namespace Llamadesk::TestSupport
