#include "ui/mainwindow.h"

#include "ui/modelpicker.h"

#include "application/app.h"
#include "ui/chatpane.h"
#include "ui/inlinebanner.h"
#include "ui/messageboxclipprompt.h"
#include "ui/screenshotcontroller.h"
#include "core/settingkeys.h"
#include "core/settings.h"
#include "ui/settingsdialog.h"
#include "ui/statusdot.h"
#include "ui/titlebar.h"
#include "ui/typetofocus.h"

#include <QAction>
#include <QCloseEvent>
#include <QVBoxLayout>

namespace Llamadesk
{
MainWindow::MainWindow(App &app, QWidget *parent)
    : QMainWindow(parent)
    , m_app(app)
    , m_titleBar(new TitleBar(this))
    , m_banner(new InlineBanner(this))
    , m_clipPrompt(std::make_unique<MessageBoxClipPrompt>(this))
    , m_screenshots(new ScreenshotController(app.screenGrabber(), app.settings(), this, this))
    , m_chatPane(nullptr)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Llamadesk"));
    resize(900, 640);
    m_app.voiceInput().setClipPrompt(m_clipPrompt.get());

    auto *bannerRow = new QVBoxLayout;
    bannerRow->setContentsMargins(10, 6, 10, 0);
    bannerRow->addWidget(m_banner);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_titleBar);
    layout->addLayout(bannerRow);
    setCentralWidget(central);
    m_chatPane = new ChatPane(app, m_screenshots, central);
    layout->addWidget(m_chatPane, 1);
    // The window opens ready to type in (the chat's focus proxy is its message box), and keys
    // typed on a button or the list go there too.
    m_chatPane->setFocus(Qt::OtherFocusReason);
    new TypeToFocus(this, m_chatPane, this);

    auto *settingsAction = new QAction(tr("Settings"), this);
    // The platform's key where it has one; Ctrl+, everywhere (desktops without a theme have none).
    QList<QKeySequence> settingsKeys = QKeySequence::keyBindings(QKeySequence::Preferences);
    if (!settingsKeys.contains(QKeySequence(Qt::CTRL | Qt::Key_Comma)))
        settingsKeys.append(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    settingsAction->setShortcuts(settingsKeys);
    addAction(settingsAction);
    auto *modelsAction = new QAction(tr("Models…"), this);
    modelsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
    addAction(modelsAction);
    connect(modelsAction, &QAction::triggered, this, &MainWindow::openModels);
    connect(m_titleBar, &TitleBar::modelsRequested, this, &MainWindow::openModels);
    auto *quitAction = new QAction(tr("Quit"), this);
    quitAction->setShortcut(QKeySequence::Quit);
    addAction(quitAction);

    ServerController &server = m_app.server();
    connect(settingsAction, &QAction::triggered, this, &MainWindow::openSettings);
    connect(quitAction, &QAction::triggered, this, &MainWindow::close);
    connect(m_titleBar, &TitleBar::settingsRequested, this, &MainWindow::openSettings);
    connect(&m_app.settings(), &Settings::warningRaised, this,
            [this](const QString &message) { m_banner->showNotice({Notice::Level::Error, message}); });
    connect(&server, &ServerController::stateChanged, this, &MainWindow::onServerStateChanged);
    connect(&server, &ServerController::notice, m_banner, &InlineBanner::showNotice);
    connect(&server, &ServerController::noticeWithdrawn, m_banner, &InlineBanner::withdraw);
    connect(&server, &ServerController::settingsRequested, this, &MainWindow::openSettings);
    connect(&server, &ServerController::modelChanged, m_titleBar, &TitleBar::setModel);
    connect(&server, &ServerController::quitReady, this, [this] {
        if (m_closing)
            close();
    });
    connect(&m_app, &App::problemFound, this, [this](const QString &problem) { reportSettingsWarnings({problem}); });

    m_titleBar->statusDot()->setDetailProvider([&server] { return server.details(); });
    m_titleBar->setModel(m_app.settings().get(Keys::ServerModel));
    onServerStateChanged(server.state(), server.stateReason());
    reportSettingsWarnings(m_app.startupProblems());
}

MainWindow::~MainWindow()
{
    m_app.voiceInput().setClipPrompt(nullptr);
}

TitleBar *MainWindow::titleBar() const
{
    return m_titleBar;
}

InlineBanner *MainWindow::banner() const
{
    return m_banner;
}

ChatPane *MainWindow::chatPane() const
{
    return m_chatPane;
}

ScreenshotController *MainWindow::screenshots() const
{
    return m_screenshots;
}

SettingsDialog *MainWindow::settingsDialog() const
{
    return m_settingsDialog;
}

void MainWindow::reportSettingsWarnings(const QStringList &warnings)
{
    if (warnings.isEmpty())
        return;
    m_banner->showNotice({Notice::Level::Warning,
                          warnings.join(u'\n'),
                          {{tr("Open settings"), [this] { openSettings(); }}},
                          Notice::Topic::Settings});
}

void MainWindow::openSettings()
{
    if (m_settingsDialog) {
        m_settingsDialog->raise();
        m_settingsDialog->activateWindow();
        return;
    }
    m_settingsDialog = new SettingsDialog(m_app.settings(), m_app.server(), m_app.logDirectory(), this);
    m_settingsDialog->setAttribute(Qt::WA_DeleteOnClose);
    // Back to the conversation: closed, the settings leave the focus in the message box, not
    // on the control that opened them.
    connect(m_settingsDialog, &QDialog::finished, this, [this] { m_chatPane->setFocus(Qt::OtherFocusReason); });
    m_settingsDialog->open();
}

ModelPicker *MainWindow::modelPicker() const
{
    return m_modelPicker;
}

void MainWindow::openModels()
{
    if (m_modelPicker) {
        m_modelPicker->raise();
        m_modelPicker->activateWindow();
        return;
    }
    m_modelPicker = new ModelPicker(m_app.models(), this);
    m_modelPicker->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_modelPicker, &QDialog::finished, this, [this] { m_chatPane->setFocus(Qt::OtherFocusReason); });
    m_modelPicker->open();
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
    case ServerState::Unknown:
    case ServerState::Stopped:
    case ServerState::Crashed:
    case ServerState::Failed:
        m_titleBar->setActivity({});
        break;
    }
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!m_app.server().hasProcess()) {
        event->accept();
        return;
    }
    // Stop first; the window closes when the server is gone (quitReady).
    event->ignore();
    if (!m_closing) {
        m_closing = true;
        setEnabled(false);
        m_app.server().shutDown();
    }
}
} // namespace Llamadesk
