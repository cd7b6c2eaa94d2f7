// No control shows cut-off text: every visible widget of the main window and of the settings
// dialog (each tab) is at least its minimum size, and the text it shows fits in the room its
// style gives the text. Registered twice in ctest, at QT_SCALE_FACTOR 1 and 2 (the variable must
// be set before the application exists); screenshots of both go to test-artifacts.
#include "chatwindowfixture.h"
#include "guitestsupport.h"
#include "ui/settingsdialog.h"

#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QStyle>
#include <QStyleOption>
#include <QTabBar>
#include <QTabWidget>
#include <QTextDocument>
#include <QToolButton>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
QString scaleName()
{
    return qEnvironmentVariable("QT_SCALE_FACTOR", QStringLiteral("1")) + u'x';
}

QString nameOf(const QWidget *widget)
{
    QStringList path;
    for (const QWidget *w = widget; w && !w->isWindow(); w = w->parentWidget()) {
        if (!w->objectName().isEmpty()) {
            path.prepend(w->objectName());
            if (path.size() == 2)
                break;
        }
    }
    return QString::fromLatin1(widget->metaObject()->className()) + u" (" + path.join(u'/') + u')';
}

// What a label or a button shows of its text: mnemonics' & gone, && as &.
QString withoutMnemonic(QString text)
{
    text.replace(QStringLiteral("&&"), QStringLiteral("\x01"));
    text.remove(u'&');
    text.replace(u'\x01', u'&');
    return text;
}

int widest(const QFontMetrics &metrics, const QString &text)
{
    int width = 0;
    for (const QString &line : text.split(u'\n'))
        width = std::max(width, metrics.horizontalAdvance(line));
    return width;
}

// The room a line edit gives its text: the style's contents rectangle, less the text margins,
// QLineEdit's own 2 px each side and the side widgets shown (the clear button).
int lineEditRoom(const QLineEdit *edit)
{
    QStyleOptionFrame option;
    option.initFrom(edit);
    option.rect = edit->rect();
    option.lineWidth = edit->hasFrame() ? edit->style()->pixelMetric(QStyle::PM_DefaultFrameWidth, &option, edit) : 0;
    option.midLineWidth = 0;
    option.state |= QStyle::State_Sunken;
    option.features = QStyleOptionFrame::None;
    QRect room = edit->style()->subElementRect(QStyle::SE_LineEditContents, &option, edit);
    room = room.marginsRemoved(edit->textMargins());
    room.adjust(2, 0, -2, 0);
    for (const QWidget *side : edit->findChildren<QWidget *>(Qt::FindDirectChildrenOnly)) {
        if (!side->isVisible())
            continue;
        if (side->geometry().center().x() > edit->width() / 2)
            room.setRight(std::min(room.right(), side->geometry().left() - 1));
        else
            room.setLeft(std::max(room.left(), side->geometry().right() + 1));
    }
    return room.width();
}

