#include "ui/settingsdialog.h"

#include "audio/audioinputs.h"
#include "ui/gpulayersspinbox.h"
#include "core/server/preflight.h"
#include "application/servercontroller.h"
#include "core/settingkeys.h"
#include "core/settings.h"
#include "ui/spinboxwidth.h"
#include "ui_settingsdialog.h"

#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QPushButton>
#include <QScrollBar>
#include <QToolButton>
#include <QUrl>

namespace Llamadesk
{
SettingsDialog::SettingsDialog(Settings &settings, ServerController &server, const QString &logDirectory,
                               QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::SettingsDialog>())
    , m_settings(settings)
    , m_server(server)
    , m_logDirectory(logDirectory)
{
    m_ui->setupUi(this);
    setObjectName(QStringLiteral("settingsDialog"));
    m_ui->buttonBox->button(QDialogButtonBox::Save)->setDefault(true);
    m_ui->levelFilter->addItems({tr("Everything"), tr("Information, warnings and errors"),
                                 tr("Warnings and errors"), tr("Errors only")});
    m_ui->levelFilter->setCurrentIndex(static_cast<int>(LogFilter::InfoAndAbove));
    // Auto (-2) only where the setting takes it; a validator that starts at All (-1) would refuse it.
    if (Settings::validate(Keys::ServerGpuLayers.toString(), GpuLayersSpinBox::Auto))
        m_ui->gpuLayersSpin->setMinimum(GpuLayersSpinBox::All);
    for (QAbstractSpinBox *spin : findChildren<QAbstractSpinBox *>())
        fitSpinBoxToItsTexts(spin);
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_ui->logView->setFont(mono);

    connect(m_ui->buttonBox, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(m_ui->buttonBox, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    connect(m_ui->executableBrowse, &QPushButton::clicked, this,
            [this] { browse(m_ui->executableEdit, tr("Choose llama-server")); });
    connect(m_ui->modelBrowse, &QPushButton::clicked, this, [this] {
        browse(m_ui->modelEdit, tr("Choose a model"), tr("GGUF models (*.gguf);;All files (*)"));
    });
    connect(m_ui->mmprojBrowse, &QPushButton::clicked, this, [this] {
        browse(m_ui->mmprojEdit, tr("Choose a multimodal projector"), tr("GGUF projectors (*.gguf);;All files (*)"));
    });

    // The key is shown, copied and replaced here, never typed: a key set by hand goes into the
    // settings file (docs/SETTINGS.md). Regenerate holds the new key in Settings for this run;
    // ServerKey stores it where the key lives, and the window offers the restart that applies it.
    connect(m_ui->apiKeyShowButton, &QToolButton::toggled, this, [this](bool shown) {
        m_ui->apiKeyEdit->setEchoMode(shown ? QLineEdit::Normal : QLineEdit::Password);
        m_ui->apiKeyShowButton->setText(shown ? tr("Hide") : tr("Show"));
    });
    connect(m_ui->apiKeyCopyButton, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_settings.get(Keys::ServerApiKey)); });
    connect(m_ui->apiKeyRegenerateButton, &QPushButton::clicked, this, [this] {
        if (const auto error = m_settings.setSessionValue(Keys::ServerApiKey.toString(), generateApiKey()))
            showError(*error, m_ui->apiKeyEdit);
    });
    connect(&m_settings, &Settings::changed, this, [this](const QString &key) {
        if (key == Keys::ServerApiKey.toString())
            m_ui->apiKeyEdit->setText(m_settings.get(Keys::ServerApiKey));
    });

    connect(m_ui->startButton, &QPushButton::clicked, this, [this] {
        if (apply())
            m_server.start();
    });
    connect(m_ui->restartButton, &QPushButton::clicked, this, [this] {
        if (apply())
            m_server.restart();
    });
    connect(m_ui->stopButton, &QPushButton::clicked, &m_server, &ServerController::stop);
    connect(&m_server, &ServerController::stateChanged, this, &SettingsDialog::onStateChanged);

    connect(&m_server, &ServerController::logLineAdded, this, &SettingsDialog::appendLogLine);
    connect(m_ui->levelFilter, &QComboBox::currentIndexChanged, this, &SettingsDialog::reloadLog);
    connect(m_ui->copyLogButton, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_ui->logView->toPlainText()); });
    connect(m_ui->openLogFolderButton, &QPushButton::clicked, this, [this] {
        QDir().mkpath(m_logDirectory);
        QDesktopServices::openUrl(QUrl::fromLocalFile(m_logDirectory));
    });
    m_ui->openLogFolderButton->setToolTip(tr("Open %1, where llamadesk.log and llama-server.log are kept")
                                              .arg(QDir::toNativeSeparators(m_logDirectory)));

    loadFromSettings();
    onStateChanged(m_server.state(), m_server.stateReason());
    reloadLog();
}

