// Where the keys go in the first minute: the window opens ready to type in, and stays so after
// New chat, switching conversations, the settings and sending; a letter typed on a button, the
// status dot or the list lands in the message box; Space opens the settings only from a dot the
// user reached by Tab; the list keeps its own keys.
#include "chatwindowfixture.h"
#include "ui/chat/conversationlist.h"
#include "guitestsupport.h"
#include "ui/settingsdialog.h"
#include "ui/statusdot.h"
#include "ui/titlebar.h"
#include "ui/chat/transcriptview.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
class KeyboardFocus : public ChatWindowTest
{
protected:
    // Keys as the window system delivers them: to the active window, then to its focus widget,
    // shortcuts first.
    void press(Qt::Key key, Qt::KeyboardModifiers modifiers = {})
    {
        QTest::keyClick(m_window->windowHandle(), key, modifiers);
    }
    void type(const QString &text)
    {
        for (const QChar c : text)
            QTest::keyClick(m_window->windowHandle(), c.toLatin1());
    }
    QWidget *focus() const { return QApplication::focusWidget(); }
    static std::string nameOf(const QWidget *widget)
    {
        if (!widget)
            return "nothing";
        return QString(QString::fromLatin1(widget->metaObject()->className()) + u' ' + widget->objectName()).toStdString();
    }
    QListWidget *conversations() const
    {
        return m_pane->conversationList()->findChild<QListWidget *>(QStringLiteral("conversationList"));
    }
    StatusDot *dot() const { return m_window->titleBar()->statusDot(); }
};
} // namespace

TEST_F(KeyboardFocus, AQuestionTypedAsTheWindowOpensLandsInTheMessageBox)
{
    openWindow();
    EXPECT_EQ(focus(), editor()) << nameOf(focus());
    type(QStringLiteral("How are you"));
    EXPECT_EQ(editor()->toPlainText(), QStringLiteral("How are you"));
    EXPECT_EQ(m_window->settingsDialog(), nullptr) << "the space opened the settings";
    saveScreenshot(m_window.get(), QStringLiteral("focus-typed-at-once"));
}

TEST_F(KeyboardFocus, NewChatByCtrlNOrTheButtonLeavesItInTheMessageBox)
{
    openWindow();
    m_pane->transcript()->setFocus(Qt::MouseFocusReason); // the user clicked into the conversation
    ASSERT_EQ(focus(), m_pane->transcript());
    const qsizetype before = m_store->conversations().size();
    press(Qt::Key_N, Qt::ControlModifier);
    EXPECT_EQ(m_store->conversations().size(), before + 1);
    EXPECT_EQ(focus(), editor()) << "after Ctrl+N: " << nameOf(focus());

    auto *newChat = m_pane->conversationList()->findChild<QPushButton *>(QStringLiteral("newChatButton"));
    ASSERT_NE(newChat, nullptr);
    QTest::mouseClick(newChat, Qt::LeftButton);
    EXPECT_EQ(m_store->conversations().size(), before + 2);
    EXPECT_EQ(focus(), editor()) << "after the button: " << nameOf(focus());
}

TEST_F(KeyboardFocus, AConversationClickedInTheListIsReadyToWriteIn)
{
    const qint64 older = m_session->newConversation();
    m_session->newConversation();
    openWindow();
    QListWidget *list = conversations();
    ASSERT_NE(list, nullptr);
    ASSERT_EQ(list->count(), 2);
    QListWidgetItem *item = list->item(1);
    ASSERT_EQ(item->data(ConversationList::IdRole).toLongLong(), older);
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualItemRect(item).center());
    EXPECT_EQ(m_session->currentConversation(), older);
    EXPECT_EQ(focus(), editor()) << nameOf(focus());
}

TEST_F(KeyboardFocus, TheListReachedByTabKeepsItsKeys)
{
    m_session->newConversation();
    m_session->newConversation();
    const qint64 newest = m_session->newConversation();
    openWindow();
    QListWidget *list = conversations();
    ASSERT_NE(list, nullptr);
    ASSERT_EQ(m_session->currentConversation(), newest);
    list->setFocus(Qt::TabFocusReason);

    press(Qt::Key_Down); // the next conversation opens; the focus stays to go on
    EXPECT_NE(m_session->currentConversation(), newest);
    EXPECT_EQ(focus(), list) << nameOf(focus());
    press(Qt::Key_Up);
    EXPECT_EQ(m_session->currentConversation(), newest);
    press(Qt::Key_Return);
    EXPECT_EQ(focus(), list) << nameOf(focus());
    EXPECT_TRUE(editor()->toPlainText().isEmpty());

    press(Qt::Key_F2); // rename in place
    EXPECT_NE(qobject_cast<QLineEdit *>(focus()), nullptr) << "no title editor: " << nameOf(focus());
    type(QStringLiteral("Llamas"));
    press(Qt::Key_Return);
    EXPECT_EQ(m_store->conversation(newest)->title, QStringLiteral("Llamas"));
    EXPECT_TRUE(editor()->toPlainText().isEmpty()) << "the title went to the message box";

    list->setFocus(Qt::TabFocusReason);
    press(Qt::Key_Delete);
    EXPECT_FALSE(m_pane->conversationList()->conversationIds().contains(newest));
}

