#include "ui/spinboxwidth.h"

#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QSpinBox>
#include <QStyle>
#include <QStyleOptionSpinBox>

#include <algorithm>

namespace Llamadesk
{
int spinBoxWidthFor(const QAbstractSpinBox *spin, const QStringList &texts)
{
    const QFontMetrics metrics = spin->fontMetrics();
    int text = 0;
    for (const QString &shown : texts)
        text = std::max(text, metrics.horizontalAdvance(shown));
    // QLineEdit keeps 2 px free on either side of its text; the cursor takes one more.
    constexpr int lineEditRoom = 2 * 2 + 1;

    // What the style puts around the field (frame, arrows) does not depend on the width. (Not
    // the box's own size hint: a subclass may compute that from here.)
    QStyleOptionSpinBox option;
    option.initFrom(spin);
    option.rect = QRect(0, 0, 400, metrics.height() + 10);
    option.frame = spin->hasFrame();
    option.buttonSymbols = spin->buttonSymbols();
    option.subControls = QStyle::SC_SpinBoxFrame | QStyle::SC_SpinBoxEditField;
    if (spin->buttonSymbols() != QAbstractSpinBox::NoButtons)
        option.subControls |= QStyle::SC_SpinBoxUp | QStyle::SC_SpinBoxDown;
    const QRect field = spin->style()->subControlRect(QStyle::CC_SpinBox, &option, QStyle::SC_SpinBoxEditField, spin);
    int inner = 0;
    if (const auto *edit = spin->findChild<QLineEdit *>()) {
        const QMargins margins = edit->textMargins();
        inner = margins.left() + margins.right();
    }
    return option.rect.width() - field.width() + text + lineEditRoom + inner;
}

void fitSpinBoxToItsTexts(QAbstractSpinBox *spin)
{
    QStringList texts{spin->specialValueText()};
    // The lowest and highest values as the box writes them (textFromValue is not public in
    // QSpinBox; without a subclass it is the locale's number without group separators).
    if (const auto *integer = qobject_cast<QSpinBox *>(spin)) {
        for (const int value : {integer->minimum(), integer->maximum()}) {
            QString number = integer->locale().toString(value);
            if (!integer->isGroupSeparatorShown())
                number.remove(integer->locale().groupSeparator());
            texts.append(integer->prefix() + number + integer->suffix());
        }
    } else if (const auto *real = qobject_cast<QDoubleSpinBox *>(spin)) {
        for (const double value : {real->minimum(), real->maximum()})
            texts.append(real->prefix() + real->textFromValue(value) + real->suffix());
    }
    spin->setMinimumWidth(std::max(spin->minimumWidth(), spinBoxWidthFor(spin, texts)));
}
} // namespace Llamadesk
