#pragma once

#include <QObject>
#include <QPointer>

class QKeyEvent;
class QWidget;

namespace Llamadesk
{
// Type anywhere, as in the chat apps people know: a printable key pressed on a control of the
// window that takes no text (a button, the status dot, the conversation list, the transcript)
// goes to the target, which takes the focus. Space on a control that the user reached on
// purpose (Tab, Shift+Tab, a mnemonic) still presses it. Keys without text (arrows, Delete,
// Enter, F2, Escape), keys with Ctrl, Alt or Meta, and every key in a field that takes text are
// left alone.
class TypeToFocus final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TypeToFocus)

public:
    // window: the window whose controls are watched (other windows, dialogs and menus are not);
    // target: where the keys go; when it has a focus proxy, that proxy (followed to the end).
    TypeToFocus(QWidget *window, QWidget *target, QObject *parent = nullptr);

    // Whether the key would be typed: it has printable text and no modifier but Shift
    // (or AltGr, or the keypad's).
    static bool isTyping(const QKeyEvent &key);
    // Whether the widget is one that text is typed into (line edits, spin boxes, editable
    // text and combo boxes), where keys stay.
    static bool takesText(const QWidget *widget);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QWidget *typingTarget() const;

    QPointer<QWidget> m_window;
    QPointer<QWidget> m_target;
    // The control the user moved the focus to by keyboard, where Space keeps its meaning.
    QPointer<QWidget> m_reachedByKeyboard;
};
} // namespace Llamadesk
