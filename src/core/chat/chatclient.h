#pragma once

#include "core/chat/chatprotocol.h"
#include "core/chat/chatrequest.h"

#include <QHash>
#include <QObject>
#include <QUrl>

#include <chrono>
#include <functional>

class QNetworkAccessManager;
class QThread;

namespace Llamadesk
{
class ChatStreamWorker;

// Where the completions go and how long they may take; see ChatClient's setters.
struct ChatStreamWorkerConfig
{
    QUrl baseUrl;
    QString apiKey;
    std::chrono::milliseconds connectTimeout{10000};
    std::chrono::milliseconds idleTimeout{300000}; // a long prompt on a CPU takes a while
};

struct ChatError
{
    enum class Kind {
        ConnectionRefused, // nothing listens: the server is not running
        Unauthorized,      // 401: wrong or missing API key
        ContextTooLarge,   // 400 exceed_context_size_error
        UnsupportedInput,  // 500 "image/audio input is not supported": the model lacks that projector
        HttpError,         // any other error status
        StreamError,       // an error event inside the stream
        Interrupted,       // the stream ended without [DONE]
        ConnectTimeout,
        IdleTimeout,       // no byte for too long mid-answer
        BadResponse,       // not the protocol at all
        ResponseTooLarge,  // an event, a body or the answer passed its limit (an endpoint gone wrong)
        Cancelled,         // cancel() or stop
    };
    Kind kind = Kind::HttpError;
    QString message; // for a person: what happened and, where it helps, what to do
    ApiError api;    // what the server said, when it said something
};

// What came back, complete or partial.
struct ChatResult
{
    QString content;
    QString reasoning;
    QString finishReason;
    QString model;
    std::optional<Usage> usage;
    std::optional<Timings> timings;
    double timeToFirstTokenMs = 0; // from sending to the first content or reasoning byte
    double reasoningMs = 0;        // from the first reasoning byte to the first content byte
};

// Talks to /v1/chat/completions (streaming through SseParser, or not) and /props, /v1/models.
// One request in flight per conversation key; cancel() aborts it and reports failed(Cancelled)
// at once. The API key goes in the Authorization header. Errors arrive as ChatError values with
// messages a person understands. Completions run on a thread of the client's own
// (ChatStreamWorker): there the network's wake-ups, one per token, and the parsing of every
// event cost the caller's thread nothing; it gets one deltaReceived per paced read (at most
// about 60 a second). Every signal arrives on the thread the client lives on.
class ChatClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatClient)

public:
    explicit ChatClient(QObject *parent = nullptr);
    ~ChatClient() override;

    void setBaseUrl(const QUrl &url); // http://127.0.0.1:8080
    QUrl baseUrl() const;
    void setApiKey(const QString &key);
    // No connection within connectTimeout, or no byte within idleTimeout while answering.
    void setTimeouts(std::chrono::milliseconds connectTimeout, std::chrono::milliseconds idleTimeout);

    // Starts a request; false (and nothing sent) when one is already in flight for key.
    bool send(const QString &key, const ChatRequest &request);
    bool isBusy(const QString &key) const;
    void cancel(const QString &key);
    void cancelAll();

    void fetchProps();
    void fetchModels();

    // What to tell a user whose model cannot see or hear (the server's "image/audio input is not
    // supported", and the tooltips of the disabled screenshot and microphone actions).
    static QString imageInputUnsupportedMessage();
    static QString audioInputUnsupportedMessage();

Q_SIGNALS:
    // Streamed pieces as they arrive (either may be empty).
    void deltaReceived(const QString &key, const QString &content, const QString &reasoning);
    void finished(const QString &key, const Llamadesk::ChatResult &result);
    // The request failed or was cancelled; partial holds what had arrived.
    void failed(const QString &key, const Llamadesk::ChatError &error, const Llamadesk::ChatResult &partial);
    void propsReceived(const Llamadesk::ServerProps &props);
    void modelsReceived(const QList<Llamadesk::ModelInfo> &models);
    void infoFailed(const QString &message);

private:
    // A request in flight, by key: the worker's id for it and what has arrived so far.
    struct Active
    {
        quint64 id = 0;
        ChatResult partial;
    };
    void onWorkerDelta(quint64 id, const QString &content, const QString &reasoning, const ChatResult &progress);
    void onWorkerFinished(quint64 id, const ChatResult &result);
    void onWorkerFailed(quint64 id, const ChatError &error, const ChatResult &partial);
    // GET path; onBody returns false when the answer cannot be read.
    void getInfo(const QString &path, std::function<bool(const QByteArray &)> onBody);

    QNetworkAccessManager *m_network; // /props and /v1/models, on this thread
    QThread *m_thread;
    ChatStreamWorker *m_worker; // lives on m_thread
    ChatStreamWorkerConfig m_config;
    QHash<QString, Active> m_active;
    QHash<quint64, QString> m_keys; // the key of each id in m_active
    quint64 m_lastId = 0;
};
} // namespace Llamadesk

Q_DECLARE_METATYPE(Llamadesk::ChatError)
Q_DECLARE_METATYPE(Llamadesk::ChatResult)
