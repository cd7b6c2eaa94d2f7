#pragma once

#include <QDialog>

#include <memory>

namespace Ui
{
class SettingsDialog;
}

class QLineEdit;

namespace Llamadesk
{
class Settings;

// The server settings, opened from the status dot. Shows what Settings holds; Save
// validates every field first and writes nothing unless all are valid.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)

public:
    explicit SettingsDialog(Settings &settings, QWidget *parent = nullptr);
    ~SettingsDialog() override;

    // The message shown when Save found a problem; empty when there is none.
    QString errorText() const;

public Q_SLOTS:
    void accept() override;

private:
    void loadFromSettings();
    void browse(QLineEdit *target, const QString &title, const QString &filter = {});
    void showError(const QString &message, QWidget *field);

    std::unique_ptr<Ui::SettingsDialog> m_ui;
    Settings &m_settings;
};
} // namespace Llamadesk
