#pragma once

#include "platform/globalhotkey.h"

#include <QAbstractNativeEventFilter>
#include <QList>

#include <cstdint>
#include <optional>

struct xcb_connection_t;

namespace Llamadesk
{
// X11: a passive grab of the combination on the root window (xcb_grab_key, once for every
// combination of the lock modifiers, which X11 counts as modifiers too), key press and release
// read from Qt's xcb event stream. owner_events is off, so that both are reported on the root
// window even when one of our own windows has the focus (otherwise the release goes there). X11
// reports auto-repeat as release+press pairs with the same time stamp: those pairs are dropped.
// Alt, Meta (the Super key) and Num Lock are looked up in the server's modifier map (usually
// Mod1, Mod4 and Mod2).
class X11GlobalHotkey final : public GlobalHotkey, public QAbstractNativeEventFilter
{
    Q_OBJECT

public:
    explicit X11GlobalHotkey(QKeyCombination combination = QKeyCombination(Qt::ControlModifier | Qt::ShiftModifier,
                                                                            Qt::Key_V),
                             QObject *parent = nullptr);
    ~X11GlobalHotkey() override;

    QKeyCombination combination() const override;
    bool isSupported() const override;
    QString unsupportedReason() const override;
    bool enable() override;
    void disable() override;
    bool isEnabled() const override;
    QString lastError() const override;

    bool nativeEventFilter(const QByteArray &eventType, void *message, qintptr *result) override;

    // The X keysym of a key a global shortcut may use: lowercase ASCII for A-Z, ASCII for 0-9;
    // nullopt for every other key.
    static std::optional<uint32_t> keysymFor(Qt::Key key);

private:
    // The modifier masks to grab: the combination's own with each combination of the locks.
    QList<uint16_t> modifierCombinations() const;
    bool combinationIsValid() const;

    QKeyCombination m_combination;
    xcb_connection_t *m_connection = nullptr;
    uint32_t m_root = 0;
    uint8_t m_keycode = 0;
    uint16_t m_modifiers = 0;   // the combination's modifiers as an X mask
    uint16_t m_lockMask = 0;    // Caps Lock and Num Lock
    bool m_modifiersKnown = false;
    bool m_enabled = false;
    bool m_down = false;
    bool m_releasePending = false;
    QString m_error;
};
} // namespace Llamadesk
