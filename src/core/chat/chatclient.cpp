#include "core/chat/chatclient.h"

#include "core/chat/chatstreamworker.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QThread>

namespace Llamadesk
{
namespace
{
using ChatClientText::MaxBodyBytes;
using ChatClientText::Mebi;
using ChatClientText::tr;
} // namespace

QString ChatClient::imageInputUnsupportedMessage()
{
    return tr("This model cannot see images: it needs a vision projector (mmproj), such as the one that comes "
              "with Gemma 3, Qwen2.5-VL or SmolVLM. Set the mmproj file in the settings.");
}

QString ChatClient::audioInputUnsupportedMessage()
{
    return tr("This model cannot hear: voice input needs a model with an audio projector (mmproj), such as "
              "Gemma 4 E2B/E4B, Ultravox, Qwen2.5-Omni or Voxtral, with its mmproj file set in the settings.");
}

ChatClient::ChatClient(QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
    , m_thread(new QThread(this))
    , m_worker(new ChatStreamWorker)
{
    qRegisterMetaType<ChatError>();
    qRegisterMetaType<ChatResult>();
    qRegisterMetaType<ServerProps>();
    m_thread->setObjectName(QStringLiteral("ChatClient"));
    m_worker->moveToThread(m_thread);
    connect(m_worker, &ChatStreamWorker::delta, this, &ChatClient::onWorkerDelta);
    connect(m_worker, &ChatStreamWorker::finished, this, &ChatClient::onWorkerFinished);
    connect(m_worker, &ChatStreamWorker::failed, this, &ChatClient::onWorkerFailed);
    m_thread->start();
}

ChatClient::~ChatClient()
{
    // Nothing more is reported: the requests end with the client, silently. The worker is
    // deleted on its own thread as it finishes (QThread runs deferred deletes then), which aborts
    // its replies and lets go of its network.
    m_worker->disconnect(this);
    m_worker->deleteLater();
    m_thread->quit();
    m_thread->wait();
}

void ChatClient::setBaseUrl(const QUrl &url)
{
    m_config.baseUrl = url;
}

QUrl ChatClient::baseUrl() const
{
    return m_config.baseUrl;
}

void ChatClient::setApiKey(const QString &key)
{
    m_config.apiKey = key;
}

void ChatClient::setTimeouts(std::chrono::milliseconds connectTimeout, std::chrono::milliseconds idleTimeout)
{
    m_config.connectTimeout = connectTimeout;
    m_config.idleTimeout = idleTimeout;
}

bool ChatClient::isBusy(const QString &key) const
{
    return m_active.contains(key);
}

bool ChatClient::send(const QString &key, const ChatRequest &request)
{
    if (m_active.contains(key))
        return false;
    const quint64 id = ++m_lastId;
    m_active.insert(key, Active{id, {}});
    m_keys.insert(id, key);
    QMetaObject::invokeMethod(
            m_worker, [worker = m_worker, id, config = m_config, request] { worker->start(id, config, request); },
            Qt::QueuedConnection);
    return true;
}

void ChatClient::cancel(const QString &key)
{
    const auto it = m_active.constFind(key);
    if (it == m_active.constEnd())
        return;
    const Active active = *it;
    m_active.erase(it);
    m_keys.remove(active.id);
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, id = active.id] { worker->cancel(id); },
                              Qt::QueuedConnection);
    // At once, with what has arrived so far: the caller goes on knowing the request has ended,
    // and whatever the worker still sends for it is dropped.
    Q_EMIT failed(key, ChatClientText::makeError(ChatError::Kind::Cancelled, tr("Stopped.")), active.partial);
}

void ChatClient::cancelAll()
{
    const QStringList keys = m_active.keys();
    for (const QString &key : keys)
        cancel(key);
}

void ChatClient::onWorkerDelta(quint64 id, const QString &content, const QString &reasoning,
                               const ChatResult &progress)
{
    const QString key = m_keys.value(id);
    const auto it = m_active.find(key);
    if (key.isNull() || it == m_active.end())
        return;
    ChatResult &partial = it->partial;
    QString text = std::move(partial.content);
    QString thought = std::move(partial.reasoning);
    text += content;
    thought += reasoning;
    partial = progress;
    partial.content = std::move(text);
    partial.reasoning = std::move(thought);
    Q_EMIT deltaReceived(key, content, reasoning);
}

void ChatClient::onWorkerFinished(quint64 id, const ChatResult &result)
{
    const QString key = m_keys.take(id);
    if (key.isNull())
        return;
    m_active.remove(key);
    Q_EMIT finished(key, result);
}

void ChatClient::onWorkerFailed(quint64 id, const ChatError &error, const ChatResult &partial)
{
    const QString key = m_keys.take(id);
    if (key.isNull())
        return;
    m_active.remove(key);
    Q_EMIT failed(key, error, partial);
}

void ChatClient::fetchProps()
{
    getInfo(QStringLiteral("/props"), [this](const QByteArray &body) {
        const auto props = parseProps(body);
        if (props)
            Q_EMIT propsReceived(*props);
        return props.has_value();
    });
}

void ChatClient::fetchModels()
{
    getInfo(QStringLiteral("/v1/models"), [this](const QByteArray &body) {
        const auto models = parseModels(body);
        if (models)
            Q_EMIT modelsReceived(*models);
        return models.has_value();
    });
}

void ChatClient::getInfo(const QString &path, std::function<bool(const QByteArray &)> onBody)
{
    QUrl url = m_config.baseUrl;
    url.setPath(path);
    QNetworkRequest request(url);
    if (!m_config.apiKey.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_config.apiKey.toUtf8());
    request.setTransferTimeout(static_cast<int>(m_config.connectTimeout.count()));
    QNetworkReply *reply = m_network->get(request);
    // The reply holds the whole body until it finishes: an endless one is cut off at the limit.
    connect(reply, &QNetworkReply::downloadProgress, this, [reply](qint64 received, qint64) {
        if (received > MaxBodyBytes && !reply->property("tooLarge").toBool()) {
            reply->setProperty("tooLarge", true);
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply, path, onBody = std::move(onBody)] {
        reply->deleteLater();
        if (reply->property("tooLarge").toBool()) {
            Q_EMIT infoFailed(tr("llama-server's answer to %1 was larger than %2 MiB; it was not read.")
                                  .arg(path)
                                  .arg(MaxBodyBytes / Mebi));
            return;
        }
        const QByteArray body = reply->readAll();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 200 && onBody(body))
            return;
        if (status == 0)
            Q_EMIT infoFailed(reply->errorString());
        else if (status == 200)
            Q_EMIT infoFailed(tr("llama-server's answer to %1 could not be read.").arg(path));
        else
            Q_EMIT infoFailed(ChatClientText::httpError(parseErrorBody(body, status)).message);
    });
}
} // namespace Llamadesk