SettingsDialog::~SettingsDialog() = default;

QString SettingsDialog::errorText() const
{
    return m_ui->errorLabel->isVisibleTo(this) ? m_ui->errorLabel->text() : QString();
}

void SettingsDialog::setLogFilter(LogFilter filter)
{
    m_ui->levelFilter->setCurrentIndex(static_cast<int>(filter));
}

QString SettingsDialog::logText() const
{
    return m_ui->logView->toPlainText();
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
    m_ui->systemPromptEdit->setPlainText(m_settings.get(Keys::ChatSystemPrompt));
    m_ui->temperatureSpin->setValue(m_settings.get(Keys::ChatTemperature));
    m_ui->topPSpin->setValue(m_settings.get(Keys::ChatTopP));
    m_ui->topKSpin->setValue(m_settings.get(Keys::ChatTopK));
    m_ui->maxTokensSpin->setValue(m_settings.get(Keys::ChatMaxTokens));

    // The microphones present now, by id; a stored one that is gone stays selectable by name.
    m_ui->microphoneCombo->clear();
    m_ui->microphoneCombo->addItem(tr("The system's default input"), QString());
    for (const AudioInputInfo &input : AudioInputs::available())
        m_ui->microphoneCombo->addItem(input.description, QString::fromUtf8(input.id));
    const QString device = m_settings.get(Keys::AudioInputDevice);
    int index = m_ui->microphoneCombo->findData(device);
    if (index < 0) {
        m_ui->microphoneCombo->addItem(tr("%1 (not connected)").arg(device), device);
        index = m_ui->microphoneCombo->count() - 1;
    }
    m_ui->microphoneCombo->setCurrentIndex(index);
    m_ui->maxSecondsSpin->setValue(m_settings.get(Keys::AudioMaxSeconds));
    m_ui->transcriptTokensSpin->setValue(m_settings.get(Keys::AudioMaxTokens));
    m_ui->instructionEdit->setText(m_settings.get(Keys::AudioInstruction));
    m_ui->sendTranscriptCheck->setChecked(m_settings.get(Keys::AudioSendTranscript));
    m_ui->globalHotkeyCheck->setChecked(m_settings.get(Keys::AudioGlobalHotkey));
    m_ui->maxEdgeSpin->setValue(m_settings.get(Keys::VisionMaxEdge));
    m_ui->screenshotHotkeyCheck->setChecked(m_settings.get(Keys::VisionGlobalHotkey));
}

void SettingsDialog::accept()
{
    if (apply())
        QDialog::accept();
}

