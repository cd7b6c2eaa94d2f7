#include "x11globalhotkey.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QtGui/qguiapplication_platform.h>
#include <QTimer>

#include <xcb/xcb.h>

#include <memory>

namespace Llamadesk
{
namespace
{
constexpr uint32_t KeysymV = 0x0076; // XK_v
constexpr uint16_t Base = XCB_MOD_MASK_CONTROL | XCB_MOD_MASK_SHIFT;
// Caps Lock and Num Lock (Mod2 on practically every layout) must not stop the shortcut.
constexpr uint16_t Locks[] = {0, XCB_MOD_MASK_LOCK, XCB_MOD_MASK_2, XCB_MOD_MASK_LOCK | XCB_MOD_MASK_2};

struct FreeDeleter
{
    void operator()(void *p) const { std::free(p); }
};
} // namespace

X11GlobalHotkey::X11GlobalHotkey(QObject *parent)
    : GlobalHotkey(parent)
{
    if (auto *x11 = qGuiApp ? qGuiApp->nativeInterface<QNativeInterface::QX11Application>() : nullptr) {
        m_connection = x11->connection();
        const xcb_setup_t *setup = xcb_get_setup(m_connection);
        m_root = xcb_setup_roots_iterator(setup).data->root;
        // The keycode that gives 'v' in the current layout.
        const uint8_t first = setup->min_keycode;
        const uint8_t count = static_cast<uint8_t>(setup->max_keycode - setup->min_keycode + 1);
        const std::unique_ptr<xcb_get_keyboard_mapping_reply_t, FreeDeleter> mapping(xcb_get_keyboard_mapping_reply(
            m_connection, xcb_get_keyboard_mapping(m_connection, first, count), nullptr));
        if (mapping) {
            const xcb_keysym_t *keysyms = xcb_get_keyboard_mapping_keysyms(mapping.get());
            const int perCode = mapping->keysyms_per_keycode;
            for (int code = 0; code < count && m_keycode == 0; ++code) {
                if (perCode > 0 && keysyms[code * perCode] == KeysymV)
                    m_keycode = static_cast<uint8_t>(first + code);
            }
        }
    }
}

X11GlobalHotkey::~X11GlobalHotkey()
{
    disable();
}

bool X11GlobalHotkey::isSupported() const
{
    return m_connection != nullptr && m_keycode != 0;
}

QString X11GlobalHotkey::unsupportedReason() const
{
    if (QGuiApplication::platformName() == u"wayland")
        return tr("Global push-to-talk is not available on Wayland; hold Ctrl+Shift+V in the Llamadesk window.");
    if (!m_connection)
        return tr("Global push-to-talk needs an X11 session; hold Ctrl+Shift+V in the Llamadesk window.");
    if (m_keycode == 0)
        return tr("The keyboard layout has no V key for Ctrl+Shift+V.");
    return {};
}

bool X11GlobalHotkey::enable()
{
    if (m_enabled)
        return true;
    if (!isSupported()) {
        m_error = unsupportedReason();
        return false;
    }
    QList<xcb_void_cookie_t> cookies;
    for (const uint16_t locks : Locks) {
        cookies.append(xcb_grab_key_checked(m_connection, 0, m_root, static_cast<uint16_t>(Base | locks), m_keycode,
                                            XCB_GRAB_MODE_ASYNC, XCB_GRAB_MODE_ASYNC));
    }
    bool ok = true;
    for (const xcb_void_cookie_t cookie : std::as_const(cookies)) {
        if (std::unique_ptr<xcb_generic_error_t, FreeDeleter> error(xcb_request_check(m_connection, cookie)); error)
            ok = false;
    }
    if (!ok) {
        m_error = tr("Another program already uses Ctrl+Shift+V system-wide.");
        for (const uint16_t locks : Locks)
            xcb_ungrab_key(m_connection, m_keycode, m_root, static_cast<uint16_t>(Base | locks));
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
    for (const uint16_t locks : Locks)
        xcb_ungrab_key(m_connection, m_keycode, m_root, static_cast<uint16_t>(Base | locks));
    xcb_flush(m_connection);
    m_enabled = false;
    if (m_down) {
        m_down = false;
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
    if (key->detail != m_keycode || key->event != m_root)
        return false;
    if (type == XCB_KEY_PRESS) {
        if (m_releasePending && key->time == m_releaseTime) {
            m_releasePending = false; // auto-repeat: the release before it was not real
            return true;
        }
        if (!m_down) {
            m_down = true;
            Q_EMIT pressed();
        }
        return true;
    }
    // A release: real only if no press with the same time stamp follows at once.
    m_releasePending = true;
    m_releaseTime = key->time;
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
