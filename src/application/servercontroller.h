#pragma once

#include "application/notice.h"

#include "core/chat/chatprotocol.h"
#include "core/server/serverlog.h"
#include "core/server/serverstate.h"

#include <QObject>
#include <QUrl>

namespace Llamadesk
{
class ChatClient;
class ServerSupervisor;
class Settings;
struct Failure;
struct PreflightIssue;

// The server as the widgets see it. Turns the server/* settings into the supervisor's
// ServerConfig (and says when the running server needs a restart to use them), starts it at
// launch when server/autostart says so, points the chat client at the running server with the
// key that server was launched with, learns what the model can do from /props, and cancels the
// client's streams before the server is asked to exit. Problems become Notices whose actions are
// bound to what went wrong (use this port, use that executable, retry).
class ServerController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerController)

public:
    ServerController(Settings &settings, ServerSupervisor &supervisor, ChatClient &client, QObject *parent = nullptr);

    ServerState state() const;
    QString stateReason() const;
    bool isRunning() const;
    // From the spawn until the process is gone (exited, or given up on after SIGKILL).
    bool hasProcess() const;
    QUrl baseUrl() const;
    const ServerLog &log() const;
    // The status dot's tooltip: model, address, uptime, last error.
    QString details() const;
    // The settings differ from what the running server was launched with.
    bool restartNeeded() const;

    // What the running model can do (/props of this run); zero/false while not running.
    int contextSize() const;
    bool modelHears() const;
    bool modelSees() const;
    // Why nothing can be sent now ("The server is not running (stopped)"), empty when it can.
    QString sendUnavailableReason() const;
    // Why pictures cannot be attached now, empty when they can.
    QString imageUnavailableReason() const;

    // At launch, once the API key is there: start when server/autostart is on and a model is set
    // up, else show it as stopped. Without a model the dot stays grey.
    void autostart();
    // Stops the server for good (the app is quitting); quitReady() follows once no process is left,
    // at once when there is none.
    void shutDown();

public Q_SLOTS:
    void start();
    void stop();
    void restart();

Q_SIGNALS:
    void stateChanged(Llamadesk::ServerState state, const QString &reason);
    void logLineAdded(const Llamadesk::ServerLogLine &line);
    void capabilitiesChanged();
    void restartNeededChanged(bool needed);
    void modelChanged(const QString &path);
    void notice(const Llamadesk::Notice &notice);
    void noticeWithdrawn(Llamadesk::Notice::Topic topic);
    // A notice's "Open settings".
    void settingsRequested();
    void quitReady();

private:
    void onSettingChanged(const QString &key);
    void onStateChanged(ServerState state, const QString &reason);
    void onPropsReceived(const ServerProps &props);
    void onPreflightFailed(const PreflightIssue &issue);
    void onCrashed(const Failure &failure, bool willRestart);
    void updateRestartNeeded();
    void serverNotice(Notice::Level level, const QString &text, QList<NoticeAction> actions = {});
    NoticeAction openSettingsAction();

    Settings &m_settings;
    ServerSupervisor &m_supervisor;
    ChatClient &m_client;
    ServerProps m_props;
    bool m_restartNeeded = false;
    bool m_quitting = false;
};
} // namespace Llamadesk