TEST_F(KeyboardFocus, ALetterTypedOnAButtonTheDotOrTheListGoesToTheMessageBox)
{
    m_session->newConversation();
    openWindow();
    auto *newChat = m_pane->conversationList()->findChild<QPushButton *>(QStringLiteral("newChatButton"));
    ASSERT_NE(newChat, nullptr);
    const QList<QWidget *> controls{dot(), conversations(), newChat, m_pane->transcript()};
    QString expected;
    for (QWidget *control : controls) {
        control->setFocus(Qt::MouseFocusReason);
        ASSERT_EQ(focus(), control) << nameOf(control);
        type(QStringLiteral("a b"));
        expected += QStringLiteral("a b");
        EXPECT_EQ(editor()->toPlainText(), expected) << "typed on " << nameOf(control);
        EXPECT_EQ(focus(), editor()) << "typed on " << nameOf(control) << "; focus on " << nameOf(focus());
    }
    EXPECT_EQ(m_window->settingsDialog(), nullptr);
    EXPECT_EQ(m_store->conversations().size(), 1) << "a space pressed New chat";
}

TEST_F(KeyboardFocus, SpaceOpensTheSettingsFromADotReachedByTab)
{
    openWindow();
    // Shift+Tab from the message box, as a person goes back to the dot.
    for (int i = 0; i < 30 && focus() != dot(); ++i)
        press(Qt::Key_Backtab, Qt::ShiftModifier);
    ASSERT_EQ(focus(), dot()) << nameOf(focus());
    press(Qt::Key_Space);
    EXPECT_NE(m_window->settingsDialog(), nullptr);
    EXPECT_TRUE(editor()->toPlainText().isEmpty());
}

TEST_F(KeyboardFocus, ClickingTheDotLeavesTheFocusInTheMessageBox)
{
    openWindow();
    QTest::mouseClick(dot(), Qt::LeftButton, {}, dot()->rect().center());
    ASSERT_NE(m_window->settingsDialog(), nullptr);
    EXPECT_EQ(m_window->focusWidget(), editor()) << nameOf(m_window->focusWidget());
}

TEST_F(KeyboardFocus, ClosingTheSettingsReturnsToTheMessageBox)
{
    openWindow();
    m_pane->transcript()->setFocus(Qt::MouseFocusReason);
    m_window->openSettings();
    SettingsDialog *dialog = m_window->settingsDialog();
    ASSERT_NE(dialog, nullptr);
    ASSERT_TRUE(QTest::qWaitForWindowExposed(dialog));
    auto *buttons = dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"));
    ASSERT_NE(buttons, nullptr);
    QTest::mouseClick(buttons->button(QDialogButtonBox::Cancel), Qt::LeftButton);
    ASSERT_TRUE(waitUntil([&] { return m_window->settingsDialog() == nullptr; }));
    EXPECT_EQ(m_window->focusWidget(), editor()) << nameOf(m_window->focusWidget());
    // Without a window manager nothing activates the window again: do what one would.
    m_window->activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(m_window.get()));
    EXPECT_EQ(focus(), editor()) << nameOf(focus());
}

TEST_F(KeyboardFocus, SendingWithTheButtonLeavesItInTheMessageBox)
{
    openWindow();
    startServer();
    type(QStringLiteral("Hello"));
    auto *send = m_pane->composer()->findChild<QPushButton *>(QStringLiteral("sendButton"));
    ASSERT_NE(send, nullptr);
    QTest::mouseClick(send, Qt::LeftButton);
    ASSERT_EQ(m_store->messages(m_session->currentConversation()).size(), 2) << "question and answer";
    EXPECT_EQ(focus(), editor()) << nameOf(focus());
    ASSERT_TRUE(waitUntil([&] { return !m_session->isBusy(); }, std::chrono::seconds(10)));
    EXPECT_EQ(focus(), editor()) << "once answered: " << nameOf(focus());
    type(QStringLiteral("Thanks"));
    EXPECT_EQ(editor()->toPlainText(), QStringLiteral("Thanks"));
}
