#pragma once

#include <QSpinBox>

namespace Llamadesk
{
// server/gpu_layers as a person reads it: Auto (-2: no -ngl, llama-server fits the model to
// the free memory), All (-1: every layer on the GPU) or a number of layers. The words can be
// typed too. The range starts at Auto only where the setting accepts -2 (see setMinimum), so
// the box never offers a value that Save would refuse.
class GpuLayersSpinBox final : public QSpinBox
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GpuLayersSpinBox)

public:
    static constexpr int Auto = -2;
    static constexpr int All = -1;

    explicit GpuLayersSpinBox(QWidget *parent = nullptr);

    // Wide enough for the words and the highest number.
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    QString textFromValue(int value) const override;
    int valueFromText(const QString &text) const override;
    QValidator::State validate(QString &input, int &pos) const override;

private:
    int fittingWidth() const;
};
} // namespace Llamadesk
