#include "ui/modelpicker.h"

#include "application/modelscontroller.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHash>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace Llamadesk
{
namespace
{
constexpr int PathRole = Qt::UserRole;

QString fitText(ModelFit::Verdict verdict)
{
    switch (verdict) {
    case ModelFit::Verdict::Fits:
        return ModelPicker::tr("Fits");
    case ModelFit::Verdict::Tight:
        return ModelPicker::tr("Tight");
    case ModelFit::Verdict::TooBig:
        return ModelPicker::tr("Too big");
    case ModelFit::Verdict::Unknown:
        break;
    }
    return ModelPicker::tr("Unknown");
}
} // namespace

ModelPicker::ModelPicker(ModelsController &models, QWidget *parent)
    : QDialog(parent)
    , m_models(models)
    , m_list(new QTreeWidget(this))
    , m_status(new QLabel(this))
    , m_use(new QPushButton(tr("Use this model"), this))
    , m_rescan(new QPushButton(tr("Scan again"), this))
    , m_addFolder(new QPushButton(tr("Add folder…"), this))
{
    m_chooseFolder = [this] {
        return QFileDialog::getExistingDirectory(this, tr("A folder with GGUF models"), QDir::homePath());
    };
    setObjectName(QStringLiteral("modelPicker"));
    setWindowTitle(tr("Models"));
    resize(900, 420);
    m_list->setObjectName(QStringLiteral("modelList"));
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setAllColumnsShowFocus(true);
    m_list->setHeaderLabels({tr("Name"), tr("Can"), tr("Parameters"), tr("Quantization"), tr("Size"), tr("Context"),
                             tr("Fits in memory")});
    m_list->header()->setSectionResizeMode(Name, QHeaderView::Stretch);
    m_list->header()->setStretchLastSection(false);
    for (int c = Abilities; c < ColumnCount; ++c)
        m_list->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_list->setAccessibleName(tr("Models on this computer"));
    m_status->setObjectName(QStringLiteral("modelStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_use->setObjectName(QStringLiteral("useModelButton"));
    m_use->setDefault(true);
    m_rescan->setObjectName(QStringLiteral("rescanModelsButton"));
    m_addFolder->setObjectName(QStringLiteral("addModelFolderButton"));
    m_addFolder->setToolTip(tr("Scan another folder for GGUF models (kept in the settings)"));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_addFolder, QDialogButtonBox::ActionRole);
    buttons->addButton(m_rescan, QDialogButtonBox::ActionRole);
    buttons->addButton(m_use, QDialogButtonBox::AcceptRole);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_list, 1);
    layout->addWidget(m_status);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_use, &QPushButton::clicked, this, &ModelPicker::useSelected);
    connect(m_rescan, &QPushButton::clicked, &m_models, &ModelsController::rescan);
    connect(m_addFolder, &QPushButton::clicked, this, &ModelPicker::addFolder);
    connect(m_list, &QTreeWidget::itemActivated, this, &ModelPicker::useSelected);
    connect(m_list, &QTreeWidget::itemSelectionChanged, this,
            [this] { m_use->setEnabled(!m_list->selectedItems().isEmpty()); });
    connect(&m_models, &ModelsController::choicesChanged, this, &ModelPicker::refill);
    connect(&m_models, &ModelsController::scanningChanged, this, &ModelPicker::refill);
    refill();
}

QTreeWidget *ModelPicker::list() const
{
    return m_list;
}

QPushButton *ModelPicker::useButton() const
{
    return m_use;
}

QPushButton *ModelPicker::addFolderButton() const
{
    return m_addFolder;
}

void ModelPicker::setFolderChooser(std::function<QString()> chooser)
{
    m_chooseFolder = std::move(chooser);
}

void ModelPicker::addFolder()
{
    const QString folder = m_chooseFolder();
    if (folder.isEmpty())
        return;
    if (const auto problem = m_models.addFolder(folder))
        QMessageBox::warning(this, tr("The folder was not added"), *problem);
}

