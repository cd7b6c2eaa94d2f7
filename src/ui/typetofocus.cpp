#include "ui/typetofocus.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QFocusEvent>
#include <QKeyEvent>
#include <QWidget>

#include <algorithm>

namespace Llamadesk
{
TypeToFocus::TypeToFocus(QWidget *window, QWidget *target, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_target(target)
{
    // The application's filter: it sees the key before the focused control does, whichever
    // control of the window that is, including ones created later.
    qApp->installEventFilter(this);
}

bool TypeToFocus::isTyping(const QKeyEvent &key)
{
    constexpr Qt::KeyboardModifiers typingModifiers = Qt::ShiftModifier | Qt::KeypadModifier | Qt::GroupSwitchModifier;
    if (key.modifiers() & ~typingModifiers)
        return false;
    const QString text = key.text();
    return !text.isEmpty()
           && std::all_of(text.cbegin(), text.cend(), [](QChar c) { return c.isPrint() || c.isSurrogate(); });
}

bool TypeToFocus::takesText(const QWidget *widget)
{
    // Item views enable input methods for their keyboard search, but nothing is typed into them.
    return widget->testAttribute(Qt::WA_InputMethodEnabled) && !qobject_cast<const QAbstractItemView *>(widget);
}

QWidget *TypeToFocus::typingTarget() const
{
    QWidget *target = m_target;
    while (target && target->focusProxy())
        target = target->focusProxy();
    return target;
}

bool TypeToFocus::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() != QEvent::KeyPress && event->type() != QEvent::FocusIn)
        return false;
    auto *widget = qobject_cast<QWidget *>(watched);
    if (!widget || !m_window || widget->window() != m_window)
        return false;
    if (event->type() == QEvent::FocusIn) {
        const Qt::FocusReason reason = static_cast<QFocusEvent *>(event)->reason();
        if (reason == Qt::ActiveWindowFocusReason || reason == Qt::PopupFocusReason)
            return false; // back to the control that had it
        const bool onPurpose = reason == Qt::TabFocusReason || reason == Qt::BacktabFocusReason
                               || reason == Qt::ShortcutFocusReason;
        m_reachedByKeyboard = onPurpose ? widget : nullptr;
        return false;
    }
    // Only where the key starts (the focused control, or the window when nothing has focus), not
    // as it travels up to the parents of a field that did not want it.
    QWidget *focus = m_window->focusWidget();
    if (widget != (focus ? focus : m_window.data()))
        return false;
    QWidget *target = typingTarget();
    if (!target || target == widget || !target->isEnabled() || !target->isVisible() || takesText(widget))
        return false;
    const auto *key = static_cast<QKeyEvent *>(event);
    if (!isTyping(*key))
        return false;
    if (key->key() == Qt::Key_Space && widget == m_reachedByKeyboard)
        return false;
    target->setFocus(Qt::OtherFocusReason);
    QKeyEvent typed(key->type(), key->key(), key->modifiers(), key->nativeScanCode(), key->nativeVirtualKey(),
                    key->nativeModifiers(), key->text(), key->isAutoRepeat(), key->count());
    QCoreApplication::sendEvent(target, &typed);
    return true;
}
} // namespace Llamadesk
