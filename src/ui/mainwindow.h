#pragma once

#include <QMainWindow>
#include <QPointer>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace Llamadesk
{
class InlineBanner;
class Settings;
class SettingsDialog;
class TitleBar;

class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(Settings &settings, QWidget *parent = nullptr);
    ~MainWindow() override;

    TitleBar *titleBar() const;
    InlineBanner *banner() const;
    // The settings dialog while it is open, else nullptr.
    SettingsDialog *settingsDialog() const;

    // Shows problems found in the settings file as a banner that opens the settings.
    void reportSettingsWarnings(const QStringList &warnings);

public Q_SLOTS:
    void openSettings();

private:
    void onSettingChanged(const QString &key);

    Settings &m_settings;
    TitleBar *m_titleBar;
    InlineBanner *m_banner;
    QLabel *m_placeholder;
    QPlainTextEdit *m_composer;
    QPushButton *m_send;
    QPointer<SettingsDialog> m_settingsDialog;
};
} // namespace Llamadesk
