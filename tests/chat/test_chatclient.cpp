// ChatClient against the fake llama-server (or the real one named by LLAMADESK_LLAMA_SERVER,
// for the tests that need no failure knobs).
#include "core/chat/chatclient.h"
#include "servertestkit.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QThread>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>

#include <gtest/gtest.h>

using namespace Llamadesk;
using namespace Llamadesk::ServerTest;

namespace
{
#define FAKE_ONLY()                                                                                          \
    do {                                                                                                     \
        if (testingRealServer())                                                                             \
            GTEST_SKIP() << "uses the fake server's failure modes";                                          \
    } while (false)

class ChatClientTest : public ::testing::Test
{
protected:
    // Starts the server (with the fake's failure knobs in env) and points a client at it.
    void startServer(const QStringList &env = {}, const QStringList &extraArgs = {},
                     const QString &model = QStringLiteral("tiny-llama.gguf"))
    {
        for (const QString &entry : env)
            m_server.setEnv(entry.section(u'=', 0, 0), entry.section(u'=', 1));
        ASSERT_TRUE(m_server.start(QStringList{QStringLiteral("-m"), modelPath(model)} + extraArgs))
            << m_server.stderrText().toStdString();
        ASSERT_TRUE(m_server.waitForReady()) << m_server.stderrText().toStdString();
        m_client.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.port())));
    }

    static ChatRequest question(int maxTokens = 16, bool stream = true)
    {
        ChatRequest request;
        request.messages = {ChatMessage::user(QStringLiteral("Say something."))};
        request.sampling.maxTokens = maxTokens;
        request.stream = stream;
        return request;
    }

    // Sends and waits for finished or failed (a deadline, not a measure: a slow machine only
    // takes longer).
    void run(const ChatRequest &request, std::chrono::seconds deadline = std::chrono::seconds(20))
    {
        m_finished = std::make_unique<QSignalSpy>(&m_client, &ChatClient::finished);
        m_failed = std::make_unique<QSignalSpy>(&m_client, &ChatClient::failed);
        m_deltas = std::make_unique<QSignalSpy>(&m_client, &ChatClient::deltaReceived);
        ASSERT_TRUE(m_client.send(QStringLiteral("c1"), request));
        ASSERT_TRUE(TestSupport::waitUntil([&] { return m_finished->count() + m_failed->count() > 0; }, deadline));
    }

    ChatResult result() const { return m_finished->at(0).at(1).value<ChatResult>(); }
    ChatError error() const { return m_failed->at(0).at(1).value<ChatError>(); }
    ChatResult partial() const { return m_failed->at(0).at(2).value<ChatResult>(); }
    QString streamedContent() const
    {
        QString text;
        for (const auto &args : std::as_const(*m_deltas))
            text += args.at(1).toString();
        return text;
    }

    ServerProcess m_server;
    ChatClient m_client;
    std::unique_ptr<QSignalSpy> m_finished;
    std::unique_ptr<QSignalSpy> m_failed;
    std::unique_ptr<QSignalSpy> m_deltas;
};
// A local HTTP endpoint that answers every request with `head` and then `piece` over and over,
// until `limit` bytes went out or the client closes: what a broken endpoint or proxy would do.
class EndlessServer final
{
public:
    EndlessServer(QByteArray head, QByteArray piece, qsizetype limit)
        : m_head(std::move(head))
        , m_piece(std::move(piece))
        , m_limit(limit)
    {
        QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] {
            QTcpSocket *socket = m_server.nextPendingConnection();
            // The head goes out once the request has arrived, as a server would answer.
            QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                (void)socket->readAll();
                if (socket->property("answered").toBool())
                    return;
                socket->setProperty("answered", true);
                socket->write(m_head);
                writeMore(socket);
            });
            QObject::connect(socket, &QTcpSocket::bytesWritten, socket, [this, socket] { writeMore(socket); });
            QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        });
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort())); }
    qsizetype sent() const { return m_sent; }

