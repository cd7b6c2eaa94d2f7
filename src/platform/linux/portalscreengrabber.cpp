#include "platform/linux/portalscreengrabber.h"

#include <QCoreApplication>
#include <QDBusArgument>
#include <QDBusMessage>
#include <QDBusObjectPath>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QImage>
#include <QImageReader>
#include <QPointer>
#include <QRandomGenerator>
#include <QThreadPool>
#include <QUrl>

#include <atomic>

namespace Llamadesk
{
namespace
{
const QString PortalService = QStringLiteral("org.freedesktop.portal.Desktop");
const QString PortalPath = QStringLiteral("/org/freedesktop/portal/desktop");
const QString ScreenshotInterface = QStringLiteral("org.freedesktop.portal.Screenshot");
const QString RequestInterface = QStringLiteral("org.freedesktop.portal.Request");

// Tokens must be unique per bus connection, and several grabbers may share one.
std::atomic<quint64> tokenCounter{0};
} // namespace

bool screenshotsNeedPortal(const QString &platformName, const QString &sessionType, const QString &waylandDisplay)
{
    return platformName.startsWith(u"wayland") || sessionType == u"wayland" || !waylandDisplay.isEmpty();
}

PortalScreenGrabber::PortalScreenGrabber(QObject *parent)
    : PortalScreenGrabber(QDBusConnection::sessionBus(), parent)
{
}

PortalScreenGrabber::PortalScreenGrabber(const QDBusConnection &bus, QObject *parent)
    : ScreenGrabber(parent)
    , m_bus(bus)
{
}

PortalScreenGrabber::~PortalScreenGrabber()
{
    for (const Request &request : std::as_const(m_requests)) {
        for (const QString &path : request.paths)
            subscribe(path, false);
    }
}

QString PortalScreenGrabber::requestPath(const QString &uniqueName, const QString &token)
{
    // ":1.42" becomes "1_42", as xdg-desktop-portal's documentation of the Request interface says.
    QString sender = uniqueName;
    if (sender.startsWith(u':'))
        sender.remove(0, 1);
    sender.replace(u'.', u'_');
    return PortalPath + u"/request/" + sender + u'/' + token;
}

bool PortalScreenGrabber::supports(Target) const
{
    // Window too: the portal's dialog lets the user pick one.
    return true;
}

QString PortalScreenGrabber::unsupportedReason(Target) const
{
    return {};
}

QString PortalScreenGrabber::noPortalMessage() const
{
    return tr("Screenshots on Wayland need xdg-desktop-portal with a backend for your desktop "
              "(xdg-desktop-portal-gnome, -kde or -wlr); none answered on the session bus.");
}

void PortalScreenGrabber::grab(Target target)
{
    if (!m_bus.isConnected()) {
        fail(noPortalMessage());
        return;
    }
    const QString token = QStringLiteral("llamadesk_%1_%2")
                              .arg(tokenCounter.fetch_add(1) + 1)
                              .arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0'));
    const QString expected = requestPath(m_bus.baseService(), token);
    // Subscribed before the call: the portal may answer before its reply to the call arrives.
    subscribe(expected, true);
    m_requests.insert(token, Request{token, {expected}});

    QDBusMessage call = QDBusMessage::createMethodCall(PortalService, PortalPath, ScreenshotInterface,
                                                       QStringLiteral("Screenshot"));
    const QVariantMap options{
        {QStringLiteral("handle_token"), token},
        // Screen: no dialog where the portal allows it. Window: the portal has no "active window"
        // mode, its dialog lets the user pick one.
        {QStringLiteral("interactive"), target != Target::Screen},
    };
    call << QString() << options;
    auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this,
            [this, token](QDBusPendingCallWatcher *finished) { onCallFinished(finished, token); });
}

void PortalScreenGrabber::onCallFinished(QDBusPendingCallWatcher *watcher, const QString &token)
{
    watcher->deleteLater();
    const QDBusPendingReply<QDBusObjectPath> reply = *watcher;
    const auto request = m_requests.find(token);
    if (request == m_requests.end())
        return; // the Response came first and is handled
    if (reply.isError()) {
        finish(token);
        switch (reply.error().type()) {
        case QDBusError::ServiceUnknown:
        case QDBusError::UnknownObject:
        case QDBusError::UnknownInterface:
        case QDBusError::UnknownMethod:
        case QDBusError::Disconnected:
            Q_EMIT failed(noPortalMessage());
            break;
        default:
            Q_EMIT failed(tr("The screenshot portal refused the request: %1").arg(reply.error().message()));
            break;
        }
        return;
    }
    // Portals older than version 0.9 chose the path themselves.
    const QString path = reply.value().path();
    if (!request->paths.contains(path)) {
        subscribe(path, true);
        request->paths.append(path);
    }
}

void PortalScreenGrabber::subscribe(const QString &path, bool on)
{
    // Any sender: naming the portal's well-known name would make Qt ask the bus for its owner
    // with a blocking call. The path holds our unique name and a fresh token.
    if (on) {
        m_bus.connect(QString(), path, RequestInterface, QStringLiteral("Response"), this,
                      SLOT(onResponse(QDBusMessage)));
    } else {
        m_bus.disconnect(QString(), path, RequestInterface, QStringLiteral("Response"), this,
                         SLOT(onResponse(QDBusMessage)));
    }
}

void PortalScreenGrabber::finish(const QString &token)
{
    const Request request = m_requests.take(token);
    for (const QString &path : request.paths)
        subscribe(path, false);
}

void PortalScreenGrabber::onResponse(const QDBusMessage &message)
{
    const QString path = message.path();
    QString token;
    for (const Request &request : std::as_const(m_requests)) {
        if (request.paths.contains(path)) {
            token = request.token;
            break;
        }
    }
    if (token.isEmpty())
        return;
    finish(token);

    const QList<QVariant> arguments = message.arguments();
    if (arguments.size() < 2) {
        Q_EMIT failed(tr("The screenshot portal gave an answer Llamadesk does not understand."));
        return;
    }
    const uint response = arguments.at(0).toUInt();
    if (response == 1) {
        Q_EMIT cancelled();
        return;
    }
    if (response != 0) {
        Q_EMIT failed(tr("The screenshot portal could not take the screenshot."));
        return;
    }
    const auto results = qdbus_cast<QVariantMap>(arguments.at(1));
    const QUrl uri(results.value(QStringLiteral("uri")).toString());
    if (!uri.isLocalFile()) {
        Q_EMIT failed(tr("The screenshot portal answered without a picture."));
        return;
    }
    // The portal saved the picture in the user's folder (usually ~/Pictures); it is the user's
    // file now, and stays there. Decoding a screen-sized PNG takes a while: not on this thread.
    const QString file = uri.toLocalFile();
    QThreadPool::globalInstance()->start([file, self = QPointer<PortalScreenGrabber>(this)] {
        QImageReader reader(file);
        const QImage image = reader.read();
        const QString error = reader.errorString();
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, image, file, error] {
                if (!self)
                    return;
                if (image.isNull())
                    Q_EMIT self->failed(tr("The screenshot %1 could not be read: %2").arg(file, error));
                else
                    Q_EMIT self->captured(image, QRect());
            },
            Qt::QueuedConnection);
    });
}

void PortalScreenGrabber::fail(const QString &message)
{
    QMetaObject::invokeMethod(this, [this, message] { Q_EMIT failed(message); }, Qt::QueuedConnection);
}
} // namespace Llamadesk
