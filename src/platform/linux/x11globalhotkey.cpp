#include "platform/linux/x11globalhotkey.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QtGui/qguiapplication_platform.h>
#include <QTimer>

#include <xcb/xcb.h>

#include <initializer_list>
#include <memory>

namespace Llamadesk
{
namespace
{
constexpr uint32_t KeysymAltL = 0xffe9;
constexpr uint32_t KeysymAltR = 0xffea;
constexpr uint32_t KeysymSuperL = 0xffeb;
constexpr uint32_t KeysymSuperR = 0xffec;
constexpr uint32_t KeysymNumLock = 0xff7f;
// Shift, Lock, Control and Mod1 to Mod5: the pointer buttons and the keyboard group above
// them say nothing about the shortcut.
constexpr uint16_t AllModifiers = 0xff;
constexpr Qt::KeyboardModifiers AllowedModifiers =
    Qt::ControlModifier | Qt::ShiftModifier | Qt::AltModifier | Qt::MetaModifier;

struct FreeDeleter
{
    void operator()(void *p) const { std::free(p); }
};
} // namespace

std::optional<uint32_t> X11GlobalHotkey::keysymFor(Qt::Key key)
{
    // X11's keysyms for these keys are their Latin-1 codes, the letters in lower case.
    if (key >= Qt::Key_A && key <= Qt::Key_Z)
        return static_cast<uint32_t>(key - Qt::Key_A) + 'a';
    if (key >= Qt::Key_0 && key <= Qt::Key_9)
        return static_cast<uint32_t>(key - Qt::Key_0) + '0';
    return std::nullopt;
}

X11GlobalHotkey::X11GlobalHotkey(QKeyCombination combination, QObject *parent)
    : GlobalHotkey(parent)
    , m_combination(combination)
{
    auto *x11 = qGuiApp ? qGuiApp->nativeInterface<QNativeInterface::QX11Application>() : nullptr;
    if (!x11)
        return;
    m_connection = x11->connection();
    if (!m_connection) // Qt's offscreen platform answers as X11 but has no connection without DISPLAY
        return;
    const xcb_setup_t *setup = xcb_get_setup(m_connection);
    m_root = xcb_setup_roots_iterator(setup).data->root;
    if (!combinationIsValid())
        return;

    const uint8_t first = setup->min_keycode;
    const uint8_t count = static_cast<uint8_t>(setup->max_keycode - setup->min_keycode + 1);
    const std::unique_ptr<xcb_get_keyboard_mapping_reply_t, FreeDeleter> mapping(xcb_get_keyboard_mapping_reply(
        m_connection, xcb_get_keyboard_mapping(m_connection, first, count), nullptr));
    const std::unique_ptr<xcb_get_modifier_mapping_reply_t, FreeDeleter> modifierMap(
        xcb_get_modifier_mapping_reply(m_connection, xcb_get_modifier_mapping(m_connection), nullptr));
    if (!mapping || mapping->keysyms_per_keycode == 0)
        return;
    const xcb_keysym_t *keysyms = xcb_get_keyboard_mapping_keysyms(mapping.get());
    const int perCode = mapping->keysyms_per_keycode;
    const auto hasKeysym = [&](int keycode, uint32_t keysym, bool unshiftedOnly) {
        const int index = keycode - first;
        if (index < 0 || index >= count)
            return false;
        for (int column = 0; column < (unshiftedOnly ? 1 : perCode); ++column) {
            if (keysyms[index * perCode + column] == keysym)
                return true;
        }
        return false;
    };

    // The keycode that gives the key in the current layout: unshifted first (a digit on AZERTY
    // is shifted, and then any column will do).
    const uint32_t keysym = *keysymFor(m_combination.key());
    for (const bool unshiftedOnly : {true, false}) {
        for (int code = first; code < first + count && m_keycode == 0; ++code) {
            if (hasKeysym(code, keysym, unshiftedOnly))
                m_keycode = static_cast<uint8_t>(code);
        }
    }

    // Which of Mod1..Mod5 carries Alt, Super and Num Lock.
    const auto maskOf = [&](std::initializer_list<uint32_t> wanted, uint16_t fallback) -> uint16_t {
        if (!modifierMap)
            return fallback;
        const xcb_keycode_t *codes = xcb_get_modifier_mapping_keycodes(modifierMap.get());
        const int perModifier = modifierMap->keycodes_per_modifier;
        for (int modifier = 0; modifier < 8; ++modifier) {
            for (int i = 0; i < perModifier; ++i) {
                const xcb_keycode_t code = codes[modifier * perModifier + i];
                for (const uint32_t sym : wanted) {
                    if (code != 0 && hasKeysym(code, sym, false))
                        return static_cast<uint16_t>(1u << modifier);
                }
            }
        }
        return fallback;
    };
    const Qt::KeyboardModifiers modifiers = m_combination.keyboardModifiers();
    if (modifiers.testFlag(Qt::ControlModifier))
        m_modifiers |= XCB_MOD_MASK_CONTROL;
    if (modifiers.testFlag(Qt::ShiftModifier))
        m_modifiers |= XCB_MOD_MASK_SHIFT;
    if (modifiers.testFlag(Qt::AltModifier))
        m_modifiers |= maskOf({KeysymAltL, KeysymAltR}, XCB_MOD_MASK_1);
    if (modifiers.testFlag(Qt::MetaModifier))
        m_modifiers |= maskOf({KeysymSuperL, KeysymSuperR}, XCB_MOD_MASK_4);
    m_lockMask = static_cast<uint16_t>(XCB_MOD_MASK_LOCK | maskOf({KeysymNumLock}, XCB_MOD_MASK_2));
    // A layout where Num Lock shares a bit with one of the combination's modifiers cannot tell them apart.
    m_modifiersKnown = (m_modifiers & m_lockMask) == 0;
}

X11GlobalHotkey::~X11GlobalHotkey()
{
    disable();
}

QKeyCombination X11GlobalHotkey::combination() const
{
    return m_combination;
}

bool X11GlobalHotkey::combinationIsValid() const
{
    const Qt::KeyboardModifiers modifiers = m_combination.keyboardModifiers();
    return keysymFor(m_combination.key()).has_value() && modifiers != Qt::NoModifier
        && (modifiers & ~AllowedModifiers) == Qt::NoModifier;
}

bool X11GlobalHotkey::isSupported() const
{
    return m_connection != nullptr && m_keycode != 0 && m_modifiersKnown;
}

QString X11GlobalHotkey::unsupportedReason() const
{
    const QString keys = combinationText();
    if (QGuiApplication::platformName() == u"wayland")
        return tr("Global push-to-talk is not available on Wayland; hold %1 in the Llamadesk window.").arg(keys);
    if (!m_connection)
        return tr("Global push-to-talk needs an X11 session; hold %1 in the Llamadesk window.").arg(keys);
    if (!combinationIsValid())
        return tr("%1 cannot be a global shortcut: use Ctrl, Shift, Alt or Meta with a letter or a digit.").arg(keys);
    if (m_keycode == 0) {
        return tr("The keyboard layout has no %1 key for %2.")
            .arg(QKeySequence(m_combination.key()).toString(QKeySequence::NativeText), keys);
    }
    if (!m_modifiersKnown)
        return tr("The keyboard layout puts Num Lock on the same modifier as %1.").arg(keys);
    return {};
}

QList<uint16_t> X11GlobalHotkey::modifierCombinations() const
{
    // Caps Lock and Num Lock must not stop the shortcut.
    const uint16_t numLock = static_cast<uint16_t>(m_lockMask & ~XCB_MOD_MASK_LOCK);
    return {m_modifiers, static_cast<uint16_t>(m_modifiers | XCB_MOD_MASK_LOCK),
            static_cast<uint16_t>(m_modifiers | numLock), static_cast<uint16_t>(m_modifiers | m_lockMask)};
}

bool X11GlobalHotkey::enable()
{
    if (m_enabled)
        return true;
    if (!isSupported()) {
        m_error = unsupportedReason();
        return false;
    }
    const QList<uint16_t> combinations = modifierCombinations();
    QList<xcb_void_cookie_t> cookies;
    for (const uint16_t modifiers : combinations) {
        cookies.append(xcb_grab_key_checked(m_connection, 0, m_root, modifiers, m_keycode, XCB_GRAB_MODE_ASYNC,
                                            XCB_GRAB_MODE_ASYNC));
    }
    bool ok = true;
    for (const xcb_void_cookie_t cookie : std::as_const(cookies)) {
        if (std::unique_ptr<xcb_generic_error_t, FreeDeleter> error(xcb_request_check(m_connection, cookie)); error)
            ok = false;
    }
    if (!ok) {
        m_error = tr("Another program already uses %1 system-wide.").arg(combinationText());
        for (const uint16_t modifiers : combinations)
            xcb_ungrab_key(m_connection, m_keycode, m_root, modifiers);
        xcb_flush(m_connection);
        return false;
    }
    QCoreApplication::instance()->installNativeEventFilter(this);
    m_enabled = true;
    return true;
}

void X11GlobalHotkey::disable()
{
    if (!m_enabled)
        return;
    QCoreApplication::instance()->removeNativeEventFilter(this);
    for (const uint16_t modifiers : modifierCombinations())
        xcb_ungrab_key(m_connection, m_keycode, m_root, modifiers);
    xcb_flush(m_connection);
    m_enabled = false;
    if (m_down) {
        m_down = false;
        m_releasePending = false;
        Q_EMIT released();
    }
}

bool X11GlobalHotkey::isEnabled() const
{
    return m_enabled;
}

QString X11GlobalHotkey::lastError() const
{
    return m_error;
}

bool X11GlobalHotkey::nativeEventFilter(const QByteArray &eventType, void *message, qintptr *)
{
    if (eventType != "xcb_generic_event_t")
        return false;
    const auto *event = static_cast<xcb_generic_event_t *>(message);
    const uint8_t type = event->response_type & 0x7f;
    if (type != XCB_KEY_PRESS && type != XCB_KEY_RELEASE)
        return false;
    const auto *key = reinterpret_cast<const xcb_key_press_event_t *>(event);
    // Every hotkey of the app sees every key event: returning false leaves the others' keys to them.
    if (key->detail != m_keycode || key->event != m_root)
        return false;
    if (type == XCB_KEY_PRESS) {
        if (m_down) {
            // Auto-repeat (the release before it had the same time stamp, so it was not real),
            // or the key pressed again before a release was confirmed: still held either way.
            m_releasePending = false;
            return true;
        }
        // Another hotkey may grab the same key with other modifiers.
        if ((key->state & AllModifiers & ~m_lockMask) != m_modifiers)
            return false;
        m_down = true;
        Q_EMIT pressed();
        return true;
    }
    if (!m_down)
        return false;
    // A release: real only if no press follows at once (auto-repeat sends release and press with
    // the same time stamp, back to back).
    m_releasePending = true;
    QTimer::singleShot(30, this, [this] {
        if (m_releasePending && m_down) {
            m_releasePending = false;
            m_down = false;
            Q_EMIT released();
        }
    });
    return true;
}
} // namespace Llamadesk