QString ModelPicker::statusText() const
{
    return m_status->text();
}

QString ModelPicker::abilitiesText(bool vision, bool audio, bool thinking, bool tools)
{
    QStringList can;
    if (vision)
        can.append(tr("vision"));
    if (audio)
        can.append(tr("audio"));
    if (thinking)
        can.append(tr("thinking"));
    if (tools)
        can.append(tr("tools"));
    return can.join(QStringLiteral(" · "));
}

void ModelPicker::refill()
{
    const QString selected = m_list->currentItem() ? m_list->currentItem()->data(Name, PathRole).toString() : QString();
    m_list->clear();
    const QList<ModelChoice> choices = m_models.choices();
    // Two quantizations of one model share their name: the file tells them apart.
    QHash<QString, int> named;
    for (const ModelChoice &choice : choices)
        ++named[choice.model.displayName()];
    QTreeWidgetItem *current = nullptr;
    for (const ModelChoice &choice : choices) {
        const GgufModelInfo &info = choice.model.info;
        auto *item = new QTreeWidgetItem(m_list);
        QString name = choice.model.displayName();
        if (named.value(name) > 1)
            name = tr("%1 — %2").arg(name, QFileInfo(choice.model.path).fileName());
        item->setText(Name, choice.current ? tr("%1 (in use)").arg(name) : name);
        item->setToolTip(Name, choice.model.path + (choice.projector.isEmpty() ? QString() : u'\n' + choice.projector));
        item->setData(Name, PathRole, choice.model.path);
        item->setText(Abilities, abilitiesText(choice.vision, choice.audio, info.thinking, info.tools));
        item->setText(Parameters, info.parameters ? formatParameters(info.parameters) : QString());
        item->setText(Quantization, info.quantization);
        item->setText(Size, formatBytes(choice.model.size));
        item->setText(Context, info.contextLength ? QLocale().toString(info.contextLength) : QString());
        item->setText(Fit, fitText(choice.fit.verdict));
        item->setToolTip(Fit, choice.fit.summary());
        if (choice.fit.verdict == ModelFit::Verdict::TooBig)
            item->setForeground(Fit, palette().brush(QPalette::Disabled, QPalette::Text));
        if (choice.current) {
            QFont bold = item->font(Name);
            bold.setBold(true);
            item->setFont(Name, bold);
        }
        if (choice.model.path == selected || (!current && choice.current))
            current = item;
    }
    if (current)
        m_list->setCurrentItem(current);
    m_use->setEnabled(m_list->currentItem() != nullptr);

    QStringList folders;
    for (const ModelFolder &folder : m_models.folders())
        folders.append(folder.path);
    if (m_models.isScanning())
        m_status->setText(tr("Looking for models…"));
    else if (choices.isEmpty())
        m_status->setText(tr("No GGUF models were found. Llamadesk looks in: %1").arg(folders.join(QStringLiteral(", "))));
    else if (choices.size() == 1)
        m_status->setText(tr("One model found in: %1").arg(folders.join(QStringLiteral(", "))));
    else
        m_status->setText(tr("%1 models found in: %2").arg(choices.size()).arg(folders.join(QStringLiteral(", "))));
}

void ModelPicker::useSelected()
{
    QTreeWidgetItem *item = m_list->currentItem();
    if (!item)
        return;
    const QString path = item->data(Name, PathRole).toString();
    ModelsController::Choice result = m_models.choose(path);
    if (result == ModelsController::Choice::AskFirst) {
        const auto answer = QMessageBox::question(
                this, tr("Switch the model?"),
                tr("An answer is being written. Switching the model restarts the server, which stops it there "
                   "(what was written is kept)."),
                QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Yes)
            return;
        result = m_models.choose(path, true);
    }
    if (result == ModelsController::Choice::Failed) {
        QMessageBox::warning(this, tr("The model was not changed"), m_models.error());
        return;
    }
    if (result == ModelsController::Choice::Applied)
        accept();
}
} // namespace Llamadesk
