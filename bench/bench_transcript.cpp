// The transcript under a real display (offscreen without one):
//  - opening a stored conversation of 1,000 messages: time to the first paint (target < 300 ms);
//  - a conversation of 20 questions, each with a 1536x864 screenshot: loading it from the store
//    and the first paint, against the same conversation without the pictures;
//  - an answer streaming in at 2,000 tokens/s: the longest event-loop stall (target < 50 ms) and
//    the main thread's CPU share, against an idle event loop measured in the same run.
//   bench_transcript [seconds of streaming, default 10]
#include "core/chat/chatstore.h"
#include "core/chat/messageattachment.h"
#include "image/imageattachment.h"
#include "ui/chat/transcriptview.h"

#include <QPainter>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <QApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace
{
double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

class PaintWatcher final : public QObject
{
public:
    bool painted = false;
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint)
            painted = true;
        return QObject::eventFilter(watched, event);
    }
};

Llamadesk::StoredMessage message(qint64 id, bool user, const QString &text)
{
    Llamadesk::StoredMessage m;
    m.id = id;
    m.conversationId = 1;
    m.role = user ? Llamadesk::Role::User : Llamadesk::Role::Assistant;
    m.content = text;
    m.created = QDateTime::currentDateTimeUtc();
    return m;
}

// Runs the event loop for ms while a 1 ms timer records the longest gap between its ticks.
struct LoopFigures
{
    double longestStallMs = 0;
    double cpuShare = 0;
};

LoopFigures measureLoop(int ms, const std::function<void()> &everyMs)
{
    LoopFigures figures;
    QElapsedTimer wall;
    wall.start();
    const double cpuStart = threadCpuMs();
    qint64 last = wall.nsecsElapsed();
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = wall.nsecsElapsed();
        figures.longestStallMs = std::max(figures.longestStallMs, static_cast<double>(now - last) / 1e6);
        last = now;
        if (everyMs)
            everyMs();
        if (wall.elapsed() >= ms)
            QCoreApplication::exit(0);
    });
    tick.start(1);
    QCoreApplication::exec();
    figures.cpuShare = (threadCpuMs() - cpuStart) / static_cast<double>(wall.elapsed());
    return figures;
}
double firstPaintMs(Llamadesk::TranscriptView &view, PaintWatcher &watcher,
                    const QList<Llamadesk::StoredMessage> &messages)
{
    view.setMessages({});
    QCoreApplication::processEvents();
    watcher.painted = false;
    QElapsedTimer clock;
    clock.start();
    view.setMessages(messages);
    while (!watcher.painted)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 5);
    return static_cast<double>(clock.nsecsElapsed()) / 1e6;
}

// A screen-like picture: panels, text-like noise and a photo area, so that it encodes to a size
// real screenshots have.
QImage screenLike(int seed)
{
    QImage image(2560, 1440, QImage::Format_RGB32);
    image.fill(QColor(236, 236, 236));
    QPainter painter(&image);
    QRandomGenerator random(static_cast<quint32>(seed));
    for (int y = 60; y < 1400; y += 28)
        for (int x = 40; x < 1500; x += 9)
            if (random.bounded(3) != 0)
                painter.fillRect(x, y, 7, 14, QColor(40, 40, 40));
    for (int y = 100; y < 900; ++y)
        for (int x = 1600; x < 2500; ++x)
            image.setPixel(x, y, qRgb((x + y + static_cast<int>(random.bounded(40))) & 0xff, (y * 2) & 0xff,
                                      static_cast<int>(random.bounded(256))));
    return image;
}

struct PictureFigures
{
    double loadMs = 0;
    double paintMs = 0;
};

