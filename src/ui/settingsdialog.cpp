#include "settingsdialog.h"

#include "settingkeys.h"
#include "settings.h"
#include "ui_settingsdialog.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QPushButton>

namespace Llamadesk
{
SettingsDialog::SettingsDialog(Settings &settings, QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::SettingsDialog>())
    , m_settings(settings)
{
    m_ui->setupUi(this);
    setObjectName(QStringLiteral("settingsDialog"));
    m_ui->buttonBox->button(QDialogButtonBox::Save)->setDefault(true);

    connect(m_ui->buttonBox, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(m_ui->buttonBox, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    connect(m_ui->executableBrowse, &QPushButton::clicked, this, [this] {
        browse(m_ui->executableEdit, tr("Choose llama-server"), {});
    });
    connect(m_ui->modelBrowse, &QPushButton::clicked, this, [this] {
        browse(m_ui->modelEdit, tr("Choose a model"), tr("GGUF models (*.gguf);;All files (*)"));
    });
    connect(m_ui->mmprojBrowse, &QPushButton::clicked, this, [this] {
        browse(m_ui->mmprojEdit, tr("Choose a multimodal projector"), tr("GGUF projectors (*.gguf);;All files (*)"));
    });
    loadFromSettings();
}

SettingsDialog::~SettingsDialog() = default;

QString SettingsDialog::errorText() const
{
    return m_ui->errorLabel->isVisibleTo(this) ? m_ui->errorLabel->text() : QString();
}

void SettingsDialog::loadFromSettings()
{
    m_ui->executableEdit->setText(m_settings.get(Keys::ServerExecutable));
    m_ui->modelEdit->setText(m_settings.get(Keys::ServerModel));
    m_ui->mmprojEdit->setText(m_settings.get(Keys::ServerMmproj));
    m_ui->hostEdit->setText(m_settings.get(Keys::ServerHost));
    m_ui->portSpin->setValue(m_settings.get(Keys::ServerPort));
    m_ui->contextSpin->setValue(m_settings.get(Keys::ServerContextSize));
    m_ui->parallelSpin->setValue(m_settings.get(Keys::ServerParallel));
    m_ui->gpuLayersSpin->setValue(m_settings.get(Keys::ServerGpuLayers));
    m_ui->extraArgsEdit->setText(m_settings.get(Keys::ServerExtraArgs));
    m_ui->apiKeyEdit->setText(m_settings.get(Keys::ServerApiKey));
    m_ui->autostartCheck->setChecked(m_settings.get(Keys::ServerAutostart));
}

void SettingsDialog::accept()
{
    struct Field
    {
        QString key;
        QVariant value;
        QWidget *widget;
    };
    const QList<Field> fields = {
        {Keys::ServerExecutable.toString(), m_ui->executableEdit->text().trimmed(), m_ui->executableEdit},
        {Keys::ServerModel.toString(), m_ui->modelEdit->text().trimmed(), m_ui->modelEdit},
        {Keys::ServerMmproj.toString(), m_ui->mmprojEdit->text().trimmed(), m_ui->mmprojEdit},
        {Keys::ServerHost.toString(), m_ui->hostEdit->text().trimmed(), m_ui->hostEdit},
        {Keys::ServerPort.toString(), m_ui->portSpin->value(), m_ui->portSpin},
        {Keys::ServerContextSize.toString(), m_ui->contextSpin->value(), m_ui->contextSpin},
        {Keys::ServerParallel.toString(), m_ui->parallelSpin->value(), m_ui->parallelSpin},
        {Keys::ServerGpuLayers.toString(), m_ui->gpuLayersSpin->value(), m_ui->gpuLayersSpin},
        {Keys::ServerExtraArgs.toString(), m_ui->extraArgsEdit->text().trimmed(), m_ui->extraArgsEdit},
        {Keys::ServerApiKey.toString(), m_ui->apiKeyEdit->text(), m_ui->apiKeyEdit},
        {Keys::ServerAutostart.toString(), m_ui->autostartCheck->isChecked(), m_ui->autostartCheck},
    };
    // All or nothing: a half-saved dialog would leave the server configured inconsistently.
    for (const Field &field : fields) {
        if (const auto error = Settings::validate(field.key, field.value)) {
            showError(tr("%1: %2").arg(field.key, *error), field.widget);
            return;
        }
    }
    for (const Field &field : fields) {
        if (const auto error = m_settings.setValue(field.key, field.value)) {
            showError(*error, field.widget);
            return;
        }
    }
    m_ui->errorLabel->hide();
    QDialog::accept();
}

void SettingsDialog::showError(const QString &message, QWidget *field)
{
    m_ui->errorLabel->setText(message);
    m_ui->errorLabel->show();
    field->setFocus(Qt::OtherFocusReason);
}

void SettingsDialog::browse(QLineEdit *target, const QString &title, const QString &filter)
{
    // Window-modal and asynchronous: no nested event loop while the user picks a file.
    auto *dialog = new QFileDialog(this, title);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    if (!filter.isEmpty())
        dialog->setNameFilter(filter);
    const QFileInfo current(target->text());
    if (!target->text().isEmpty())
        dialog->setDirectory(current.isDir() ? current.absoluteFilePath() : current.absolutePath());
    connect(dialog, &QFileDialog::fileSelected, target, &QLineEdit::setText);
    dialog->open();
}
} // namespace Llamadesk
