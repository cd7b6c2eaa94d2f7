#pragma once

#include "server/serverstate.h"

#include <QMainWindow>
#include <QPointer>

#include <functional>

class QLabel;

namespace Llamadesk
{
class InlineBanner;
class ServerSupervisor;
class Settings;
class SettingsDialog;
class TitleBar;
struct Failure;
struct PreflightIssue;

class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    // chatPane: the chat (ChatPane), placed below the title bar; without one a placeholder says
    // how to get started.
    MainWindow(Settings &settings, ServerSupervisor &supervisor, const QString &logDirectory,
               QWidget *chatPane = nullptr, QWidget *parent = nullptr);
    ~MainWindow() override;

    TitleBar *titleBar() const;
    InlineBanner *banner() const;
    // The settings dialog while it is open, else nullptr.
    SettingsDialog *settingsDialog() const;

    // Shows problems found in the settings file as a banner that opens the settings.
    void reportSettingsWarnings(const QStringList &warnings);

public Q_SLOTS:
    void openSettings();

protected:
    // Closing stops the server first, so it never outlives the app; a server that does not exit
    // even after SIGKILL is given up on by the supervisor (SupervisorOptions::killGrace), and the
    // window closes then.
    void closeEvent(QCloseEvent *event) override;

private:
    void onSettingChanged(const QString &key);
    void offerRestartIfNeeded();
    void onServerStateChanged(ServerState state, const QString &reason);
    void onPreflightFailed(const PreflightIssue &issue);
    void onCrashed(const Failure &failure, bool willRestart);
    // level: InlineBanner::Level as int. Server banners go away once the server runs.
    void showBanner(int level, const QString &text, const QString &actionText, std::function<void()> action);
    void showServerBanner(int level, const QString &text, const QString &actionText, std::function<void()> action);
    QString serverDetails() const;

    Settings &m_settings;
    ServerSupervisor &m_supervisor;
    QString m_logDirectory;
    TitleBar *m_titleBar;
    InlineBanner *m_banner;
    QWidget *m_chatPane = nullptr;
    QLabel *m_placeholder = nullptr;
    QPointer<SettingsDialog> m_settingsDialog;
    std::function<void()> m_bannerAction;
    bool m_closing = false;
    bool m_serverBanner = false;
    bool m_restartBanner = false; // the banner offers the restart that applies changed settings
};
} // namespace Llamadesk