// Stores the conversation, reads it back (ChatStore::messages) and paints it.
PictureFigures openConversation(Llamadesk::TranscriptView &view, PaintWatcher &watcher,
                                const QList<Llamadesk::MessageAttachment> &pictures)
{
    QTemporaryDir dir;
    Llamadesk::ChatStore store(dir.filePath(QStringLiteral("chats.sqlite")));
    const qint64 id = store.open() ? store.createConversation(QStringLiteral("Screens")).valueOr(0) : 0;
    if (id == 0) {
        std::fprintf(stderr, "bench_transcript: the chat store could not be used\n");
        std::exit(1);
    }
    for (int i = 0; i < 20; ++i) {
        Llamadesk::StoredMessage question = message(0, true, QStringLiteral("What is on this screen? %1").arg(i));
        question.conversationId = id;
        QList<QByteArray> bytes;
        if (!pictures.isEmpty()) {
            const Llamadesk::MessageAttachment &picture = pictures.at(i % pictures.size());
            question.attachments = {picture.info()};
            bytes = {picture.data};
        }
        Llamadesk::StoredMessage answer = message(0, false, QStringLiteral("A window with some text and a photo."));
        answer.conversationId = id;
        if (!store.addMessage(question, bytes) || !store.addMessage(answer)) {
            std::fprintf(stderr, "bench_transcript: a message could not be stored\n");
            std::exit(1);
        }
    }
    PictureFigures figures;
    QElapsedTimer clock;
    clock.start();
    const QList<Llamadesk::StoredMessage> messages = store.messages(id);
    figures.loadMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    // The thumbnails' bytes are read from the store as the rows are painted, as in the app.
    view.setAttachmentSource([&store](const Llamadesk::AttachmentInfo &info) {
        return store.attachmentData(info.sha256).valueOr({});
    });
    figures.paintMs = firstPaintMs(view, watcher, messages);
    view.setMessages({});
    view.setAttachmentSource({});
    return figures;
}
} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int seconds = argc > 1 ? QString::fromLocal8Bit(argv[1]).toInt() : 10;

    // 1,000 stored messages of realistic size, with markdown.
    QList<Llamadesk::StoredMessage> conversation;
    const QString answer = QStringLiteral("Here is **an answer** with a list:\n\n- one\n- two\n\n```cpp\nint main() { return 0; }\n```\n") +
                           QString(QStringLiteral("Some more words in a paragraph. ")).repeated(20);
    for (int i = 0; i < 1000; ++i)
        conversation.append(message(i + 1, i % 2 == 0, i % 2 == 0 ? QStringLiteral("A question %1?").arg(i) : answer));

    Llamadesk::TranscriptView view;
    view.resize(800, 700);
    view.show();
    PaintWatcher watcher;
    view.viewport()->installEventFilter(&watcher);
    QCoreApplication::processEvents();
    watcher.painted = false;
    QElapsedTimer open;
    open.start();
    view.setMessages(conversation);
    while (!watcher.painted)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 5);
    const double openMs = static_cast<double>(open.nsecsElapsed()) / 1e6;

    // Pictures: four different screenshots, as sent (1536x864).
    QList<Llamadesk::MessageAttachment> pictures;
    qsizetype pictureBytes = 0;
    for (int i = 0; i < 4; ++i) {
        const Llamadesk::ImageResult encoded =
                Llamadesk::ImageAttachment::fromImage(screenLike(i), Llamadesk::ImageEncodeOptions{});
        pictures.append(*encoded.attachment);
        pictureBytes += encoded.attachment->data.size();
    }
    const PictureFigures plain = openConversation(view, watcher, {});
    const PictureFigures withPictures = openConversation(view, watcher, pictures);

    // Idle baseline, then 2,000 tokens/s (two tokens every millisecond tick).
    view.setMessages({message(1, true, QStringLiteral("Go")), message(2, false, QString())});
    const LoopFigures idle = measureLoop(2000, {});
    Llamadesk::StoredMessage streaming = message(2, false, QString());
    streaming.state = Llamadesk::MessageState::Streaming;
    int tokens = 0;
    QElapsedTimer streamClock;
    streamClock.start();
    const LoopFigures busy = measureLoop(seconds * 1000, [&] {
        // Catch up with 2 tokens per elapsed millisecond, however often the timer managed to tick.
        const qint64 due = streamClock.elapsed() * 2;
        while (tokens < due) {
            streaming.content += QStringLiteral(" token");
            if (++tokens % 400 == 0)
                streaming.content += QStringLiteral("\n\n");
        }
        view.updateMessage(streaming);
    });

    std::printf("open 1,000 messages, time to first paint: %.1f ms (target < 300 ms)\n", openMs);
    std::printf("20 questions with a screenshot each (%.0f KB a picture): load %.1f ms, first paint %.1f ms; "
                "without the pictures: load %.1f ms, first paint %.1f ms\n",
                static_cast<double>(pictureBytes) / 4 / 1024, withPictures.loadMs, withPictures.paintMs, plain.loadMs,
                plain.paintMs);
    std::printf("ratio pictures / plain, load + first paint: %.1f\n",
                (withPictures.loadMs + withPictures.paintMs) / std::max(plain.loadMs + plain.paintMs, 0.001));
    std::printf("streaming %d tokens over %d s: longest event-loop stall %.1f ms (target < 50 ms), "
                "main thread CPU %.0f%%\n",
                tokens, seconds, busy.longestStallMs, busy.cpuShare * 100);
    std::printf("idle event loop, same run: longest stall %.1f ms, main thread CPU %.0f%%\n", idle.longestStallMs,
                idle.cpuShare * 100);
    std::printf("ratio streaming / idle longest stall: %.1f\n", busy.longestStallMs / std::max(idle.longestStallMs, 0.001));
    return 0;
}
