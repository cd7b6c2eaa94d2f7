#include "ui/gpulayersspinbox.h"

#include "ui/spinboxwidth.h"

#include <algorithm>

namespace Llamadesk
{
namespace
{
QString wordFor(int value)
{
    if (value == GpuLayersSpinBox::Auto)
        return GpuLayersSpinBox::tr("Auto");
    if (value == GpuLayersSpinBox::All)
        return GpuLayersSpinBox::tr("All");
    return {};
}
} // namespace

GpuLayersSpinBox::GpuLayersSpinBox(QWidget *parent)
    : QSpinBox(parent)
{
    setRange(Auto, 100000);
    setToolTip(tr("Layers of the model that llama-server puts on the GPU (-ngl).\n"
                  "Auto: llama-server decides, fitting the model into the free GPU memory.\n"
                  "All: every layer on the GPU (fastest, if the model fits).\n"
                  "A number: that many layers on the GPU, the rest on the CPU; 0 keeps it all on the CPU."));
}

int GpuLayersSpinBox::fittingWidth() const
{
    QStringList texts{textFromValue(maximum())};
    for (const int value : {Auto, All}) {
        if (value >= minimum())
            texts.append(wordFor(value));
    }
    return spinBoxWidthFor(this, texts);
}

QSize GpuLayersSpinBox::sizeHint() const
{
    QSize hint = QSpinBox::sizeHint();
    hint.setWidth(std::max(hint.width(), fittingWidth()));
    return hint;
}

QSize GpuLayersSpinBox::minimumSizeHint() const
{
    QSize hint = QSpinBox::minimumSizeHint();
    hint.setWidth(std::max(hint.width(), fittingWidth()));
    return hint;
}

QString GpuLayersSpinBox::textFromValue(int value) const
{
    const QString word = wordFor(value);
    return word.isEmpty() ? QSpinBox::textFromValue(value) : word;
}

int GpuLayersSpinBox::valueFromText(const QString &text) const
{
    const QString typed = text.trimmed();
    for (const int value : {Auto, All}) {
        if (value >= minimum() && typed.compare(wordFor(value), Qt::CaseInsensitive) == 0)
            return value;
    }
    return QSpinBox::valueFromText(text);
}

QValidator::State GpuLayersSpinBox::validate(QString &input, int &pos) const
{
    const QString typed = input.trimmed();
    for (const int value : {Auto, All}) {
        if (value < minimum())
            continue;
        const QString word = wordFor(value);
        if (typed.compare(word, Qt::CaseInsensitive) == 0) {
            input = word;
            return QValidator::Acceptable;
        }
        if (!typed.isEmpty() && word.startsWith(typed, Qt::CaseInsensitive))
            return QValidator::Intermediate;
    }
    return QSpinBox::validate(input, pos);
}
} // namespace Llamadesk