private:
    void writeMore(QTcpSocket *socket)
    {
        // A few pieces ahead of the socket, never the whole limit at once.
        while (socket->bytesToWrite() < 4 * m_piece.size() && m_sent < m_limit
               && socket->state() == QAbstractSocket::ConnectedState) {
            socket->write(m_piece);
            m_sent += m_piece.size();
        }
    }

    QTcpServer m_server;
    QByteArray m_head;
    QByteArray m_piece;
    qsizetype m_limit;
    qsizetype m_sent = 0;
};

// A streamed answer's head, without Content-Length: the body runs until the connection closes.
const QByteArray StreamHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";
} // namespace

TEST_F(ChatClientTest, StreamsAnAnswerWithUsageAndTimings)
{
    startServer({}, {QStringLiteral("--alias"), QStringLiteral("tiny-llama")}); // as the app starts it
    run(question(16));
    ASSERT_EQ(m_finished->count(), 1) << (m_failed->count() ? error().message.toStdString() : "");
    const ChatResult r = result();
    EXPECT_FALSE(r.content.isEmpty());
    EXPECT_EQ(streamedContent(), r.content) << "the deltas add up to the answer";
    EXPECT_EQ(r.finishReason, QStringLiteral("length"));
    ASSERT_TRUE(r.usage.has_value());
    EXPECT_EQ(r.usage->completionTokens, 16);
    EXPECT_GT(r.usage->promptTokens, 0);
    ASSERT_TRUE(r.timings.has_value());
    EXPECT_EQ(r.timings->predictedN, 16);
    EXPECT_GT(r.timings->predictedPerSecond, 0);
    EXPECT_GT(r.timeToFirstTokenMs, 0);
    EXPECT_EQ(r.model, QStringLiteral("tiny-llama")) << "every release names the model by --alias";
}

// llama-server writes every token on its own; the client reads a stream at most once a frame
// after its first piece, so 600 tokens at 1,500 a second arrive in a few dozen reads, not 600.
TEST_F(ChatClientTest, AStreamIsReadAtMostOnceAFrameAfterItsFirstPiece)
{
    startServer({QStringLiteral("FAKE_LLAMA_TOKENS_PER_SECOND=1500"), QStringLiteral("FAKE_LLAMA_REPLY_TOKENS=600")});
    QElapsedTimer clock;
    clock.start();
    QList<qint64> at;
    QObject context;
    QObject::connect(&m_client, &ChatClient::deltaReceived, &context, [&] { at.append(clock.elapsed()); });
    run(question(600));
    ASSERT_EQ(m_finished->count(), 1) << (m_failed->count() ? error().message.toStdString() : "");
    EXPECT_EQ(result().usage->completionTokens, 600);
    EXPECT_EQ(streamedContent(), result().content) << "nothing lost between the reads";
    ASSERT_GE(at.size(), 2);
    // However long the stream took (a loaded machine slows the server too): one read per frame
    // of it at most, and far fewer than one a token. (The reads are a frame apart on the client's
    // worker thread; handed to this one, two can land closer together, so it is their number
    // over the stream that says how often this thread is woken.)
    EXPECT_LE(at.size(), (at.constLast() - at.constFirst()) / 15 + 2);
    EXPECT_LT(at.size(), 300) << "one read per token was 600";
}

TEST_F(ChatClientTest, TheStreamIsReadOffTheCallersThread)
{
    // The network's wake-ups (one per token) and the parsing of every event happen on the
    // client's own thread; the caller's thread gets the deltas, on its own thread.
    startServer({QStringLiteral("FAKE_LLAMA_REPLY_TOKENS=40")});
    QThread *const callers = QThread::currentThread();
    QList<QThread *> deliveredOn;
    QObject context;
    QObject::connect(&m_client, &ChatClient::deltaReceived, &context,
                     [&] { deliveredOn.append(QThread::currentThread()); });
    QThread *worker = nullptr;
    for (QThread *thread : m_client.findChildren<QThread *>())
        worker = thread->objectName() == u"ChatClient" ? thread : worker;
    ASSERT_NE(worker, nullptr);
    ASSERT_TRUE(worker->isRunning());
    run(question(40));
    ASSERT_EQ(m_finished->count(), 1) << (m_failed->count() ? error().message.toStdString() : "");
    ASSERT_FALSE(deliveredOn.isEmpty());
    for (QThread *thread : std::as_const(deliveredOn))
        EXPECT_EQ(thread, callers);
}

