#pragma once

#include "platform/screengrabber.h"

#include <QDBusConnection>
#include <QHash>

class QDBusMessage;
class QDBusPendingCallWatcher;

namespace Llamadesk
{
// True where screenshots must go through xdg-desktop-portal: a Wayland session, also for an app
// running on XWayland (platform "xcb"), whose X server sees only the X clients, not the desktop.
bool screenshotsNeedPortal(const QString &platformName, const QString &sessionType, const QString &waylandDisplay);

// Wayland: xdg-desktop-portal's Screenshot interface over D-Bus
// (org.freedesktop.portal.Desktop, /org/freedesktop/portal/desktop). Screen asks without a
// dialog where the portal allows it; Window and Interactive open the portal's own dialog, where
// the user picks a window or an area. The geometry of a capture is never known (empty).
//
// Asynchronous end to end: the call is a pending call, and the answer comes later as the
// Response signal of a request object. That signal is subscribed on the path the portal will use
// before the call goes out (the portal may answer before its reply to the call arrives).
class PortalScreenGrabber final : public ScreenGrabber
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PortalScreenGrabber)

public:
    // The session bus.
    explicit PortalScreenGrabber(QObject *parent = nullptr);
    // Any bus: tests give a private one with a fake portal on it.
    explicit PortalScreenGrabber(const QDBusConnection &bus, QObject *parent = nullptr);
    ~PortalScreenGrabber() override;

    bool supports(Target target) const override;
    QString unsupportedReason(Target target) const override;
    void grab(Target target) override;

    // The request path the portal gives the call with this handle_token from this bus connection.
    static QString requestPath(const QString &uniqueName, const QString &token);

private Q_SLOTS:
    void onResponse(const QDBusMessage &message);

private:
    struct Request
    {
        QString token;
        QStringList paths; // subscribed for Response: the expected one, and the returned one if it differs
    };

    void onCallFinished(QDBusPendingCallWatcher *watcher, const QString &token);
    void subscribe(const QString &path, bool on);
    void finish(const QString &token);
    void fail(const QString &message);
    QString noPortalMessage() const;

    QDBusConnection m_bus;
    QHash<QString, Request> m_requests; // by token
    quint64 m_counter = 0;
};
} // namespace Llamadesk