bool SettingsDialog::apply()
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
        {Keys::ServerAutostart.toString(), m_ui->autostartCheck->isChecked(), m_ui->autostartCheck},
        {Keys::ChatSystemPrompt.toString(), m_ui->systemPromptEdit->toPlainText(), m_ui->systemPromptEdit},
        {Keys::ChatTemperature.toString(), m_ui->temperatureSpin->value(), m_ui->temperatureSpin},
        {Keys::ChatTopP.toString(), m_ui->topPSpin->value(), m_ui->topPSpin},
        {Keys::ChatTopK.toString(), m_ui->topKSpin->value(), m_ui->topKSpin},
        {Keys::ChatMaxTokens.toString(), m_ui->maxTokensSpin->value(), m_ui->maxTokensSpin},
        {Keys::AudioInputDevice.toString(), m_ui->microphoneCombo->currentData().toString(), m_ui->microphoneCombo},
        {Keys::AudioMaxSeconds.toString(), m_ui->maxSecondsSpin->value(), m_ui->maxSecondsSpin},
        {Keys::AudioMaxTokens.toString(), m_ui->transcriptTokensSpin->value(), m_ui->transcriptTokensSpin},
        {Keys::AudioInstruction.toString(), m_ui->instructionEdit->text().trimmed(), m_ui->instructionEdit},
        {Keys::AudioSendTranscript.toString(), m_ui->sendTranscriptCheck->isChecked(), m_ui->sendTranscriptCheck},
        {Keys::AudioGlobalHotkey.toString(), m_ui->globalHotkeyCheck->isChecked(), m_ui->globalHotkeyCheck},
        {Keys::VisionMaxEdge.toString(), m_ui->maxEdgeSpin->value(), m_ui->maxEdgeSpin},
        {Keys::VisionGlobalHotkey.toString(), m_ui->screenshotHotkeyCheck->isChecked(), m_ui->screenshotHotkeyCheck},
    };
    // All or nothing: a half-saved dialog would leave the server configured inconsistently.
    for (const Field &field : fields) {
        if (const auto error = Settings::validate(field.key, field.value)) {
            showError(tr("%1: %2").arg(field.key, *error), field.widget);
            return false;
        }
    }
    bool serverChanged = false;
    for (const Field &field : fields) {
        const QVariant before = m_settings.value(field.key);
        if (const auto error = m_settings.setValue(field.key, field.value)) {
            showError(*error, field.widget);
            return false;
        }
        const bool serverKey = field.key.startsWith(u"server/") && field.key != Keys::ServerAutostart.toString();
        if (serverKey && m_settings.value(field.key) != before)
            serverChanged = true;
    }
    m_ui->errorLabel->hide();
    if (serverChanged)
        Q_EMIT serverSettingsChanged();
    return true;
}

void SettingsDialog::showError(const QString &message, QWidget *field)
{
    m_ui->errorLabel->setText(message);
    m_ui->errorLabel->show();
    // Show the tab that holds the field.
    for (QWidget *page = field; page; page = page->parentWidget()) {
        if (m_ui->tabs->indexOf(page) >= 0) {
            m_ui->tabs->setCurrentWidget(page);
            break;
        }
    }
    field->setFocus(Qt::OtherFocusReason);
}

void SettingsDialog::onStateChanged(ServerState state, const QString &reason)
{
    const bool busy = state == ServerState::Starting || state == ServerState::Loading ||
                      state == ServerState::Running || state == ServerState::Stopping;
    m_ui->startButton->setEnabled(!busy);
    m_ui->stopButton->setEnabled(busy && state != ServerState::Stopping);
    m_ui->restartButton->setEnabled(state != ServerState::Stopping);
    QString text = tr("State: %1").arg(displayName(state));
    if (!reason.isEmpty() && reason != displayName(state))
        text += QStringLiteral(" \u2014 ") + reason;
    m_ui->stateLabel->setText(text);
    m_ui->stateLabel->setWordWrap(true);
}

bool SettingsDialog::passesFilter(const ServerLogLine &line) const
{
    switch (static_cast<LogFilter>(m_ui->levelFilter->currentIndex())) {
    case LogFilter::All:
        return true;
    case LogFilter::InfoAndAbove:
        return line.level != LogLevel::Debug;
    case LogFilter::WarningsAndErrors:
        return line.level == LogLevel::Warning || line.level == LogLevel::Error;
    case LogFilter::ErrorsOnly:
        return line.level == LogLevel::Error;
    }
    return true;
}

void SettingsDialog::appendLogLine(const ServerLogLine &line)
{
    if (!passesFilter(line))
        return;
    QScrollBar *bar = m_ui->logView->verticalScrollBar();
    const bool atEnd = bar->value() == bar->maximum();
    m_ui->logView->appendPlainText(line.text);
    if (atEnd)
        bar->setValue(bar->maximum());
}

void SettingsDialog::reloadLog()
{
    m_ui->logView->clear();
    const ServerLog &log = m_server.log();
    QStringList texts;
    for (qsizetype i = 0; i < log.size(); ++i) {
        if (passesFilter(log.at(i)))
            texts.append(log.at(i).text);
    }
    m_ui->logView->setPlainText(texts.join(u'\n'));
    m_ui->logView->verticalScrollBar()->setValue(m_ui->logView->verticalScrollBar()->maximum());
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