TEST_F(ChatClientTest, AnswersWithoutStreamingToo)
{
    startServer();
    run(question(8, false));
    ASSERT_EQ(m_finished->count(), 1) << (m_failed->count() ? error().message.toStdString() : "");
    EXPECT_FALSE(result().content.isEmpty());
    EXPECT_EQ(result().finishReason, QStringLiteral("length"));
    ASSERT_TRUE(result().usage.has_value());
    EXPECT_EQ(result().usage->completionTokens, 8);
    EXPECT_EQ(m_deltas->count(), 0);
}

TEST_F(ChatClientTest, ReasoningArrivesBeforeTheAnswer)
{
    startServer({}, {}, QStringLiteral("tiny-llama-think.gguf"));
    run(question(48));
    ASSERT_EQ(m_finished->count(), 1) << (m_failed->count() ? error().message.toStdString() : "");
    EXPECT_FALSE(result().reasoning.isEmpty());
    // The first streamed piece is reasoning, not content.
    ASSERT_GE(m_deltas->count(), 1);
    EXPECT_FALSE(m_deltas->at(0).at(2).toString().isEmpty());
}

TEST_F(ChatClientTest, CancelStopsTheAnswerAndKeepsWhatArrived)
{
    FAKE_ONLY();
    startServer({QStringLiteral("FAKE_LLAMA_TOKENS_PER_SECOND=50")});
    m_failed = std::make_unique<QSignalSpy>(&m_client, &ChatClient::failed);
    m_deltas = std::make_unique<QSignalSpy>(&m_client, &ChatClient::deltaReceived);
    m_finished = std::make_unique<QSignalSpy>(&m_client, &ChatClient::finished);
    ASSERT_TRUE(m_client.send(QStringLiteral("c1"), question(200)));
    ASSERT_TRUE(m_deltas->wait(5000));
    EXPECT_TRUE(m_client.isBusy(QStringLiteral("c1")));
    m_client.cancel(QStringLiteral("c1"));
    ASSERT_EQ(m_failed->count(), 1);
    EXPECT_EQ(error().kind, ChatError::Kind::Cancelled);
    EXPECT_FALSE(partial().content.isEmpty());
    EXPECT_FALSE(m_client.isBusy(QStringLiteral("c1")));
    EXPECT_EQ(m_finished->count(), 0);
}

TEST_F(ChatClientTest, OneRequestPerConversationAtATime)
{
    FAKE_ONLY();
    startServer({QStringLiteral("FAKE_LLAMA_TOKENS_PER_SECOND=50")});
    ASSERT_TRUE(m_client.send(QStringLiteral("c1"), question(100)));
    EXPECT_FALSE(m_client.send(QStringLiteral("c1"), question(100)));
    EXPECT_TRUE(m_client.send(QStringLiteral("c2"), question(4)));
    m_client.cancelAll();
    EXPECT_FALSE(m_client.isBusy(QStringLiteral("c1")));
    EXPECT_FALSE(m_client.isBusy(QStringLiteral("c2")));
}

