#include "mainwindow.h"

#include "inlinebanner.h"
#include "server/serversupervisor.h"
#include "settingkeys.h"
#include "settings.h"
#include "settingsdialog.h"
#include "statusdot.h"
#include "titlebar.h"
#include "typetofocus.h"

#include <QAction>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>

namespace Llamadesk
{
namespace
{
QString formatUptime(qint64 seconds)
{
    // Without a translation loaded, Qt's %n plural forms print "(s)": spell both out.
    if (seconds < 60) {
        return seconds == 1 ? QCoreApplication::translate("MainWindow", "1 second")
                            : QCoreApplication::translate("MainWindow", "%1 seconds").arg(seconds);
    }
    if (seconds < 3600) {
        const qint64 minutes = seconds / 60;
        return minutes == 1 ? QCoreApplication::translate("MainWindow", "1 minute")
                            : QCoreApplication::translate("MainWindow", "%1 minutes").arg(minutes);
    }
    return QCoreApplication::translate("MainWindow", "%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60);
}

bool isServerKey(const QString &key)
{
    return key.startsWith(u"server/") && key != Keys::ServerAutostart.toString();
}
} // namespace

MainWindow::MainWindow(Settings &settings, ServerSupervisor &supervisor, const QString &logDirectory,
                       QWidget *chatPane, QWidget *parent)
    : QMainWindow(parent)
    , m_settings(settings)
    , m_supervisor(supervisor)
    , m_logDirectory(logDirectory)
    , m_titleBar(new TitleBar(this))
    , m_banner(new InlineBanner(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Llamadesk"));
    resize(900, 640);

    auto *bannerRow = new QVBoxLayout;
    bannerRow->setContentsMargins(10, 6, 10, 0);
    bannerRow->addWidget(m_banner);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_titleBar);
    layout->addLayout(bannerRow);
    if (chatPane) {
        m_chatPane = chatPane;
        chatPane->setParent(central);
        layout->addWidget(chatPane, 1);
        // The window opens ready to type in (the chat's focus proxy is its message box), and
        // keys typed on a button or the list go there too.
        chatPane->setFocus(Qt::OtherFocusReason);
        new TypeToFocus(this, chatPane, this);
    } else {
        m_placeholder = new QLabel(central);
        m_placeholder->setObjectName(QStringLiteral("chatPlaceholder"));
        m_placeholder->setAlignment(Qt::AlignCenter);
        m_placeholder->setWordWrap(true);
        m_placeholder->setForegroundRole(QPalette::PlaceholderText);
        layout->addWidget(m_placeholder, 1);
    }
    setCentralWidget(central);

    auto *settingsAction = new QAction(tr("Settings"), this);
    // The platform's key where it has one; Ctrl+, everywhere (desktops without a theme have none).
    QList<QKeySequence> settingsKeys = QKeySequence::keyBindings(QKeySequence::Preferences);
    if (!settingsKeys.contains(QKeySequence(Qt::CTRL | Qt::Key_Comma)))
        settingsKeys.append(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    settingsAction->setShortcuts(settingsKeys);
    addAction(settingsAction);
    auto *quitAction = new QAction(tr("Quit"), this);
    quitAction->setShortcut(QKeySequence::Quit);
    addAction(quitAction);

    connect(settingsAction, &QAction::triggered, this, &MainWindow::openSettings);
    connect(quitAction, &QAction::triggered, this, &MainWindow::close);
    connect(m_titleBar, &TitleBar::settingsRequested, this, &MainWindow::openSettings);
    connect(m_banner, &InlineBanner::actionTriggered, this, [this] {
        if (m_bannerAction)
            m_bannerAction();
    });
    connect(&m_settings, &Settings::changed, this, &MainWindow::onSettingChanged);
    connect(&m_settings, &Settings::warningRaised, this,
            [this](const QString &message) { showBanner(2, message, {}, {}); });
    connect(&m_supervisor, &ServerSupervisor::stateChanged, this, &MainWindow::onServerStateChanged);
    connect(&m_supervisor, &ServerSupervisor::preflightFailed, this, &MainWindow::onPreflightFailed);
    connect(&m_supervisor, &ServerSupervisor::crashed, this, &MainWindow::onCrashed);

    m_titleBar->statusDot()->setDetailProvider([this] { return serverDetails(); });
    m_titleBar->setModel(m_settings.get(Keys::ServerModel));
    m_supervisor.setConfig(ServerConfig::fromSettings(m_settings));
    onServerStateChanged(m_supervisor.state(), m_supervisor.stateReason());
}

MainWindow::~MainWindow() = default;

TitleBar *MainWindow::titleBar() const
{
    return m_titleBar;
}

InlineBanner *MainWindow::banner() const
{
    return m_banner;
}

SettingsDialog *MainWindow::settingsDialog() const
{
    return m_settingsDialog;
}

void MainWindow::reportSettingsWarnings(const QStringList &warnings)
{
    if (warnings.isEmpty())
        return;
    showBanner(1, warnings.join(u'\n'), tr("Open settings"), [this] { openSettings(); });
}

void MainWindow::showBanner(int level, const QString &text, const QString &actionText, std::function<void()> action)
{
    m_serverBanner = false;
    m_restartBanner = false;
    m_bannerAction = std::move(action);
    m_banner->showMessage(static_cast<InlineBanner::Level>(level), text, actionText);
}

void MainWindow::openSettings()
{
    if (m_settingsDialog) {
        m_settingsDialog->raise();
        m_settingsDialog->activateWindow();
        return;
    }
    m_settingsDialog = new SettingsDialog(m_settings, m_supervisor, m_logDirectory, this);
    m_settingsDialog->setAttribute(Qt::WA_DeleteOnClose);
    // Back to the conversation: closed, the settings leave the focus in the message box, not
    // on the control that opened them.
    connect(m_settingsDialog, &QDialog::finished, this, [this] {
        if (m_chatPane)
            m_chatPane->setFocus(Qt::OtherFocusReason);
    });
    m_settingsDialog->open();
}

void MainWindow::onSettingChanged(const QString &key)
{
    if (key == Keys::ServerModel.toString())
        m_titleBar->setModel(m_settings.get(Keys::ServerModel));
    if (!isServerKey(key))
        return;
    m_supervisor.setConfig(ServerConfig::fromSettings(m_settings));
    offerRestartIfNeeded();
}

void MainWindow::offerRestartIfNeeded()
{
    // The running server keeps the arguments (and the key) it was launched with until restarted:
    // offer that, don't force it. Set back to what runs, the offer goes.
    const std::optional<ServerConfig> launched = m_supervisor.launchedConfig();
    if (!launched || *launched == m_supervisor.config()) {
        if (m_restartBanner)
            m_banner->hide();
        m_restartBanner = false;
        return;
    }
    showServerBanner(0, tr("The server settings changed. Restart llama-server to use them."), tr("Restart now"),
                     [this] { m_supervisor.restart(); });
    m_restartBanner = true;
}

QString MainWindow::serverDetails() const
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

void MainWindow::onServerStateChanged(ServerState state, const QString &reason)
{
    m_titleBar->statusDot()->setState(state, reason);
    switch (state) {
    case ServerState::Starting:
    case ServerState::Loading:
    case ServerState::Stopping:
        m_titleBar->setActivity(reason.isEmpty() ? displayName(state) : reason);
        break;
    case ServerState::Running:
        m_titleBar->setActivity({});
        // A server problem that is over no longer needs saying; settings changed while it
        // started still need a restart.
        if (m_serverBanner)
            m_banner->hide();
        offerRestartIfNeeded();
        break;
    case ServerState::Unknown:
    case ServerState::Stopped:
    case ServerState::Crashed:
    case ServerState::Failed:
        m_titleBar->setActivity({});
        break;
    }
    if (m_placeholder) {
        m_placeholder->setText(state == ServerState::Running
                                   ? tr("llama-server is running at %1.").arg(m_supervisor.baseUrl().toString())
                                   : tr("Conversations will appear here.\n\n"
                                        "Click the dot in the top left corner to choose llama-server and a model."));
    }
    if (m_closing && !m_supervisor.hasProcess())
        close();
}

void MainWindow::showServerBanner(int level, const QString &text, const QString &actionText,
                                  std::function<void()> action)
{
    showBanner(level, text, actionText, std::move(action));
    m_serverBanner = true;
}

void MainWindow::onPreflightFailed(const PreflightIssue &issue)
{
    QString text = issue.message;
    if (!issue.hint.isEmpty())
        text += u' ' + issue.hint;
    switch (issue.code) {
    case PreflightCode::PortBusy:
        if (issue.suggestedPort) {
            const int port = *issue.suggestedPort;
            showServerBanner(2, text, tr("Use port %1").arg(port), [this, port] {
                if (!m_settings.set(Keys::ServerPort, port))
                    m_supervisor.start();
            });
            return;
        }
        break;
    case PreflightCode::NoExecutable:
        if (!issue.candidates.isEmpty()) {
            const QString found = issue.candidates.constFirst();
            showServerBanner(2, text, tr("Use %1").arg(found), [this, found] {
                if (!m_settings.set(Keys::ServerExecutable, found))
                    m_supervisor.start();
            });
            return;
        }
        break;
    case PreflightCode::RemoteHostWithoutKey:
        showServerBanner(2, text, tr("Generate an API key"), [this] {
            if (!m_settings.set(Keys::ServerApiKey, generateApiKey()))
                m_supervisor.start();
        });
        return;
    default:
        break;
    }
    showServerBanner(2, text, tr("Open settings"), [this] { openSettings(); });
}

void MainWindow::onCrashed(const Failure &failure, bool willRestart)
{
    QString text = failure.reason;
    if (!failure.action.isEmpty())
        text += u' ' + failure.action;
    if (willRestart) {
        showServerBanner(1, text + u' ' + tr("Restarting automatically."), {}, {});
        return;
    }
    if (failure.retryable)
        showServerBanner(2, text, tr("Retry"), [this] { m_supervisor.start(); });
    else
        showServerBanner(2, text, tr("Open settings"), [this] { openSettings(); });
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!m_supervisor.hasProcess()) {
        event->accept();
        return;
    }
    // Stop first; the window closes when the server is gone (onServerStateChanged). The
    // supervisor kills it after its grace period and gives up on it (logging its pid) when even
    // SIGKILL does not end it, so this cannot hang.
    event->ignore();
    if (!m_closing) {
        m_closing = true;
        setEnabled(false);
        m_supervisor.stop();
    }
}
} // namespace Llamadesk
