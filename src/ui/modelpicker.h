#pragma once

#include <QDialog>

#include <functional>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace Llamadesk
{
class ModelsController;

// The models on this machine, as the library found them: what each is and can do, its size and
// context, and whether it fits in memory with the context the settings choose. "Use" restarts
// the server with the model and its projector (asking first while an answer is written).
class ModelPicker final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelPicker)

public:
    enum Column { Name, Abilities, Parameters, Quantization, Size, Context, Fit, ColumnCount };

    explicit ModelPicker(ModelsController &models, QWidget *parent = nullptr);

    QTreeWidget *list() const;
    QPushButton *useButton() const;
    QPushButton *addFolderButton() const;
    // What "Add folder…" asks with (a folder dialog); tests give the answer. Empty: cancelled.
    void setFolderChooser(std::function<QString()> chooser);
    QString statusText() const;

    // "vision · audio · thinking · tools"
    static QString abilitiesText(bool vision, bool audio, bool thinking, bool tools);

private:
    void refill();
    void useSelected();
    void addFolder();

    ModelsController &m_models;
    QTreeWidget *m_list;
    QLabel *m_status;
    QPushButton *m_use;
    QPushButton *m_rescan;
    QPushButton *m_addFolder;
    std::function<QString()> m_chooseFolder;
};
} // namespace Llamadesk
