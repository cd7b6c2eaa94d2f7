#include "core/chat/chatstreamworker.h"

#include "core/qtfmt.h"
#include "core/chat/sseparser.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QTimer>

#include <spdlog/spdlog.h>

namespace Llamadesk
{
// One request in flight.
struct ChatStreamWorker::Pending
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
    ChatStreamWorker::Config config;
    QTimer *timer = nullptr;
    // A stream is read at most once per StreamReadInterval (see send()); set while a read waits.
    QTimer *readPace = nullptr;
    bool readWaiting = false;
};

namespace
{
using ChatClientText::MaxBodyBytes;
using ChatClientText::Mebi;
using ChatClientText::makeError;
using ChatClientText::tr;

// The answer assembled from a stream (content and reasoning, in characters): 16 Mi characters
// are about four million tokens, more than any context a model takes today. (One streamed event
// has its own limit, SseParser::MaxEventBytes, 4 MiB.)
constexpr qsizetype MaxAnswerChars = 16 * 1024 * 1024;

// A streamed answer is read at most this often. llama-server writes every token on its own
// (1,500 writes a second for a small model): read one by one, each woke this thread, and each
// delta handed on would wake the GUI thread. With a read buffer on the reply, a paced read takes
// everything since the last one in one go. The first piece is read at once (the time to the
// first token is not delayed), the rest at most 16 ms late: a frame.
constexpr std::chrono::milliseconds StreamReadInterval{16};
constexpr qint64 StreamReadBufferBytes = 64 * 1024;
} // namespace

QString ChatClientText::tr(const char *text)
{
    return QCoreApplication::translate("ChatClient", text);
}

ChatError ChatClientText::makeError(ChatError::Kind kind, const QString &message, const ApiError &api)
{
    ChatError error;
    error.kind = kind;
    error.message = message;
    error.api = api;
    return error;
}

ChatError ChatClientText::httpError(const ApiError &api)
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

ChatStreamWorker::ChatStreamWorker() = default;

// On the worker's thread, as it ends: everything is aborted without a signal.
ChatStreamWorker::~ChatStreamWorker()
{
    for (Pending *pending : std::as_const(m_pending)) {
        if (pending->reply) {
            pending->reply->disconnect(this);
            pending->reply->abort();
        }
        delete pending;
    }
    // The network (a child) goes with the worker.
}

void ChatStreamWorker::start(quint64 id, const Config &config, const ChatRequest &request)
{
    if (!m_network)
        m_network = new QNetworkAccessManager(this);
    QUrl url = config.baseUrl;
    url.setPath(QStringLiteral("/v1/chat/completions"));
    QNetworkRequest httpRequest(url);
    httpRequest.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (request.stream)
        httpRequest.setRawHeader("Accept", "text/event-stream");
    // A fresh connection per request: on a kept-alive one the server's first write waits for
    // the client's delayed ACK (Nagle), which added 40 ms to the time to first token.
    httpRequest.setRawHeader("Connection", "close");
    if (!config.apiKey.isEmpty())
        httpRequest.setRawHeader("Authorization", "Bearer " + config.apiKey.toUtf8());

    auto *pending = new Pending;
    pending->config = config;
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
    m_pending.insert(id, pending);

    // Until the request is on the wire: the connect timeout. After that, silence longer than the
    // idle timeout (llama-server sends ": ping" comments on a quiet stream) ends it.
    connect(pending->timer, &QTimer::timeout, this, [this, id] {
        Pending *p = m_pending.value(id);
        if (!p || !p->reply)
            return;
        p->abortedBecause = p->reply->property("sent").toBool() ? ChatError::Kind::IdleTimeout
                                                                 : ChatError::Kind::ConnectTimeout;
        p->reply->abort();
    });
    pending->timer->start(config.connectTimeout);
    // By id, as every handler here: a signal the HTTP thread queued before the request ended
    // (a cancel, a limit) still arrives after its Pending is gone.
    connect(reply, &QNetworkReply::requestSent, this, [this, id] {
        Pending *p = m_pending.value(id);
        if (!p || !p->reply)
            return;
        p->reply->setProperty("sent", true);
        p->timer->start(p->config.idleTimeout);
    });
    connect(reply, &QNetworkReply::readyRead, this, [this, id] {
        Pending *p = m_pending.value(id);
        if (!p)
            return;
        if (!p->stream) {
            consume(id, *p);
            return;
        }
        if (p->readPace->isActive()) {
            p->readWaiting = true;
            return;
        }
        consume(id, *p); // p may be gone now (a limit was passed)
        if ((p = m_pending.value(id)))
            p->readPace->start();
    });
    connect(pending->readPace, &QTimer::timeout, this, [this, id] {
        Pending *p = m_pending.value(id);
        if (!p || !std::exchange(p->readWaiting, false))
            return;
        consume(id, *p);
        if ((p = m_pending.value(id)))
            p->readPace->start();
    });
    connect(reply, &QNetworkReply::finished, this, [this, id] { onFinished(id); });
}

