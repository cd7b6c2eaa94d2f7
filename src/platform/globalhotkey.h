#pragma once

#include <QObject>
#include <QString>

namespace Llamadesk
{
// Push-to-talk while another application has the focus: Ctrl+Shift+V held anywhere on the
// desktop. One interface; the implementation for the platform comes from
// Platform::createGlobalHotkey(). Where the platform cannot do it (Wayland), isSupported() is
// false and unsupportedReason() says so plainly; the in-window shortcut keeps working.
class GlobalHotkey : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    ~GlobalHotkey() override = default;

    virtual bool isSupported() const = 0;
    virtual QString unsupportedReason() const = 0;
    // Starts listening for Ctrl+Shift+V; false (with lastError()) when another program holds it.
    virtual bool enable() = 0;
    virtual void disable() = 0;
    virtual bool isEnabled() const = 0;
    virtual QString lastError() const = 0;

Q_SIGNALS:
    // Key auto-repeat is filtered out: one pressed(), one released().
    void pressed();
    void released();
};
} // namespace Llamadesk
