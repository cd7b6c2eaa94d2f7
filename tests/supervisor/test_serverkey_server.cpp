// The app's own server demands its key: started from default settings, with the key that
// ServerKey generates, as main.cpp does.
#include "app/logging.h"
#include "core/secrets/memorysecretstore.h"
#include "core/secrets/serverkey.h"
#include "core/server/serverconfig.h"
#include "core/settingkeys.h"
#include "core/settings.h"
#include "supervisorfixture.h"

#include <QDir>
#include <QDirIterator>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <utility>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
int chatStatus(const QUrl &base, const QByteArray &key)
{
    QNetworkAccessManager network;
    QUrl url = base;
    url.setPath(QStringLiteral("/v1/chat/completions"));
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (!key.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + key);
    QNetworkReply *reply =
            network.post(request, QByteArrayLiteral(R"({"messages":[{"role":"user","content":"hi"}],"max_tokens":8})"));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    EXPECT_TRUE(finished.wait(10000));
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    reply->deleteLater();
    return status;
}

// A keychain that answers a read only when the test says so: the moment at start-up before the
// system keychain has answered over D-Bus. Writes succeed (from the event loop).
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
    // The keychain finally answers: no key stored yet.
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

class AppServerKey : public SupervisorTest
{
protected:
    // Default settings but for the paths and a free port, as a user's first run leaves them,
    // and the key loaded the way main.cpp loads it.
    void startFromDefaultSettings(Settings &settings, SecretStore &store)
    {
        ASSERT_FALSE(settings.set(Keys::ServerExecutable, m_config.executable));
        ASSERT_FALSE(settings.set(Keys::ServerModel, m_config.model));
        ASSERT_FALSE(settings.set(Keys::ServerPort, 0));
        ASSERT_EQ(settings.get(Keys::ServerApiKey), QString()) << "the test must not configure a key";
        ServerKey key(settings, store);
        QSignalSpy ready(&key, &ServerKey::ready);
        key.load();
        ASSERT_TRUE(ready.wait(5000));
        m_config = ServerConfig::fromSettings(settings);
        makeSupervisor().start();
        ASSERT_TRUE(waitForState(ServerState::Running));
    }

    QString settingsPath() const { return m_xdg.configHome() + QStringLiteral("/llamadesk/llamadesk.ini"); }

    // The supervisor as main.cpp and MainWindow wire it: starts held until the key is ready, and
    // every change of a server setting handed on.
    ServerSupervisor &supervisorHeldBy(ServerKey &key, Settings &settings)
    {
        EXPECT_FALSE(settings.set(Keys::ServerExecutable, m_config.executable));
        EXPECT_FALSE(settings.set(Keys::ServerModel, m_config.model));
        EXPECT_FALSE(settings.set(Keys::ServerPort, 0));
        m_config = ServerConfig::fromSettings(settings);
        ServerSupervisor &supervisor = makeSupervisor();
        QObject::connect(&settings, &Settings::changed, &supervisor,
                         [&] { supervisor.setConfig(ServerConfig::fromSettings(settings)); });
        key.holdStartsUntilReady(supervisor);
        key.load();
        return supervisor;
    }
};
} // namespace

TEST_F(AppServerKey, StartedFromDefaultSettingsTheServerRefusesAChatWithoutTheKey)
{
    MemorySecretStore store;
    Settings settings(settingsPath());
    startFromDefaultSettings(settings, store);
    const QByteArray key = settings.get(Keys::ServerApiKey).toUtf8();
    ASSERT_GE(key.size(), 32);
    EXPECT_EQ(chatStatus(m_supervisor->baseUrl(), {}), 401);
    EXPECT_EQ(chatStatus(m_supervisor->baseUrl(), "not-the-key"), 401);
    EXPECT_EQ(chatStatus(m_supervisor->baseUrl(), key), 200);
}

TEST_F(AppServerKey, WithoutAKeychainTheServerStillDemandsTheKey)
{
    MemorySecretStore store;
    store.setAvailable(false);
    Settings settings(settingsPath());
    startFromDefaultSettings(settings, store);
    const QByteArray key = settings.get(Keys::ServerApiKey).toUtf8();
    ASSERT_GE(key.size(), 32);
    EXPECT_EQ(chatStatus(m_supervisor->baseUrl(), {}), 401);
    EXPECT_EQ(chatStatus(m_supervisor->baseUrl(), key), 200);
}