// The problems of one widget, or none.
QStringList problemsOf(QWidget *widget)
{
    QStringList problems;
    const QFontMetrics metrics = widget->fontMetrics();
    const auto cut = [&](const QString &text, int needed, int room) {
        if (needed > room)
            problems.append(QStringLiteral("%1 cuts \"%2\": it needs %3 px, has %4").arg(nameOf(widget), text).arg(needed).arg(room));
    };

    // Placed by a layout: then the layout must have given it at least its minimum size.
    const QWidget *parent = widget->parentWidget();
    if ((parent && parent->layout() && parent->layout()->indexOf(widget) >= 0) || widget->isWindow()) {
        QSize minimum = widget->minimumSizeHint();
        const QSizePolicy policy = widget->sizePolicy();
        if (widget->minimumWidth() > 0 || policy.horizontalPolicy() == QSizePolicy::Ignored)
            minimum.setWidth(widget->minimumWidth());
        if (widget->minimumHeight() > 0 || policy.verticalPolicy() == QSizePolicy::Ignored)
            minimum.setHeight(widget->minimumHeight());
        if (minimum.isValid() && (widget->width() < minimum.width() || widget->height() < minimum.height())) {
            problems.append(QStringLiteral("%1 is %2x%3, smaller than its minimum %4x%5")
                                .arg(nameOf(widget))
                                .arg(widget->width())
                                .arg(widget->height())
                                .arg(minimum.width())
                                .arg(minimum.height()));
        }
    }

    if (auto *label = qobject_cast<QLabel *>(widget)) {
        if (label->text().isEmpty() || !label->pixmap().isNull())
            return problems;
        const QRect room = label->contentsRect().adjusted(label->margin(), label->margin(), -label->margin(), -label->margin());
        const bool rich = label->textFormat() == Qt::RichText
                          || (label->textFormat() == Qt::AutoText && Qt::mightBeRichText(label->text()));
        if (label->wordWrap() || rich) {
            const int needed = label->heightForWidth(label->width());
            if (needed > label->height())
                problems.append(QStringLiteral("%1 cuts \"%2\": it needs %3 px of height, has %4")
                                    .arg(nameOf(label), label->text()).arg(needed).arg(label->height()));
            return problems;
        }
        const QString shown = label->buddy() ? withoutMnemonic(label->text()) : label->text();
        cut(shown, widest(metrics, shown), room.width());
        const int lines = static_cast<int>(shown.count(u'\n')) + 1;
        cut(shown, lines * metrics.height(), room.height());
        return problems;
    }
    if (auto *check = qobject_cast<QCheckBox *>(widget); check || qobject_cast<QRadioButton *>(widget)) {
        auto *button = static_cast<QAbstractButton *>(widget);
        if (button->text().isEmpty())
            return problems;
        QStyleOptionButton option;
        option.initFrom(button);
        option.text = button->text();
        option.icon = button->icon();
        option.iconSize = button->iconSize();
        const QRect room = button->style()->subElementRect(
            check ? QStyle::SE_CheckBoxContents : QStyle::SE_RadioButtonContents, &option, button);
        const QString shown = withoutMnemonic(button->text());
        const int icon = button->icon().isNull() ? 0 : button->iconSize().width() + 4;
        cut(shown, widest(metrics, shown) + icon, room.width());
        return problems;
    }
    if (auto *push = qobject_cast<QPushButton *>(widget)) {
        if (push->text().isEmpty())
            return problems;
        QStyleOptionButton option;
        option.initFrom(push);
        option.text = push->text();
        option.icon = push->icon();
        option.iconSize = push->iconSize();
        option.features = push->isFlat() ? QStyleOptionButton::Flat : QStyleOptionButton::None;
        if (push->menu())
            option.features |= QStyleOptionButton::HasMenu;
        const QRect room = push->style()->subElementRect(QStyle::SE_PushButtonContents, &option, push);
        const QString shown = withoutMnemonic(push->text());
        const int icon = push->icon().isNull() ? 0 : push->iconSize().width() + 4;
        cut(shown, widest(metrics, shown) + icon, room.width());
        return problems;
    }
    if (auto *tool = qobject_cast<QToolButton *>(widget)) {
        const bool showsText = !tool->text().isEmpty()
                               && (tool->icon().isNull() || tool->toolButtonStyle() != Qt::ToolButtonIconOnly);
        // A tool button lays its label out from its size hint: narrower than that, it is cut.
        if (showsText && tool->width() < tool->sizeHint().width())
            problems.append(QStringLiteral("%1 cuts \"%2\": it needs %3 px, has %4")
                                .arg(nameOf(tool), tool->text()).arg(tool->sizeHint().width()).arg(tool->width()));
        return problems;
    }
    if (auto *spin = qobject_cast<QAbstractSpinBox *>(widget)) {
        const QLineEdit *edit = spin->findChild<QLineEdit *>();
        if (edit)
            cut(spin->text(), metrics.horizontalAdvance(spin->text()), lineEditRoom(edit));
        return problems;
    }
    if (auto *combo = qobject_cast<QComboBox *>(widget)) {
        if (combo->isEditable()) {
            if (combo->lineEdit())
                cut(combo->currentText(), metrics.horizontalAdvance(combo->currentText()), lineEditRoom(combo->lineEdit()));
            return problems;
        }
        QStyleOptionComboBox option;
        option.initFrom(combo);
        option.editable = false;
        option.frame = combo->hasFrame();
        option.currentText = combo->currentText();
        option.currentIcon = combo->itemIcon(combo->currentIndex());
        option.iconSize = combo->iconSize();
        option.subControls = QStyle::SC_All;
        const QRect room =
            combo->style()->subControlRect(QStyle::CC_ComboBox, &option, QStyle::SC_ComboBoxEditField, combo);
        const int icon = option.currentIcon.isNull() ? 0 : combo->iconSize().width() + 4;
        cut(combo->currentText(), metrics.horizontalAdvance(combo->currentText()) + icon, room.width());
        return problems;
    }
    if (auto *edit = qobject_cast<QLineEdit *>(widget)) {
        // Inside a spin or combo box the owner is checked, with the text it shows. A masked
        // field (the API key) shows dots that nobody reads; its Show button shows the text.
        if (edit->displayText().isEmpty() || edit->echoMode() != QLineEdit::Normal || qobject_cast<QAbstractSpinBox *>(edit->parentWidget())
            || qobject_cast<QComboBox *>(edit->parentWidget()))
            return problems;
        cut(edit->displayText(), metrics.horizontalAdvance(edit->displayText()), lineEditRoom(edit));
        return problems;
    }
    if (auto *tabs = qobject_cast<QTabBar *>(widget)) {
        // Tabs that do not all fit bring scroll buttons, or are elided.
        for (int i = 0; i < tabs->count(); ++i) {
            const QString shown = withoutMnemonic(tabs->tabText(i));
            const int padding = tabs->style()->pixelMetric(QStyle::PM_TabBarTabHSpace, nullptr, tabs);
            cut(shown, metrics.horizontalAdvance(shown) + padding, tabs->tabRect(i).width());
            if (tabs->tabRect(i).right() > tabs->width())
                problems.append(QStringLiteral("%1: the tab \"%2\" is outside it").arg(nameOf(tabs), shown));
        }
        return problems;
    }
    return problems;
}

