#pragma once

#include "core/chat/chatclient.h"

#include <QHash>
#include <QObject>
#include <QUrl>

#include <chrono>

class QNetworkAccessManager;

namespace Llamadesk
{
// ChatClient's requests to /v1/chat/completions, carried out on a thread of their own (see
// ChatClient). QNetworkAccessManager hands every piece its HTTP thread reads to the thread its
// reply lives on: llama-server writes each token on its own, so a reply on the GUI thread woke it
// 1,500 times a second. Here those wake-ups cost the GUI nothing; it gets one delta per paced
// read. Internal to ChatClient: it lives on ChatClient's thread and is driven by queued calls.
class ChatStreamWorker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatStreamWorker)

public:
    using Config = ChatStreamWorkerConfig;

    ChatStreamWorker();
    ~ChatStreamWorker() override;

    // On the worker's thread.
    void start(quint64 id, const Config &config, const ChatRequest &request);
    // Aborts the request; it still ends with failed(Cancelled), which ChatClient has already
    // reported and ignores.
    void cancel(quint64 id);

Q_SIGNALS:
    // The pieces one read brought; progress carries the rest of the answer so far (model, time to
    // first token, timings…) without its text.
    void delta(quint64 id, const QString &content, const QString &reasoning, const Llamadesk::ChatResult &progress);
    void finished(quint64 id, const Llamadesk::ChatResult &result);
    void failed(quint64 id, const Llamadesk::ChatError &error, const Llamadesk::ChatResult &partial);

private:
    struct Pending;
    void consume(quint64 id, Pending &pending);
    // Ends a request that passed one of the memory limits; p may be gone when it returns.
    void abortTooLarge(Pending &p, const QString &message);
    void onFinished(quint64 id);

    QNetworkAccessManager *m_network = nullptr; // made on the worker's thread, at the first request
    QHash<quint64, Pending *> m_pending;
};

namespace ChatClientText
{
// What the client's errors say; shared by ChatClient and its worker.
QString tr(const char *text);
ChatError makeError(ChatError::Kind kind, const QString &message, const ApiError &api = {});
// The sentence a person reads for an HTTP error answer.
ChatError httpError(const ApiError &api);
// A non-streamed answer, an error body, /props or /v1/models is one JSON object: the longest
// answer a context of a million tokens could hold is a few MiB of text.
inline constexpr qsizetype MaxBodyBytes = 32 * 1024 * 1024;
inline constexpr qsizetype Mebi = 1024 * 1024;
} // namespace ChatClientText
} // namespace Llamadesk

