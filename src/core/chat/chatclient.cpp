#include "core/chat/chatclient.h"

#include "core/qtfmt.h"
#include "core/chat/sseparser.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <spdlog/spdlog.h>

namespace Llamadesk
{
// One request in flight.
struct ChatClient::Pending
{
    QPointer<QNetworkReply> reply;
    bool stream = true;
    SseParser parser;
    QByteArray body; // non-streamed answers and error bodies
    ChatResult result;
    QElapsedTimer sinceSend;
    QElapsedTimer sinceFirstReasoning;
    bool gotFirstToken = false;
    bool sawDone = false;
    std::optional<ApiError> streamError;
    std::optional<ChatError::Kind> abortedBecause; // set before we abort the reply ourselves
    QString tooLarge; // with abortedBecause ResponseTooLarge: the sentence that says which limit
    QTimer *timer = nullptr;
    // A stream is read at most once per StreamReadInterval (see send()); set while a read waits.
    QTimer *readPace = nullptr;
    bool readWaiting = false;
};

namespace
{
// Limits on what one request may hold in memory, so that an endpoint that never ends a line or
// an answer cannot grow the app until the system kills it. Each is far above anything real (one
// streamed event has its own limit, SseParser::MaxEventBytes, 4 MiB).
// A non-streamed answer, an error body, /props or /v1/models is one JSON object: the longest
// answer a context of a million tokens could hold is a few MiB of text.
constexpr qsizetype MaxBodyBytes = 32 * 1024 * 1024;
// The answer assembled from a stream (content and reasoning, in characters): 16 Mi characters
// are about four million tokens, more than any context a model takes today.
constexpr qsizetype MaxAnswerChars = 16 * 1024 * 1024;

constexpr qsizetype Mebi = 1024 * 1024;

// A streamed answer is read at most this often. llama-server writes every token on its own
// (1,500 writes a second for a small model): read one by one, each woke QNetworkAccessManager's
// HTTP thread and then the GUI thread, and the wake-ups cost more than the text. With a read
// buffer on the reply, the HTTP thread leaves what arrives in the socket until the reply's
// data is read, so a paced read takes everything since the last one in one go. The first
// piece is read at once (the time to the first token is not delayed), the rest at most 16 ms
// late: a frame.
constexpr std::chrono::milliseconds StreamReadInterval{16};
constexpr qint64 StreamReadBufferBytes = 64 * 1024;

QString tr(const char *text)
{
    return QCoreApplication::translate("ChatClient", text);
}

ChatError makeError(ChatError::Kind kind, const QString &message, const ApiError &api = {})
{
    ChatError error;
    error.kind = kind;
    error.message = message;
    error.api = api;
    return error;
}

// The sentence a person reads for an HTTP error answer.
ChatError httpError(const ApiError &api)
{
    if (api.httpStatus == 401)
        return makeError(ChatError::Kind::Unauthorized,
                         tr("llama-server refused the request: the API key is missing or wrong. "
                            "Check the API key in the settings."),
                         api);
    if (api.type == u"exceed_context_size_error") {
        QString message = tr("This conversation is too long for the context the server gives one conversation");
        if (api.promptTokens > 0 && api.contextSize > 0)
            message += tr(" (%1 tokens, the limit is %2)").arg(api.promptTokens).arg(api.contextSize);
        message += tr(". Start a new conversation, or raise the context size in the settings.");
        return makeError(ChatError::Kind::ContextTooLarge, message, api);
    }
    if (api.message.contains(u"image input is not supported"))
        return makeError(ChatError::Kind::UnsupportedInput, ChatClient::imageInputUnsupportedMessage(), api);
    if (api.message.contains(u"audio input is not supported"))
        return makeError(ChatError::Kind::UnsupportedInput, ChatClient::audioInputUnsupportedMessage(), api);
    const QString said = api.message.isEmpty() ? tr("no explanation") : api.message;
    return makeError(ChatError::Kind::HttpError, tr("llama-server answered %1: %2").arg(api.httpStatus).arg(said), api);
}
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
{
    qRegisterMetaType<ChatError>();
    qRegisterMetaType<ChatResult>();
    qRegisterMetaType<ServerProps>();
}

ChatClient::~ChatClient()
{
    for (Pending *pending : std::as_const(m_pending)) {
        if (pending->reply) {
            pending->reply->disconnect(this);
            pending->reply->abort();
        }
        delete pending;
    }
}

void ChatClient::setBaseUrl(const QUrl &url)
{
    m_baseUrl = url;
}

QUrl ChatClient::baseUrl() const
{
    return m_baseUrl;
}

void ChatClient::setApiKey(const QString &key)
{
    m_apiKey = key;
}

void ChatClient::setTimeouts(std::chrono::milliseconds connectTimeout, std::chrono::milliseconds idleTimeout)
{
    m_connectTimeout = connectTimeout;
    m_idleTimeout = idleTimeout;
}

bool ChatClient::isBusy(const QString &key) const
{
    return m_pending.contains(key);
}

bool ChatClient::send(const QString &key, const ChatRequest &request)
{
    if (m_pending.contains(key))
        return false;
    QUrl url = m_baseUrl;
    url.setPath(QStringLiteral("/v1/chat/completions"));
    QNetworkRequest httpRequest(url);
    httpRequest.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (request.stream)
        httpRequest.setRawHeader("Accept", "text/event-stream");
    // A fresh connection per request: on a kept-alive one the server's first write waits for
    // the client's delayed ACK (Nagle), which added 40 ms to the time to first token.
    httpRequest.setRawHeader("Connection", "close");
    if (!m_apiKey.isEmpty())
        httpRequest.setRawHeader("Authorization", "Bearer " + m_apiKey.toUtf8());

    auto *pending = new Pending;
    pending->stream = request.stream;
    pending->timer = new QTimer(this);
    pending->timer->setSingleShot(true);
    pending->readPace = new QTimer(this);
    pending->readPace->setSingleShot(true);
    pending->readPace->setInterval(StreamReadInterval);
    pending->sinceSend.start();
    QNetworkReply *reply = m_network->post(httpRequest, request.toJson());
    if (request.stream)
        reply->setReadBufferSize(StreamReadBufferBytes);
    pending->reply = reply;
    m_pending.insert(key, pending);

    // Until the request is on the wire: the connect timeout. After that, silence longer than the
    // idle timeout (llama-server sends ": ping" comments on a quiet stream) ends it.
    connect(pending->timer, &QTimer::timeout, this, [this, key] {
        Pending *p = m_pending.value(key);
        if (!p || !p->reply)
            return;
        p->abortedBecause = p->reply->property("sent").toBool() ? ChatError::Kind::IdleTimeout
                                                                 : ChatError::Kind::ConnectTimeout;
        p->reply->abort();
    });
    pending->timer->start(m_connectTimeout);
    connect(reply, &QNetworkReply::requestSent, this, [pending, reply, this] {
        reply->setProperty("sent", true);
        pending->timer->start(m_idleTimeout);
    });
    connect(reply, &QNetworkReply::readyRead, this, [this, key] {
        Pending *p = m_pending.value(key);
        if (!p)
            return;
        if (!p->stream) {
            consume(key, *p);
            return;
        }
        if (p->readPace->isActive()) {
            p->readWaiting = true;
            return;
        }
        consume(key, *p); // p may be gone now (a limit was passed)
        if ((p = m_pending.value(key)))
            p->readPace->start();
    });
    connect(pending->readPace, &QTimer::timeout, this, [this, key] {
        Pending *p = m_pending.value(key);
        if (!p || !std::exchange(p->readWaiting, false))
            return;
        consume(key, *p);
        if ((p = m_pending.value(key)))
            p->readPace->start();
    });
    connect(reply, &QNetworkReply::finished, this, [this, key] {
        Pending *p = m_pending.value(key);
        if (!p || !p->reply)
            return;
        consume(key, *p); // whatever arrived with the end
        m_pending.remove(key);
        const std::unique_ptr<Pending> owner(p);
        p->timer->deleteLater();
        p->readPace->deleteLater();
        QNetworkReply *r = p->reply;
        r->deleteLater();
        const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const ChatResult &partial = p->result;

        if (p->abortedBecause) {
            switch (*p->abortedBecause) {
            case ChatError::Kind::Cancelled:
                Q_EMIT failed(key, makeError(ChatError::Kind::Cancelled, tr("Stopped.")), partial);
                return;
            case ChatError::Kind::ResponseTooLarge:
                Q_EMIT failed(key, makeError(ChatError::Kind::ResponseTooLarge, p->tooLarge), partial);
                return;
            case ChatError::Kind::ConnectTimeout:
                Q_EMIT failed(key,
                              makeError(ChatError::Kind::ConnectTimeout,
                                        tr("llama-server at %1 did not take the request within %2 s.")
                                            .arg(m_baseUrl.toString())
                                            .arg(static_cast<double>(m_connectTimeout.count()) / 1000.0)),
                              partial);
                return;
            default:
                Q_EMIT failed(key,
                              makeError(ChatError::Kind::IdleTimeout,
                                        tr("llama-server sent nothing for %1 s; the answer was abandoned.")
                                            .arg(static_cast<double>(m_idleTimeout.count()) / 1000.0)),
                              partial);
                return;
            }
        }
        if (status >= 400) {
            Q_EMIT failed(key, httpError(parseErrorBody(p->body, status)), partial);
            return;
        }
        if (status == 0) {
            if (r->error() == QNetworkReply::ConnectionRefusedError) {
                Q_EMIT failed(key,
                              makeError(ChatError::Kind::ConnectionRefused,
                                        tr("Could not reach llama-server at %1: it is not running.")
                                            .arg(m_baseUrl.toString())),
                              partial);
            } else {
                Q_EMIT failed(key,
                              makeError(ChatError::Kind::ConnectionRefused,
                                        tr("Could not reach llama-server at %1: %2")
                                            .arg(m_baseUrl.toString(), r->errorString())),
                              partial);
            }
            return;
        }
        if (!p->stream) {
            const auto parsed = parseCompletion(p->body);
            if (const auto *api = std::get_if<ApiError>(&parsed)) {
                Q_EMIT failed(key, httpError(*api), partial);
                return;
            }
            const auto &completion = std::get<ChatCompletion>(parsed);
            ChatResult result;
            result.content = completion.content;
            result.reasoning = completion.reasoning;
            result.finishReason = completion.finishReason;
            result.model = completion.model;
            result.usage = completion.usage;
            result.timings = completion.timings;
            result.timeToFirstTokenMs = static_cast<double>(p->sinceSend.nsecsElapsed()) / 1e6;
            Q_EMIT finished(key, result);
            return;
        }
        if (p->streamError) {
            Q_EMIT failed(key,
                          makeError(ChatError::Kind::StreamError,
                                    tr("llama-server reported an error while answering: %1").arg(p->streamError->message),
                                    *p->streamError),
                          partial);
            return;
        }
        if (!p->sawDone) {
            Q_EMIT failed(key,
                          makeError(ChatError::Kind::Interrupted,
                                    tr("The answer was interrupted: the connection closed before it was complete.")),
                          partial);
            return;
        }
        Q_EMIT finished(key, partial);
    });
    return true;
}

void ChatClient::consume(const QString &key, Pending &p)
{
    p.timer->start(m_idleTimeout);
    if (!p.reply->isOpen())
        return; // aborted: nothing more to read
    const QByteArray bytes = p.reply->readAll();
    if (bytes.isEmpty())
        return;
    const int status = p.reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (!p.stream || status >= 400) {
        if (p.body.size() + bytes.size() > MaxBodyBytes) {
            abortTooLarge(p, tr("llama-server's answer was larger than %1 MiB, far more than any real answer; "
                                "it was abandoned.")
                                 .arg(MaxBodyBytes / Mebi));
            return;
        }
        p.body += bytes;
        return;
    }
    QString content;
    QString reasoning;
    for (const SseEvent &event : p.parser.feed(bytes)) {
        const StreamChunk chunk = parseStreamData(event.data);
        switch (chunk.kind) {
        case StreamChunk::Kind::Done:
            p.sawDone = true;
            break;
        case StreamChunk::Kind::Error:
            p.streamError = chunk.error;
            break;
        case StreamChunk::Kind::Malformed:
            spdlog::warn("Ignoring a malformed event from llama-server: {}", chunk.problem);
            break;
        case StreamChunk::Kind::Delta:
            if (!chunk.reasoning.isEmpty() && !p.sinceFirstReasoning.isValid())
                p.sinceFirstReasoning.start();
            if (!chunk.content.isEmpty() && p.sinceFirstReasoning.isValid() && p.result.reasoningMs == 0)
                p.result.reasoningMs = static_cast<double>(p.sinceFirstReasoning.nsecsElapsed()) / 1e6;
            if ((!chunk.content.isEmpty() || !chunk.reasoning.isEmpty()) && !p.gotFirstToken) {
                p.gotFirstToken = true;
                p.result.timeToFirstTokenMs = static_cast<double>(p.sinceSend.nsecsElapsed()) / 1e6;
            }
            content += chunk.content;
            reasoning += chunk.reasoning;
            if (chunk.finishReason)
                p.result.finishReason = *chunk.finishReason;
            if (chunk.usage)
                p.result.usage = chunk.usage;
            if (chunk.timings)
                p.result.timings = chunk.timings;
            if (!chunk.model.isEmpty())
                p.result.model = chunk.model;
            break;
        }
    }
    if (!content.isEmpty() || !reasoning.isEmpty()) {
        p.result.content += content;
        p.result.reasoning += reasoning;
        // One signal per network read, not per token: at 2,000 tokens/s a read holds many events.
        Q_EMIT deltaReceived(key, content, reasoning);
    }
    // What arrived before the limit stays in the partial answer; abortTooLarge() comes last
    // because the reply may finish, and p be deleted, inside it.
    if (p.parser.hasOverflowed()) {
        abortTooLarge(p, tr("llama-server sent one piece of the answer larger than %1 MiB without ending it, "
                            "so the answer was abandoned. What arrived before is kept.")
                             .arg(SseParser::MaxEventBytes / Mebi));
    } else if (p.result.content.size() + p.result.reasoning.size() > MaxAnswerChars) {
        abortTooLarge(p, tr("The answer passed %1 million characters, far more than any real answer, so it was "
                            "stopped there. What arrived is kept.")
                             .arg(MaxAnswerChars / Mebi));
    }
}

void ChatClient::abortTooLarge(Pending &p, const QString &message)
{
    spdlog::warn("Abandoning an answer from llama-server: {}", message);
    p.abortedBecause = ChatError::Kind::ResponseTooLarge;
    p.tooLarge = message;
    p.reply->abort();
}

void ChatClient::cancel(const QString &key)
{
    Pending *p = m_pending.value(key);
    if (!p || !p->reply)
        return;
    p->abortedBecause = ChatError::Kind::Cancelled;
    p->reply->abort();
}

void ChatClient::cancelAll()
{
    const QStringList keys = m_pending.keys();
    for (const QString &key : keys)
        cancel(key);
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
    QUrl url = m_baseUrl;
    url.setPath(path);
    QNetworkRequest request(url);
    if (!m_apiKey.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_apiKey.toUtf8());
    request.setTransferTimeout(static_cast<int>(m_connectTimeout.count()));
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
            Q_EMIT infoFailed(httpError(parseErrorBody(body, status)).message);
    });
}
} // namespace Llamadesk