QStringList problemsIn(QWidget *window)
{
    QStringList problems = problemsOf(window);
    for (QWidget *widget : window->findChildren<QWidget *>()) {
        if (widget->isVisible() && widget->window() == window)
            problems += problemsOf(widget);
    }
    return problems;
}

class TextFits : public ChatWindowTest
{
protected:
    void SetUp() override
    {
        ChatWindowTest::SetUp();
        // Something in the list and the conversation, as after a first question.
        m_session->newConversation();
        const qint64 id = m_session->newConversation();
        ASSERT_TRUE(m_store->renameConversation(id, QStringLiteral("Llamas and alpacas")));
        openWindow();
        EXPECT_DOUBLE_EQ(m_window->devicePixelRatioF(), qEnvironmentVariable("QT_SCALE_FACTOR", QStringLiteral("1")).toDouble())
            << "QT_SCALE_FACTOR did not reach the application";
    }
};
} // namespace

TEST_F(TextFits, EveryControlOfTheMainWindow)
{
    const QStringList problems = problemsIn(m_window.get());
    saveScreenshot(m_window.get(), QStringLiteral("textfits-mainwindow-") + scaleName());
    EXPECT_TRUE(problems.isEmpty()) << problems.join(u'\n').toStdString();
}

TEST_F(TextFits, EveryControlOfTheSettingsDialogOnEveryTab)
{
    m_window->openSettings();
    SettingsDialog *dialog = m_window->settingsDialog();
    ASSERT_NE(dialog, nullptr);
    ASSERT_TRUE(QTest::qWaitForWindowExposed(dialog));
    auto *tabs = dialog->findChild<QTabWidget *>(QStringLiteral("tabs"));
    ASSERT_NE(tabs, nullptr);
    for (int i = 0; i < tabs->count(); ++i) {
        tabs->setCurrentIndex(i);
        QCoreApplication::processEvents();
        const QStringList problems = problemsIn(dialog);
        const QString page = tabs->widget(i)->objectName();
        saveScreenshot(dialog, QStringLiteral("textfits-settings-%1-%2").arg(page, scaleName()));
        EXPECT_TRUE(problems.isEmpty()) << page.toStdString() << ":\n" << problems.join(u'\n').toStdString();
    }
}