TEST_F(AppServerKey, TheKeyIsInNoLogFileAndNotOnTheCommandLine)
{
    const QString logDir = m_xdg.dataHome() + QStringLiteral("/llamadesk/logs");
    ASSERT_FALSE(Logging::initialize(QStringLiteral("debug"), logDir).has_value());
    QByteArray key;
    {
        MemorySecretStore store;
        store.setAvailable(false); // the fallback logs the most about the key
        Settings settings(settingsPath());
        startFromDefaultSettings(settings, store);
        key = settings.get(Keys::ServerApiKey).toUtf8();
        ASSERT_GE(key.size(), 32);
        EXPECT_FALSE(readFile(QStringLiteral("/proc/%1/cmdline").arg(m_supervisor->processId())).contains(key));
        EXPECT_EQ(chatStatus(m_supervisor->baseUrl(), {}), 401);
        EXPECT_EQ(chatStatus(m_supervisor->baseUrl(), key), 200);
        m_supervisor->stop();
        ASSERT_TRUE(waitForState(ServerState::Stopped));
    }
    Logging::shutdown();

    QStringList logs;
    QDirIterator it(m_xdg.dataHome(), QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        logs.append(it.next());
    ASSERT_TRUE(logs.contains(logDir + QStringLiteral("/llamadesk.log"))) << logs.join(u' ').toStdString();
    ASSERT_TRUE(logs.contains(logDir + QStringLiteral("/llama-server.log"))) << logs.join(u' ').toStdString();
    EXPECT_TRUE(readFile(logDir + QStringLiteral("/llama-server.log")).contains("listening on"));
    EXPECT_TRUE(readFile(logDir + QStringLiteral("/llamadesk.log")).contains("No keychain answered"));
    for (const QString &log : std::as_const(logs))
        EXPECT_FALSE(readFile(log).contains(key)) << "the key is in " << log.toStdString();
}

TEST_F(AppServerKey, AHuggingFaceTokenInTheExtraArgumentsIsInNoLogFile)
{
    // Made up, in the shape of a real token; as one argument, which llama.cpp also echoes back
    // ('_' turned into '-') when it refuses it.
    const QString token = QStringLiteral("hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567");
    const QString logDir = m_xdg.dataHome() + QStringLiteral("/llamadesk/logs");
    ASSERT_FALSE(Logging::initialize(QStringLiteral("debug"), logDir).has_value());
    m_config.extraArgs = QStringLiteral("--hf-token=") + token;
    m_config.port = 0;
    ServerSupervisor &supervisor = makeSupervisor();
    supervisor.start();
    ASSERT_TRUE(waitUntil([&] {
        return supervisor.state() == ServerState::Running || supervisor.state() == ServerState::Failed;
    }, std::chrono::seconds(20)));
    QStringList shown;
    for (qsizetype i = 0; i < supervisor.log().size(); ++i)
        shown.append(supervisor.log().at(i).text);
    supervisor.stop();
    Logging::shutdown();

    // The command line shows it as "--hf-token=***", which the log's redaction takes for a value too.
    EXPECT_TRUE(shown.join(u'\n').contains(u"--hf-token=[redacted]")) << shown.join(u'\n').toStdString();
    const QByteArray serverLog = readFile(logDir + QStringLiteral("/llama-server.log"));
    EXPECT_TRUE(serverLog.contains("llamadesk: starting")) << serverLog.toStdString();
    for (const QString &form : {token, QString(token).replace(u'_', u'-')}) {
        EXPECT_FALSE(shown.join(u'\n').contains(form)) << "the log view shows " << form.toStdString();
        QDirIterator it(m_xdg.dataHome(), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString file = it.next();
            EXPECT_FALSE(readFile(file).contains(form.toUtf8())) << form.toStdString() << " is in " << file.toStdString();
        }
    }
}

// The settings' Start (or any start) pressed before the keychain answered waits for the key,
// and the server it then launches demands that key.
TEST_F(AppServerKey, AStartBeforeTheKeychainAnsweredWaitsForTheKey)
{
    SlowSecretStore store;
    Settings settings(settingsPath());
    ServerKey key(settings, store);
    ServerSupervisor &supervisor = supervisorHeldBy(key, settings);
    supervisor.start();
    ASSERT_TRUE(waitUntil([&] {
        return supervisor.stateReason() == QStringLiteral("Waiting for the server's API key from a slow keychain");
    })) << supervisor.stateReason().toStdString();
    EXPECT_EQ(supervisor.state(), ServerState::Starting);
    EXPECT_FALSE(supervisor.hasProcess()) << "launched without a key";

    store.answerRead();
    ASSERT_TRUE(waitForState(ServerState::Running)) << supervisor.stateReason().toStdString();
    const QString apiKey = settings.get(Keys::ServerApiKey);
    ASSERT_GE(apiKey.size(), 32);
    ASSERT_TRUE(supervisor.launchedConfig().has_value());
    EXPECT_EQ(supervisor.launchedConfig()->apiKey, apiKey);
    EXPECT_EQ(chatStatus(supervisor.baseUrl(), {}), 401);
    EXPECT_EQ(chatStatus(supervisor.baseUrl(), apiKey.toUtf8()), 200);
}

TEST_F(AppServerKey, AStopWhileWaitingForTheKeyCancelsTheStart)
{
    SlowSecretStore store;
    Settings settings(settingsPath());
    ServerKey key(settings, store);
    ServerSupervisor &supervisor = supervisorHeldBy(key, settings);
    QSignalSpy ready(&key, &ServerKey::ready);
    supervisor.start();
    ASSERT_TRUE(waitUntil([&] { return supervisor.stateReason().startsWith(u"Waiting for the server's API key"); }));
    supervisor.stop();
    EXPECT_EQ(supervisor.state(), ServerState::Stopped);

    store.answerRead();
    ASSERT_TRUE(ready.wait(5000));
    QCoreApplication::processEvents();
    EXPECT_EQ(supervisor.state(), ServerState::Stopped);
    EXPECT_FALSE(supervisor.hasProcess());
    EXPECT_FALSE(supervisor.startsHeld());
}
