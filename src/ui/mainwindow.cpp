#include "mainwindow.h"

#include "inlinebanner.h"
#include "settingkeys.h"
#include "settings.h"
#include "settingsdialog.h"
#include "statusdot.h"
#include "titlebar.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace Llamadesk
{
MainWindow::MainWindow(Settings &settings, QWidget *parent)
    : QMainWindow(parent)
    , m_settings(settings)
    , m_titleBar(new TitleBar(this))
    , m_banner(new InlineBanner(this))
    , m_placeholder(new QLabel(this))
    , m_composer(new QPlainTextEdit(this))
    , m_send(new QPushButton(tr("Send"), this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Llamadesk"));
    resize(900, 640);

    m_placeholder->setObjectName(QStringLiteral("chatPlaceholder"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setForegroundRole(QPalette::PlaceholderText);
    m_placeholder->setText(tr("Conversations will appear here.\n\n"
                              "Click the dot in the top left corner to choose llama-server and a model."));

    m_composer->setObjectName(QStringLiteral("composer"));
    m_composer->setPlaceholderText(tr("Ask anything…"));
    m_composer->setMaximumHeight(96);
    m_send->setObjectName(QStringLiteral("sendButton"));
    m_send->setEnabled(false);
    m_send->setToolTip(tr("The server is not running yet"));

    auto *composerRow = new QHBoxLayout;
    composerRow->setContentsMargins(10, 6, 10, 10);
    composerRow->addWidget(m_composer, 1);
    composerRow->addWidget(m_send, 0, Qt::AlignBottom);

    auto *bannerRow = new QVBoxLayout;
    bannerRow->setContentsMargins(10, 6, 10, 0);
    bannerRow->addWidget(m_banner);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_titleBar);
    layout->addLayout(bannerRow);
    layout->addWidget(m_placeholder, 1);
    layout->addLayout(composerRow);
    setCentralWidget(central);

    auto *settingsAction = new QAction(tr("Settings"), this);
    settingsAction->setShortcut(QKeySequence::Preferences);
    addAction(settingsAction);
    auto *quitAction = new QAction(tr("Quit"), this);
    quitAction->setShortcut(QKeySequence::Quit);
    addAction(quitAction);

    connect(settingsAction, &QAction::triggered, this, &MainWindow::openSettings);
    connect(quitAction, &QAction::triggered, this, &MainWindow::close);
    connect(m_titleBar, &TitleBar::settingsRequested, this, &MainWindow::openSettings);
    connect(m_banner, &InlineBanner::actionTriggered, this, &MainWindow::openSettings);
    connect(&m_settings, &Settings::changed, this, &MainWindow::onSettingChanged);
    connect(&m_settings, &Settings::warningRaised, this, [this](const QString &message) {
        m_banner->showMessage(InlineBanner::Level::Error, message);
    });

    m_titleBar->setModel(m_settings.get(Keys::ServerModel));
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
    m_banner->showMessage(InlineBanner::Level::Warning, warnings.join(u'\n'), tr("Open settings"));
}

void MainWindow::openSettings()
{
    if (m_settingsDialog) {
        m_settingsDialog->raise();
        m_settingsDialog->activateWindow();
        return;
    }
    m_settingsDialog = new SettingsDialog(m_settings, this);
    m_settingsDialog->setAttribute(Qt::WA_DeleteOnClose);
    m_settingsDialog->open();
}

void MainWindow::onSettingChanged(const QString &key)
{
    if (key == Keys::ServerModel.toString())
        m_titleBar->setModel(m_settings.get(Keys::ServerModel));
}
} // namespace Llamadesk
