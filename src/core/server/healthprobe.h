#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <chrono>

class QNetworkAccessManager;
class QNetworkReply;

namespace Llamadesk
{
// Polls a llama-server's GET /health, one request at a time, and says what each one got: an
// HTTP status (200 ready, 503 loading), no answer, or no answer of any kind for longer than
// the silence limit. Nothing blocks; after stop() nothing more is reported.
class HealthProbe final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HealthProbe)

public:
    // timeout: one request's limit; silenceLimit: how long without any HTTP answer (counted
    // from watch()) before silent() replaces unanswered().
    HealthProbe(std::chrono::milliseconds timeout, std::chrono::milliseconds silenceLimit, QObject *parent = nullptr);

    // Starts polling baseUrl's /health with a probe at once; while already watching, only the
    // interval changes (it applies from the next poll on).
    void watch(const QUrl &baseUrl, std::chrono::milliseconds interval);
    // A probe now; while one is in flight, another follows it as soon as it ends.
    void probeNow();
    void stop();
    bool isWatching() const;
    QUrl baseUrl() const;

Q_SIGNALS:
    void answered(int status);
    void unanswered(const QString &error);
    void silent();

private:
    void onReply(QNetworkReply *reply);

    std::chrono::milliseconds m_timeout;
    std::chrono::milliseconds m_silenceLimit;
    std::chrono::milliseconds m_interval{0};
    QNetworkAccessManager *m_network;
    QUrl m_baseUrl;
    QPointer<QNetworkReply> m_reply;
    QTimer m_poll;
    QElapsedTimer m_sinceAnswer; // since the last HTTP answer of any status (or watch())
    bool m_watching = false;
    bool m_again = false; // probeNow() while a probe was in flight
};
} // namespace Llamadesk
