#include "core/server/healthprobe.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace Llamadesk
{
HealthProbe::HealthProbe(std::chrono::milliseconds timeout, std::chrono::milliseconds silenceLimit, QObject *parent)
    : QObject(parent)
    , m_timeout(timeout)
    , m_silenceLimit(silenceLimit)
    , m_network(new QNetworkAccessManager(this))
{
    // The server is local (or named by the user): never route health probes through a proxy.
    m_network->setProxy(QNetworkProxy::NoProxy);
    m_poll.setSingleShot(true);
    connect(&m_poll, &QTimer::timeout, this, &HealthProbe::probeNow);
}

void HealthProbe::watch(const QUrl &baseUrl, std::chrono::milliseconds interval)
{
    m_interval = interval;
    if (m_watching)
        return;
    m_watching = true;
    m_baseUrl = baseUrl;
    m_sinceAnswer.start();
    probeNow();
}

bool HealthProbe::isWatching() const
{
    return m_watching;
}

QUrl HealthProbe::baseUrl() const
{
    return m_baseUrl;
}

void HealthProbe::probeNow()
{
    if (!m_watching)
        return;
    if (m_reply) {
        m_again = true;
        return;
    }
    m_poll.stop();
    QUrl url = m_baseUrl;
    url.setPath(QStringLiteral("/health"));
    QNetworkRequest request(url);
    request.setTransferTimeout(static_cast<int>(m_timeout.count()));
    // A fresh connection per probe: on a kept-alive one, the server's response (headers and
    // body written separately, Nagle on) waits for the client's delayed ACK, 40 ms on Linux,
    // which made the dot turn green 40 ms after the first 200. A new loopback connection
    // costs a fraction of a millisecond.
    request.setRawHeader("Connection", "close");
    QNetworkReply *reply = m_network->get(request);
    m_reply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onReply(reply); });
}

void HealthProbe::stop()
{
    m_watching = false;
    m_again = false;
    m_poll.stop();
    // Forget the reply first: abort() finishes it synchronously, and its handler must see a
    // stale reply, not a failed probe.
    QNetworkReply *reply = std::exchange(m_reply, nullptr);
    if (reply)
        reply->abort();
}

void HealthProbe::onReply(QNetworkReply *reply)
{
    reply->deleteLater();
    if (reply != m_reply)
        return;
    m_reply = nullptr;
    if (!m_watching)
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    // Whoever listens may stop this probe, or delete it, while it is told.
    const QPointer<HealthProbe> self(this);
    if (status != 0) {
        m_sinceAnswer.start();
        Q_EMIT answered(status);
    } else if (m_sinceAnswer.hasExpired(m_silenceLimit.count())) {
        m_watching = false;
        Q_EMIT silent();
        return;
    } else {
        Q_EMIT unanswered(reply->errorString());
    }
    if (!self || !m_watching)
        return;
    if (std::exchange(m_again, false)) {
        probeNow();
        return;
    }
    m_poll.start(m_interval);
}
} // namespace Llamadesk
