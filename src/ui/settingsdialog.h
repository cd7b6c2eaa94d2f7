#pragma once

#include "core/server/serverlog.h"
#include "core/server/serverstate.h"

#include <QDialog>

#include <memory>

namespace Ui
{
class SettingsDialog;
}

class QLineEdit;

namespace Llamadesk
{
class ServerController;
class Settings;

// The server settings, opened from the status dot: the server/* fields, Start/Stop/Restart,
// and the live server log. Save validates every field first and writes nothing unless all
// are valid; Start and Restart save first, so what runs is what the form shows.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)

public:
    // Levels the log view can be limited to, in the order of the filter box.
    enum class LogFilter { All, InfoAndAbove, WarningsAndErrors, ErrorsOnly };

    SettingsDialog(Settings &settings, ServerController &server, const QString &logDirectory,
                   QWidget *parent = nullptr);
    ~SettingsDialog() override;

    // The message shown when Save found a problem; empty when there is none.
    QString errorText() const;
    void setLogFilter(LogFilter filter);
    // The log lines currently shown.
    QString logText() const;

public Q_SLOTS:
    void accept() override;

Q_SIGNALS:
    // Saved, and at least one server/* value changed.
    void serverSettingsChanged();

private:
    bool apply();
    void loadFromSettings();
    void browse(QLineEdit *target, const QString &title, const QString &filter = {});
    void showError(const QString &message, QWidget *field);
    void onStateChanged(ServerState state, const QString &reason);
    void appendLogLine(const ServerLogLine &line);
    void reloadLog();
    bool passesFilter(const ServerLogLine &line) const;

    std::unique_ptr<Ui::SettingsDialog> m_ui;
    Settings &m_settings;
    ServerController &m_server;
    QString m_logDirectory;
};
} // namespace Llamadesk
