#pragma once

// Shared by the chat widget tests (test_chatwidgets, test_chatinput): sample messages and
// fixtures that build the widgets in a real window.
#include "ui/chat/composer.h"
#include "ui/chat/conversationlist.h"
#include "guitestsupport.h"
#include "ui/chat/messagedelegate.h"
#include "ui/chat/messagelayout.h"
#include "testsupport.h"
#include "ui/chat/transcriptmodel.h"
#include "ui/chat/transcriptview.h"

#include <QClipboard>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextList>
#include <QTimer>
#include <QtTest/QTest>

#include <gtest/gtest.h>

#include <cstdio>

using namespace Llamadesk;
using namespace std::chrono_literals;

namespace
{
const QString MarkdownAnswer = QStringLiteral(
    "# Reversing a list\n\nPython has **two** common ways:\n\n- `reversed()` returns an iterator\n"
    "- slicing with `[::-1]` makes a copy\n\n```python\ndef reverse(items):\n    return items[::-1]\n```\n\n"
    "Both run in *O(n)* time.");
const QString Code = QStringLiteral("def reverse(items):\n    return items[::-1]");

StoredMessage message(qint64 id, const QString &role, const QString &content)
{
    StoredMessage m;
    m.id = id;
    m.conversationId = 1;
    m.role = roleFromName(role).value(); // "user", "assistant" or "system"
    m.content = content;
    m.created = QDateTime(QDate(2025, 3, 14), QTime(14, 2));
    return m;
}

StoredMessage answer(qint64 id, const QString &content)
{
    StoredMessage m = message(id, QStringLiteral("assistant"), content);
    m.finishReason = QStringLiteral("stop");
    m.predictedTokens = 42;
    m.tokensPerSecond = 38.5;
    m.timeToFirstTokenMs = 120;
    m.model = QStringLiteral("qwen2.5-7b-instruct-q4_k_m.gguf");
    return m;
}

QString filler(int words)
{
    QStringList out;
    for (int i = 0; i < words; ++i)
        out.append(QStringLiteral("word%1").arg(i % 50));
    return out.join(u' ');
}

class ChatWidgetsTest : public ::testing::Test
{
protected:
    void SetUp() override { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }
    void TearDown() override { QLocale::setDefault(QLocale::system()); }

    void show(QWidget &widget, QSize size)
    {
        widget.resize(size);
        widget.show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(&widget));
    }
    // Lets pending layouts happen first, so the picture is what a person would see.
    static QString snap(QWidget *widget, const QString &name)
    {
        QCoreApplication::sendPostedEvents();
        QCoreApplication::processEvents();
        return TestSupport::saveScreenshot(widget, name);
    }
    // Shows the view and waits until every row is measured and painted as it is. The deadline is
    // generous: a thousand rows measured in the background took over 5 s under AddressSanitizer
    // on two cores another process kept busy.
    void settle(TranscriptView &view)
    {
        ASSERT_TRUE(TestSupport::waitUntil(
                [&] {
                    for (int row = 0; row < view.transcript()->rowCount(); ++row) {
                        if (!view.messageDelegate()->isMeasured(view.transcript()->index(row)))
                            return false;
                    }
                    return true;
                },
                std::chrono::seconds(60)));
        QCoreApplication::processEvents();
        view.viewport()->repaint();
    }
    void click(TranscriptView &view, int row, QStringView href)
    {
        const QRect rect = view.anchorRect(row, href);
        ASSERT_FALSE(rect.isEmpty()) << href.toString().toStdString();
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, rect.center());
    }
    // Appends "alpha beta " (two tokens) to the message every millisecond, count times, in an
    // event loop of its own (waitUntil() sleeps 10 ms between turns, slower than the tokens).
    // Returns the milliseconds it took.
    static double stream(TranscriptView &view, StoredMessage &streaming, int count)
    {
        QTimer producer;
        producer.setTimerType(Qt::PreciseTimer);
        producer.setInterval(1);
        int sent = 0;
        QEventLoop loop;
        QObject::connect(&producer, &QTimer::timeout, &loop, [&] {
            streaming.content += QStringLiteral("alpha beta ");
            view.updateMessage(streaming);
            if (++sent == count) {
                producer.stop();
                loop.quit();
            }
        });
        QTimer::singleShot(30s, &loop, &QEventLoop::quit);
        QElapsedTimer clock;
        clock.start();
        producer.start();
        loop.exec();
        EXPECT_EQ(sent, count);
        return static_cast<double>(clock.elapsed());
    }
    // A conversation taller than the view, ending with a streaming answer (id 100).
    void showLongConversation(TranscriptView &view, StoredMessage &streaming)
    {
        show(view, {700, 400});
        QList<StoredMessage> messages;
        for (int i = 0; i < 6; ++i)
            messages.append(message(i + 1, i % 2 ? QStringLiteral("assistant") : QStringLiteral("user"), filler(80)));
        streaming = answer(100, QStringLiteral("Start"));
        streaming.state = MessageState::Streaming;
        messages.append(streaming);
        view.setMessages(messages);
        settle(view);
    }
    static void grow(TranscriptView &view, StoredMessage &streaming)
    {
        for (int i = 0; i < 5; ++i) {
            streaming.content += u' ' + filler(40);
            view.updateMessage(streaming);
            view.flushPendingUpdates();
        }
    }
    const MessageLayout *layout(TranscriptView &view, int row)
    {
        QStyleOptionViewItem option;
        option.initFrom(view.viewport());
        option.font = view.font();
        option.palette = view.palette();
        option.rect = view.visualRect(view.transcript()->index(row));
        return view.messageDelegate()->layout(option, view.transcript()->index(row));
    }
};

using ComposerTest = ChatWidgetsTest;
using TranscriptTest = ChatWidgetsTest;
using ConversationListTest = ChatWidgetsTest;
} // namespace
