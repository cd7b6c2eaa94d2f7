#pragma once

#include "globalhotkey.h"

#include <QAbstractNativeEventFilter>
#include <QList>

#include <cstdint>

struct xcb_connection_t;

namespace Llamadesk
{
// X11: a passive grab of Ctrl+Shift+V on the root window (xcb_grab_key, once for every
// combination of the lock modifiers, which X11 counts as modifiers too), key press and release
// read from Qt's xcb event stream. owner_events is off, so that both are reported on the root
// window even when one of our own windows has the focus (otherwise the release goes there). X11 reports auto-repeat as release+press pairs with the same
// time stamp: those pairs are dropped.
class X11GlobalHotkey final : public GlobalHotkey, public QAbstractNativeEventFilter
{
    Q_OBJECT

public:
    explicit X11GlobalHotkey(QObject *parent = nullptr);
    ~X11GlobalHotkey() override;

    bool isSupported() const override;
    QString unsupportedReason() const override;
    bool enable() override;
    void disable() override;
    bool isEnabled() const override;
    QString lastError() const override;

    bool nativeEventFilter(const QByteArray &eventType, void *message, qintptr *result) override;

private:
    QList<uint16_t> modifierCombinations() const;

    xcb_connection_t *m_connection = nullptr;
    uint32_t m_root = 0;
    uint8_t m_keycode = 0;
    bool m_enabled = false;
    bool m_down = false;
    uint32_t m_releaseTime = 0;
    bool m_releasePending = false;
    QString m_error;
};
} // namespace Llamadesk
