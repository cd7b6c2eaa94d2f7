#pragma once

#include <QKeyCombination>
#include <QKeySequence>
#include <QObject>
#include <QString>

namespace Llamadesk
{
// Push-to-talk while another application has the focus: a key combination (Ctrl+Shift+V unless
// the caller chose another) held anywhere on the desktop. One interface; the implementation for
// the platform comes from Platform::createGlobalHotkey(combination). Where the platform cannot do
// it (Wayland), isSupported() is false and unsupportedReason() says so plainly; the in-window
// shortcut keeps working.
//
// Combinations a platform grabs: Ctrl, Shift, Alt and Meta (at least one of them) with a letter
// A-Z or a digit 0-9. A bare key would be taken from every other program's typing.
class GlobalHotkey : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    ~GlobalHotkey() override = default;

    // The combination this hotkey listens for, fixed at construction.
    virtual QKeyCombination combination() const = 0;
    virtual bool isSupported() const = 0;
    virtual QString unsupportedReason() const = 0;
    // Starts listening for combination(); false (with lastError()) when another program holds it.
    virtual bool enable() = 0;
    virtual void disable() = 0;
    virtual bool isEnabled() const = 0;
    virtual QString lastError() const = 0;

    // "Ctrl+Shift+V", as the platform writes it, for messages and tooltips.
    QString combinationText() const { return QKeySequence(combination()).toString(QKeySequence::NativeText); }

Q_SIGNALS:
    // Key auto-repeat is filtered out: one pressed(), one released().
    void pressed();
    void released();
};
} // namespace Llamadesk