void ChatStreamWorker::onFinished(quint64 id)
{
    Pending *p = m_pending.value(id);
    if (!p || !p->reply)
        return;
    consume(id, *p); // whatever arrived with the end
    m_pending.remove(id);
    const std::unique_ptr<Pending> owner(p);
    p->timer->deleteLater();
    p->readPace->deleteLater();
    QNetworkReply *r = p->reply;
    r->deleteLater();
    const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const ChatResult &partial = p->result;
    const Config &config = p->config;

    if (p->abortedBecause) {
        switch (*p->abortedBecause) {
        case ChatError::Kind::Cancelled:
            Q_EMIT failed(id, makeError(ChatError::Kind::Cancelled, tr("Stopped.")), partial);
            return;
        case ChatError::Kind::ResponseTooLarge:
            Q_EMIT failed(id, makeError(ChatError::Kind::ResponseTooLarge, p->tooLarge), partial);
            return;
        case ChatError::Kind::ConnectTimeout:
            Q_EMIT failed(id,
                          makeError(ChatError::Kind::ConnectTimeout,
                                    tr("llama-server at %1 did not take the request within %2 s.")
                                        .arg(config.baseUrl.toString())
                                        .arg(static_cast<double>(config.connectTimeout.count()) / 1000.0)),
                          partial);
            return;
        default:
            Q_EMIT failed(id,
                          makeError(ChatError::Kind::IdleTimeout,
                                    tr("llama-server sent nothing for %1 s; the answer was abandoned.")
                                        .arg(static_cast<double>(config.idleTimeout.count()) / 1000.0)),
                          partial);
            return;
        }
    }
    if (status >= 400) {
        Q_EMIT failed(id, ChatClientText::httpError(parseErrorBody(p->body, status)), partial);
        return;
    }
    if (status == 0) {
        if (r->error() == QNetworkReply::ConnectionRefusedError) {
            Q_EMIT failed(id,
                          makeError(ChatError::Kind::ConnectionRefused,
                                    tr("Could not reach llama-server at %1: it is not running.")
                                        .arg(config.baseUrl.toString())),
                          partial);
        } else {
            Q_EMIT failed(id,
                          makeError(ChatError::Kind::ConnectionRefused,
                                    tr("Could not reach llama-server at %1: %2")
                                        .arg(config.baseUrl.toString(), r->errorString())),
                          partial);
        }
        return;
    }
    if (!p->stream) {
        const auto parsed = parseCompletion(p->body);
        if (const auto *api = std::get_if<ApiError>(&parsed)) {
            Q_EMIT failed(id, ChatClientText::httpError(*api), partial);
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
        Q_EMIT finished(id, result);
        return;
    }
    if (p->streamError) {
        Q_EMIT failed(id,
                      makeError(ChatError::Kind::StreamError,
                                tr("llama-server reported an error while answering: %1").arg(p->streamError->message),
                                *p->streamError),
                      partial);
        return;
    }
    if (!p->sawDone) {
        Q_EMIT failed(id,
                      makeError(ChatError::Kind::Interrupted,
                                tr("The answer was interrupted: the connection closed before it was complete.")),
                      partial);
        return;
    }
    Q_EMIT finished(id, partial);
}

void ChatStreamWorker::consume(quint64 id, Pending &p)
{
    p.timer->start(p.config.idleTimeout);
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
        ChatResult progress = p.result;
        progress.content.clear();
        progress.reasoning.clear();
        Q_EMIT delta(id, content, reasoning, progress);
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

void ChatStreamWorker::abortTooLarge(Pending &p, const QString &message)
{
    spdlog::warn("Abandoning an answer from llama-server: {}", message);
    p.abortedBecause = ChatError::Kind::ResponseTooLarge;
    p.tooLarge = message;
    p.reply->abort();
}

void ChatStreamWorker::cancel(quint64 id)
{
    Pending *p = m_pending.value(id);
    if (!p || !p->reply)
        return;
    p->abortedBecause = ChatError::Kind::Cancelled;
    p->reply->abort();
}
} // namespace Llamadesk
