#pragma once

#include "core/server/serverstate.h"

#include <QMainWindow>
#include <QPointer>

#include <memory>

namespace Llamadesk
{
class App;
class ChatPane;
class InlineBanner;
class MessageBoxClipPrompt;
class ScreenshotController;
class SettingsDialog;
class ModelPicker;
class TitleBar;

// The window: the title bar with the server's status dot, the window's banner (the server's
// problems, settings warnings, the restart offer) and the chat. It builds its widgets on the
// app's controllers and only binds to them.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(App &app, QWidget *parent = nullptr);
    ~MainWindow() override;

    TitleBar *titleBar() const;
    InlineBanner *banner() const;
    ChatPane *chatPane() const;
    ScreenshotController *screenshots() const;
    // The settings dialog while it is open, else nullptr.
    SettingsDialog *settingsDialog() const;
    // The model picker while it is open (Models… in the title bar, Ctrl+Shift+M).
    ModelPicker *modelPicker() const;

    // Shows problems found in the settings file as a banner that opens the settings.
    void reportSettingsWarnings(const QStringList &warnings);

public Q_SLOTS:
    void openSettings();
    void openModels();

protected:
    // Closing stops the server first, so it never outlives the app; a server that does not exit
    // even after SIGKILL is given up on by the supervisor (SupervisorOptions::killGrace), and the
    // window closes then.
    void closeEvent(QCloseEvent *event) override;

private:
    void onServerStateChanged(ServerState state, const QString &reason);

    App &m_app;
    TitleBar *m_titleBar;
    InlineBanner *m_banner;
    std::unique_ptr<MessageBoxClipPrompt> m_clipPrompt;
    ScreenshotController *m_screenshots;
    ChatPane *m_chatPane;
    QPointer<SettingsDialog> m_settingsDialog;
    QPointer<ModelPicker> m_modelPicker;
    bool m_closing = false;
};
} // namespace Llamadesk
