#include "application/servercontroller.h"

#include "core/chat/chatclient.h"
#include "core/secrets/serverkey.h"
#include "core/server/serversupervisor.h"
#include "core/settingkeys.h"
#include "core/settings.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>

namespace Llamadesk
{
namespace
{
QString formatUptime(qint64 seconds)
{
    // Without a translation loaded, Qt's %n plural forms print "(s)": spell both out.
    // The class's context, as its tr() uses.
    const char *const context = "Llamadesk::ServerController";
    if (seconds < 60)
        return seconds == 1 ? QCoreApplication::translate(context, "1 second")
                            : QCoreApplication::translate(context, "%1 seconds").arg(seconds);
    if (seconds < 3600) {
        const qint64 minutes = seconds / 60;
        return minutes == 1 ? QCoreApplication::translate(context, "1 minute")
                            : QCoreApplication::translate(context, "%1 minutes").arg(minutes);
    }
    return QCoreApplication::translate(context, "%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60);
}

bool isServerKey(const QString &key)
{
    return key.startsWith(u"server/") && key != Keys::ServerAutostart.toString();
}
} // namespace

ServerController::ServerController(Settings &settings, ServerSupervisor &supervisor, ChatClient &client,
                                   QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_supervisor(supervisor)
    , m_client(client)
{
    connect(&m_settings, &Settings::changed, this, &ServerController::onSettingChanged);
    connect(&m_supervisor, &ServerSupervisor::stateChanged, this, &ServerController::onStateChanged);
    connect(&m_supervisor, &ServerSupervisor::preflightFailed, this, &ServerController::onPreflightFailed);
    connect(&m_supervisor, &ServerSupervisor::crashed, this, &ServerController::onCrashed);
    connect(&m_supervisor, &ServerSupervisor::logLineAdded, this, &ServerController::logLineAdded);
    // Directly, before SIGTERM: an open stream would keep the server alive for 30 s.
    connect(&m_supervisor, &ServerSupervisor::aboutToStop, &m_client, &ChatClient::cancelAll, Qt::DirectConnection);
    connect(&m_client, &ChatClient::propsReceived, this, &ServerController::onPropsReceived);
    m_supervisor.setConfig(ServerConfig::fromSettings(m_settings));
}

ServerState ServerController::state() const
{
    return m_supervisor.state();
}

QString ServerController::stateReason() const
{
    return m_supervisor.stateReason();
}

bool ServerController::isRunning() const
{
    return m_supervisor.state() == ServerState::Running;
}

bool ServerController::hasProcess() const
{
    return m_supervisor.hasProcess();
}

QUrl ServerController::baseUrl() const
{
    return m_supervisor.baseUrl();
}

const ServerLog &ServerController::log() const
{
    return m_supervisor.log();
}

bool ServerController::restartNeeded() const
{
    return m_restartNeeded;
}

int ServerController::contextSize() const
{
    return m_props.contextSize;
}

bool ServerController::modelHears() const
{
    return m_props.audio;
}

bool ServerController::modelSees() const
{
    return m_props.vision;
}

QString ServerController::sendUnavailableReason() const
{
    if (isRunning())
        return {};
    return tr("The server is not running (%1)").arg(displayName(state()).toLower());
}

QString ServerController::imageUnavailableReason() const
{
    if (!isRunning())
        return tr("The server is not running");
    if (!m_props.vision)
        return ChatClient::imageInputUnsupportedMessage();
    return {};
}

QString ServerController::details() const
{
    QStringList lines;
    const QString model = m_supervisor.config().model;
    if (model.isEmpty())
        lines.append(tr("Not set up: choose llama-server and a model in the settings."));
    else
        lines.append(tr("Model: %1").arg(QFileInfo(model).fileName()));
    if (m_supervisor.baseUrl().isValid())
        lines.append(tr("Address: %1").arg(m_supervisor.baseUrl().toString()));
    if (m_supervisor.runningSince().isValid()) {
        const qint64 seconds = m_supervisor.runningSince().secsTo(QDateTime::currentDateTime());
        lines.append(tr("Up for %1").arg(formatUptime(seconds)));
    }
    if (const auto failure = m_supervisor.lastFailure())
        lines.append(tr("Last error: %1").arg(failure->reason));
    else if (const auto issue = m_supervisor.lastIssue())
        lines.append(tr("Last error: %1").arg(issue->message));
    return lines.join(u'\n');
}

void ServerController::autostart()
{
    if (m_quitting || m_settings.get(Keys::ServerModel).isEmpty())
        return;
    if (m_settings.get(Keys::ServerAutostart))
        m_supervisor.start();
    else
        m_supervisor.stop();
}

void ServerController::shutDown()
{
    m_quitting = true;
    if (!m_supervisor.hasProcess()) {
        Q_EMIT quitReady();
        return;
    }
    // The supervisor kills the server after its grace period and gives up on it (logging its
    // pid) when even SIGKILL does not end it, so quitReady() always follows.
    m_supervisor.stop();
}

void ServerController::start()
{
    m_supervisor.start();
}

void ServerController::stop()
{
    m_supervisor.stop();
}

void ServerController::restart()
{
    m_supervisor.restart();
}

void ServerController::onSettingChanged(const QString &key)
{
    if (key == Keys::ServerModel.toString())
        Q_EMIT modelChanged(m_settings.get(Keys::ServerModel));
    if (!isServerKey(key))
        return;
    m_supervisor.setConfig(ServerConfig::fromSettings(m_settings));
    updateRestartNeeded();
}

void ServerController::updateRestartNeeded()
{
    // The running server keeps the arguments (and the key) it was launched with until restarted:
    // offer that, don't force it. Set back to what runs, the offer goes.
    const std::optional<ServerConfig> launched = m_supervisor.launchedConfig();
    const bool needed = launched && *launched != m_supervisor.config();
    const bool changed = needed != m_restartNeeded;
    m_restartNeeded = needed;
    if (needed) {
        Notice offer{Notice::Level::Info, tr("The server settings changed. Restart llama-server to use them."),
                     {{tr("Restart now"), [this] { m_supervisor.restart(); }}}, Notice::Topic::RestartNeeded};
        Q_EMIT notice(offer);
    } else if (changed) {
        Q_EMIT noticeWithdrawn(Notice::Topic::RestartNeeded);
    }
    if (changed)
        Q_EMIT restartNeededChanged(needed);
}

void ServerController::onStateChanged(ServerState state, const QString &reason)
{
    if (state == ServerState::Running) {
        // The key of the process that runs, not the setting: a key changed while it loaded
        // applies from the next start (the restart offer says so).
        const std::optional<ServerConfig> launched = m_supervisor.launchedConfig();
        m_client.setBaseUrl(m_supervisor.baseUrl());
        m_client.setApiKey(launched ? launched->apiKey : m_settings.get(Keys::ServerApiKey));
        m_client.fetchProps();
    } else if (m_props != ServerProps{}) {
        m_props = {};
        Q_EMIT capabilitiesChanged();
    }
    Q_EMIT stateChanged(state, reason);
    if (state == ServerState::Running) {
        // A server problem that is over no longer needs saying; settings changed while it
        // started still need a restart.
        Q_EMIT noticeWithdrawn(Notice::Topic::Server);
        updateRestartNeeded();
    }
    if (m_quitting && !m_supervisor.hasProcess())
        Q_EMIT quitReady();
}

void ServerController::onPropsReceived(const ServerProps &props)
{
    m_props = props;
    Q_EMIT capabilitiesChanged();
}

NoticeAction ServerController::openSettingsAction()
{
    return {tr("Open settings"), [this] { Q_EMIT settingsRequested(); }};
}

void ServerController::serverNotice(Notice::Level level, const QString &text, QList<NoticeAction> actions)
{
    Q_EMIT notice(Notice{level, text, std::move(actions), Notice::Topic::Server});
}

void ServerController::onPreflightFailed(const PreflightIssue &issue)
{
    QString text = issue.message;
    if (!issue.hint.isEmpty())
        text += u' ' + issue.hint;
    switch (issue.code) {
    case PreflightCode::PortBusy:
        if (issue.suggestedPort) {
            const int port = *issue.suggestedPort;
            serverNotice(Notice::Level::Error, text, {{tr("Use port %1").arg(port), [this, port] {
                                                          if (!m_settings.set(Keys::ServerPort, port))
                                                              m_supervisor.start();
                                                      }}});
            return;
        }
        break;
    case PreflightCode::NoExecutable:
        if (!issue.candidates.isEmpty()) {
            const QString found = issue.candidates.constFirst();
            serverNotice(Notice::Level::Error, text, {{tr("Use %1").arg(found), [this, found] {
                                                          if (!m_settings.set(Keys::ServerExecutable, found))
                                                              m_supervisor.start();
                                                      }}});
            return;
        }
        break;
    case PreflightCode::RemoteHostWithoutKey:
        serverNotice(Notice::Level::Error, text, {{tr("Generate an API key"), [this] {
                                                      if (!m_settings.set(Keys::ServerApiKey, generateApiKey()))
                                                          m_supervisor.start();
                                                  }}});
        return;
    default:
        break;
    }
    serverNotice(Notice::Level::Error, text, {openSettingsAction()});
}

void ServerController::onCrashed(const Failure &failure, bool willRestart)
{
    QString text = failure.reason;
    if (!failure.action.isEmpty())
        text += u' ' + failure.action;
    if (willRestart)
        serverNotice(Notice::Level::Warning, text + u' ' + tr("Restarting automatically."));
    else if (failure.retryable)
        serverNotice(Notice::Level::Error, text, {{tr("Retry"), [this] { m_supervisor.start(); }}});
    else
        serverNotice(Notice::Level::Error, text, {openSettingsAction()});
}
} // namespace Llamadesk