TEST_F(ChatClientTest, NoServerIsReportedAsNotRunning)
{
    QTcpServer probe;
    ASSERT_TRUE(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    m_client.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    run(question());
    ASSERT_EQ(m_failed->count(), 1);
    EXPECT_EQ(error().kind, ChatError::Kind::ConnectionRefused);
    EXPECT_EQ(error().message,
              QStringLiteral("Could not reach llama-server at http://127.0.0.1:%1: it is not running.").arg(port));
}

TEST_F(ChatClientTest, AWrongApiKeyIsExplained)
{
    startServer({}, {QStringLiteral("--api-key"), QStringLiteral("right-key")});
    m_client.setApiKey(QStringLiteral("wrong-key"));
    run(question());
    ASSERT_EQ(m_failed->count(), 1);
    EXPECT_EQ(error().kind, ChatError::Kind::Unauthorized);
    EXPECT_EQ(error().api.httpStatus, 401);
    EXPECT_EQ(error().message, QStringLiteral("llama-server refused the request: the API key is missing or wrong. "
                                              "Check the API key in the settings."));

    m_client.setApiKey(QStringLiteral("right-key"));
    m_finished->clear();
    m_failed->clear();
    ASSERT_TRUE(m_client.send(QStringLiteral("c2"), question(4)));
    ASSERT_TRUE(m_finished->wait(10000));
}

TEST_F(ChatClientTest, AConversationLongerThanTheContextIsExplained)
{
    startServer({}, {QStringLiteral("-c"), QStringLiteral("256"), QStringLiteral("-np"), QStringLiteral("1")});
    ChatRequest request = question(4);
    request.messages = {ChatMessage::user(QString(QStringLiteral("many words here ")).repeated(400))};
    run(request);
    ASSERT_EQ(m_failed->count(), 1);
    EXPECT_EQ(error().kind, ChatError::Kind::ContextTooLarge);
    EXPECT_EQ(error().api.type, QStringLiteral("exceed_context_size_error"));
    EXPECT_TRUE(error().message.startsWith(
        u"This conversation is too long for the context the server gives one conversation"))
        << error().message.toStdString();
    EXPECT_TRUE(error().message.contains(u"the limit is 256")) << error().message.toStdString();
}

TEST_F(ChatClientTest, AnErrorEventMidStreamKeepsThePartialAnswer)
{
    FAKE_ONLY();
    startServer({QStringLiteral("FAKE_LLAMA_ERROR_AFTER_TOKENS=3")});
    run(question(16));
    ASSERT_EQ(m_failed->count(), 1);
    EXPECT_EQ(error().kind, ChatError::Kind::StreamError);
    EXPECT_TRUE(error().message.startsWith(u"llama-server reported an error while answering: "))
        << error().message.toStdString();
    EXPECT_FALSE(partial().content.isEmpty());
    EXPECT_EQ(partial().content, streamedContent());
}

TEST_F(ChatClientTest, AStreamThatEndsWithoutDoneIsInterrupted)
{
    FAKE_ONLY();
    startServer({QStringLiteral("FAKE_LLAMA_CRASH_AFTER_TOKENS=4")});
    run(question(16));
    ASSERT_EQ(m_failed->count(), 1);
    EXPECT_EQ(error().kind, ChatError::Kind::Interrupted);
    EXPECT_EQ(error().message,
              QStringLiteral("The answer was interrupted: the connection closed before it was complete."));
    EXPECT_FALSE(partial().content.isEmpty());
}

TEST_F(ChatClientTest, MalformedChunksAreSkippedAndTheRestArrives)
{
    FAKE_ONLY();
    startServer({QStringLiteral("FAKE_LLAMA_MALFORMED_CHUNKS=1")});
    run(question(8));
    ASSERT_EQ(m_finished->count(), 1) << (m_failed->count() ? error().message.toStdString() : "");
    EXPECT_FALSE(result().content.contains(u"broken"));
    EXPECT_EQ(result().usage->completionTokens, 8);
}

TEST_F(ChatClientTest, AStalledStreamHitsTheIdleTimeout)
{
    FAKE_ONLY();
    startServer({QStringLiteral("FAKE_LLAMA_STALL_AFTER_TOKENS=2")});
    m_client.setTimeouts(std::chrono::seconds(5), std::chrono::milliseconds(600));
    run(question(16));
    ASSERT_EQ(m_failed->count(), 1);
    EXPECT_EQ(error().kind, ChatError::Kind::IdleTimeout);
    EXPECT_EQ(error().message, QStringLiteral("llama-server sent nothing for 0.6 s; the answer was abandoned."));
    EXPECT_FALSE(partial().content.isEmpty());
}

TEST_F(ChatClientTest, AnEventThatNeverEndsFailsAndKeepsThePartialAnswer)
{
    FAKE_ONLY();
    startServer({QStringLiteral("FAKE_LLAMA_ENDLESS_LINE_AFTER_TOKENS=3")});
    run(question(16));
    ASSERT_EQ(m_failed->count(), 1);
    EXPECT_EQ(error().kind, ChatError::Kind::ResponseTooLarge);
    EXPECT_EQ(error().message,
              QStringLiteral("llama-server sent one piece of the answer larger than 4 MiB without ending it, so the "
                             "answer was abandoned. What arrived before is kept."));
    EXPECT_FALSE(partial().content.isEmpty());
    EXPECT_EQ(partial().content, streamedContent());
    EXPECT_FALSE(partial().content.contains(u"xxx")) << "nothing of the endless line is taken as answer";
}

TEST_F(ChatClientTest, ANonStreamedBodyPastTheLimitFails)
{
    // Far more than the 32 MiB limit, so only the client can end it in time.
    EndlessServer endless("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"x\":\"",
                          QByteArray(256 * 1024, 'x'), qsizetype{1} << 32);
    ASSERT_TRUE(endless.listen());
    m_client.setBaseUrl(endless.url());
    run(question(16, false));
    ASSERT_EQ(m_failed->count(), 1);
    EXPECT_EQ(error().kind, ChatError::Kind::ResponseTooLarge);
    EXPECT_EQ(error().message, QStringLiteral("llama-server's answer was larger than 32 MiB, far more than any real "
                                              "answer; it was abandoned."));
    // The client ended it, long before the server's 4 GiB (what Qt's network thread had read ahead
    // by then is let go with the reply).
    EXPECT_LT(endless.sent(), qsizetype{1} << 30);
}

TEST_F(ChatClientTest, AnAnswerThatNeverEndsIsStoppedAtTheLimitAndKept)
{
    // Valid events of 512 Ki characters each, endlessly: the answer itself is what grows.
    const QByteArray piece = R"(data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":")"
                             + QByteArray(512 * 1024, 'a') + "\"}}]}\n\n";
    EndlessServer endless(StreamHead, piece, qsizetype{1} << 32);
    ASSERT_TRUE(endless.listen());
    m_client.setBaseUrl(endless.url());
    // 16 Mi characters go through the parser, the worker and this thread: under AddressSanitizer
    // on two busy cores that has taken 10 to 22 s.
    run(question(16), std::chrono::seconds(90));
    ASSERT_EQ(m_failed->count(), 1);
    EXPECT_EQ(error().kind, ChatError::Kind::ResponseTooLarge);
    EXPECT_EQ(error().message, QStringLiteral("The answer passed 16 million characters, far more than any real "
                                              "answer, so it was stopped there. What arrived is kept."));
    EXPECT_GE(partial().content.size(), 16 * 1024 * 1024);
    EXPECT_EQ(partial().content.size(), streamedContent().size());
}

TEST_F(ChatClientTest, PropsPastTheLimitAreNotRead)
{
    EndlessServer endless("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"x\":\"",
                          QByteArray(256 * 1024, 'x'), qsizetype{1} << 32);
    ASSERT_TRUE(endless.listen());
    m_client.setBaseUrl(endless.url());
    QSignalSpy failed(&m_client, &ChatClient::infoFailed);
    m_client.fetchProps();
    ASSERT_TRUE(failed.wait(20000));
    EXPECT_EQ(failed.at(0).at(0).toString(),
              QStringLiteral("llama-server's answer to /props was larger than 32 MiB; it was not read."));
    // The client ended it, long before the server's 4 GiB (what Qt's network thread had read ahead
    // by then is let go with the reply).
    EXPECT_LT(endless.sent(), qsizetype{1} << 30);
}

TEST_F(ChatClientTest, PropsAndModelsAreRead)
{
    startServer({}, {QStringLiteral("--mmproj"), modelPath(QStringLiteral("tiny-mmproj-vision.gguf")),
                     QStringLiteral("--alias"), QStringLiteral("tiny-llama")});
    QSignalSpy props(&m_client, &ChatClient::propsReceived);
    QSignalSpy models(&m_client, &ChatClient::modelsReceived);
    m_client.fetchProps();
    m_client.fetchModels();
    ASSERT_TRUE(TestSupport::waitUntil([&] { return props.count() == 1 && models.count() == 1; }));
    const auto p = props.at(0).at(0).value<ServerProps>();
    EXPECT_GT(p.contextSize, 0);
    EXPECT_TRUE(p.vision);
    EXPECT_FALSE(p.audio);
    const auto list = models.at(0).at(0).value<QList<ModelInfo>>();
    ASSERT_EQ(list.size(), 1);
    EXPECT_EQ(list.at(0).id, QStringLiteral("tiny-llama")) << "the alias, on every release";
}
