// The transcript: markdown cards, links, thinking, stats, streaming and big conversations.
#include "chatwidgetsfixture.h"

TEST_F(TranscriptTest, ShowsTheEmptyTextWithoutMessages)
{
    TranscriptView view;
    show(view, {600, 300});
    EXPECT_FALSE(view.emptyText().isEmpty());
    const QImage image = view.grab().toImage();
    // Something is written in the middle, and nothing at the top.
    const QColor background = image.pixelColor(5, 5);
    bool drawn = false;
    for (int x = 0; x < image.width() && !drawn; ++x)
        drawn = image.pixelColor(x, image.height() / 2) != background;
    EXPECT_TRUE(drawn);
}

TEST_F(TranscriptTest, UpdateMessageChangesOnlyThatRow)
{
    TranscriptModel model;
    model.setMessages({message(1, QStringLiteral("user"), QStringLiteral("Hi")), answer(2, QStringLiteral("Hel"))});
    QSignalSpy changed(&model, &TranscriptModel::dataChanged);
    QSignalSpy reset(&model, &TranscriptModel::modelReset);
    EXPECT_TRUE(model.updateMessage(answer(2, QStringLiteral("Hello"))));
    ASSERT_EQ(changed.count(), 1);
    EXPECT_EQ(changed.at(0).at(0).toModelIndex().row(), 1);
    EXPECT_EQ(changed.at(0).at(1).toModelIndex().row(), 1);
    EXPECT_EQ(reset.count(), 0);
    EXPECT_EQ(model.message(1).content, QStringLiteral("Hello"));
    EXPECT_EQ(model.rowForId(2), 1);
    EXPECT_FALSE(model.updateMessage(answer(99, QStringLiteral("nobody"))));
}

TEST_F(TranscriptTest, RemovingFromAMessageDropsItAndEverythingAfter)
{
    TranscriptModel model;
    model.setMessages({message(1, QStringLiteral("user"), QStringLiteral("One")), answer(2, QStringLiteral("First")),
                       message(3, QStringLiteral("user"), QStringLiteral("Two")), answer(4, QStringLiteral("Second"))});
    EXPECT_EQ(model.lastAssistantRow(), 3);
    model.removeMessagesFrom(3);
    EXPECT_EQ(model.rowCount(), 2);
    EXPECT_EQ(model.rowForId(4), -1);
    EXPECT_EQ(model.lastAssistantRow(), 1); // Regenerate moves back to the answer that is now last
}

TEST_F(TranscriptTest, RendersMarkdownHeadingsListsAndCode)
{
    TranscriptView view;
    show(view, {760, 560});
    view.setMessages({message(1, QStringLiteral("user"), QStringLiteral("How do I reverse a list in Python?\nShort answer please.")),
                      answer(2, MarkdownAnswer)});
    settle(view);
    const MessageLayout *card = layout(view, 1);
    ASSERT_NE(card, nullptr);
    const QList<const QTextDocument *> docs = card->bodyDocuments();
    ASSERT_FALSE(docs.isEmpty());
    EXPECT_EQ(docs.first()->firstBlock().blockFormat().headingLevel(), 1);
    EXPECT_EQ(docs.first()->firstBlock().text(), QStringLiteral("Reversing a list"));
    int listItems = 0;
    for (const QTextDocument *doc : docs) {
        for (QTextBlock block = doc->begin(); block.isValid(); block = block.next())
            listItems += block.textList() ? 1 : 0;
    }
    EXPECT_EQ(listItems, 2);
    ASSERT_EQ(card->codeBlockCount(), 1);
    EXPECT_EQ(card->codeBlockText(0), Code);
    EXPECT_FALSE(card->bodyText().contains(u"**")) << "markdown was not parsed";
    // The user's line break is kept: plain text, not markdown.
    EXPECT_TRUE(layout(view, 0)->bodyText().contains(u'\n'));
    EXPECT_FALSE(snap(&view, QStringLiteral("chat-markdown")).isEmpty());
}

TEST_F(TranscriptTest, CodeBlockCopyLinkCopiesExactlyTheCode)
{
    TranscriptView view;
    show(view, {760, 560});
    view.setMessages({answer(2, MarkdownAnswer)});
    settle(view);
    QGuiApplication::clipboard()->clear();
    QSignalSpy copied(&view, &TranscriptView::textCopied);
    click(view, 0, MessageAnchor::copyCode(0));
    ASSERT_EQ(copied.count(), 1);
    EXPECT_EQ(QGuiApplication::clipboard()->text(), Code);
}

TEST_F(TranscriptTest, CopyLinkCopiesTheWholeMessage)
{
    TranscriptView view;
    show(view, {760, 560});
    view.setMessages({answer(2, MarkdownAnswer)});
    settle(view);
    click(view, 0, MessageAnchor::Copy);
    EXPECT_EQ(QGuiApplication::clipboard()->text(), MarkdownAnswer);
}

TEST_F(TranscriptTest, ThinkingIsCollapsedUntilClicked)
{
    TranscriptView view;
    show(view, {760, 520});
    StoredMessage thought = answer(2, QStringLiteral("The answer is **42**."));
    thought.reasoning = QStringLiteral("The user asks for the answer. Douglas Adams wrote it down long ago, so 42.");
    thought.reasoningMs = 3200;
    view.setMessages({message(1, QStringLiteral("user"), QStringLiteral("What is the answer?")), thought});
    settle(view);
    const int collapsedHeight = view.visualRect(view.transcript()->index(1)).height();
    EXPECT_EQ(layout(view, 1)->thinking()->toPlainText(), QStringLiteral("▸ Thinking (3.2 s)"));
    EXPECT_FALSE(snap(&view, QStringLiteral("chat-thinking-collapsed")).isEmpty());

    click(view, 1, MessageAnchor::Thinking);
    EXPECT_TRUE(view.transcript()->isThinkingExpanded(1));
    settle(view);
    EXPECT_TRUE(layout(view, 1)->thinking()->toPlainText().startsWith(QStringLiteral("▾ Thinking (3.2 s)")));
    EXPECT_TRUE(layout(view, 1)->thinking()->toPlainText().contains(u"Douglas Adams"));
    EXPECT_GT(view.visualRect(view.transcript()->index(1)).height(), collapsedHeight);
    EXPECT_FALSE(snap(&view, QStringLiteral("chat-thinking-expanded")).isEmpty());

    click(view, 1, MessageAnchor::Thinking);
    EXPECT_FALSE(view.transcript()->isThinkingExpanded(1));
}

TEST_F(TranscriptTest, EditLinkEmitsTheUserMessageId)
{
    TranscriptView view;
    show(view, {760, 520});
    view.setMessages({message(7, QStringLiteral("user"), QStringLiteral("Fix my typo")), answer(8, QStringLiteral("Sure."))});
    settle(view);
    EXPECT_TRUE(view.anchorRect(1, MessageAnchor::Edit).isEmpty()) << "answers are regenerated, not edited";
    QSignalSpy edit(&view, &TranscriptView::editRequested);
    click(view, 0, MessageAnchor::Edit);
    ASSERT_EQ(edit.count(), 1);
    EXPECT_EQ(edit.at(0).at(0).toLongLong(), 7);
}

TEST_F(TranscriptTest, RegenerateIsOfferedOnTheLastAnswerOnly)
{
    TranscriptView view;
    show(view, {760, 600});
    view.setMessages({message(1, QStringLiteral("user"), QStringLiteral("One")), answer(2, QStringLiteral("First answer")),
                      message(3, QStringLiteral("user"), QStringLiteral("Two")), answer(4, QStringLiteral("Second answer"))});
    settle(view);
    EXPECT_TRUE(view.anchorRect(1, MessageAnchor::Regenerate).isEmpty());
    QSignalSpy regenerate(&view, &TranscriptView::regenerateRequested);
    click(view, 3, MessageAnchor::Regenerate);
    ASSERT_EQ(regenerate.count(), 1);
    EXPECT_EQ(regenerate.at(0).at(0).toLongLong(), 4);
}

TEST_F(TranscriptTest, StatsShowTokensSpeedFirstTokenAndHowItEnded)
{
    StoredMessage done = answer(2, QStringLiteral("A long answer that was cut short"));
    done.finishReason = QStringLiteral("length");
    EXPECT_EQ(MessageLayout::statsText(done),
              QStringLiteral("42 tokens · 38.5 tokens/s · first token 120 ms · stopped at the length limit"));
    StoredMessage stopped = answer(4, QStringLiteral("Half an ans"));
    stopped.finishReason.clear();
    stopped.state = MessageState::Interrupted;
    EXPECT_TRUE(MessageLayout::statsText(stopped).endsWith(u" · interrupted"));

    TranscriptView view;
    show(view, {760, 480});
    view.setMessages({message(1, QStringLiteral("user"), QStringLiteral("Write an essay")), done,
                      message(3, QStringLiteral("user"), QStringLiteral("Again")), stopped});
    settle(view);
    EXPECT_TRUE(layout(view, 1)->footer()->toPlainText().contains(MessageLayout::statsText(done)));
    EXPECT_TRUE(layout(view, 3)->footer()->toPlainText().contains(u"interrupted"));
    EXPECT_FALSE(snap(&view, QStringLiteral("chat-stats")).isEmpty());
}

TEST_F(TranscriptTest, ErrorIsShownInRed)
{
    StoredMessage failed = answer(2, QString());
    failed.state = MessageState::Error;
    failed.error = QStringLiteral("llama-server closed the connection before answering");
    failed.predictedTokens = 0;
    TranscriptView view;
    show(view, {760, 320});
    view.setMessages({message(1, QStringLiteral("user"), QStringLiteral("Hello?")), failed});
    settle(view);
    const QTextDocument *footer = layout(view, 1)->footer();
    const QTextBlock first = footer->firstBlock();
    EXPECT_EQ(first.text(), failed.error);
    const QColor color = first.begin().fragment().charFormat().foreground().color();
    EXPECT_GT(color.red(), 2 * color.green()) << color.name().toStdString();
    EXPECT_FALSE(snap(&view, QStringLiteral("chat-error")).isEmpty());
}

TEST_F(TranscriptTest, UpdatesInATightLoopAreMergedAndTheLastOneIsShown)
{
    TranscriptView view;
    show(view, {760, 520});
    StoredMessage streaming = answer(2, QString());
    streaming.state = MessageState::Streaming;
    view.setMessages({message(1, QStringLiteral("user"), QStringLiteral("Count")), streaming});
    settle(view);
    MessageDelegate *delegate = view.messageDelegate();
    delegate->resetCounters();
    const int paintsBefore = view.counters().paintEvents;
    QString text;
    for (int i = 0; i < 500; ++i) {
        text += QStringLiteral("tok%1 ").arg(i);
        streaming.content = text;
        view.updateMessage(streaming);
    }
    const QModelIndex row = view.transcript()->index(1);
    ASSERT_TRUE(TestSupport::waitUntil([&] {
        return view.transcript()->message(1).content == text
               && delegate->paintedRevision(row) == view.transcript()->revision(1);
    }));
    EXPECT_LE(delegate->counters().layouts, 3) << "each update parsed the markdown again";
    EXPECT_LE(view.counters().paintEvents - paintsBefore, 4);
    EXPECT_EQ(layout(view, 1)->bodyText(), text.trimmed());
    std::printf("[ measure ] 500 updates in a tight loop: %d layouts, %d paint events\n", delegate->counters().layouts,
                view.counters().paintEvents - paintsBefore);
}

TEST_F(TranscriptTest, StreamingAt2000TokensPerSecondRepaintsAbout30TimesASecond)
{
    TranscriptView view;
    show(view, {760, 520});
    StoredMessage streaming = answer(2, QString());
    streaming.state = MessageState::Streaming;
    view.setMessages({message(1, QStringLiteral("user"), QStringLiteral("Talk")), streaming});
    settle(view);
    view.messageDelegate()->resetCounters();
    const int paintsBefore = view.counters().paintEvents;
    const double ms = stream(view, streaming, 500);
    view.flushPendingUpdates();
    QCoreApplication::processEvents();
    const double seconds = ms / 1000.0;
    const int paints = view.counters().paintEvents - paintsBefore;
    const int layouts = view.messageDelegate()->counters().layouts;
    std::printf("[ measure ] 500 updates over %.2f s: %d paint events, %d layouts (%.1f/s)\n", seconds, paints, layouts,
                paints / seconds);
    EXPECT_LE(paints, 36 * seconds + 4);
    EXPECT_LE(layouts, 36 * seconds + 4);
}

TEST_F(TranscriptTest, ALongAnswerSlowsItsRepaintsNotTheWindow)
{
    TranscriptView view;
    show(view, {760, 520});
    StoredMessage streaming = answer(2, QString());
    for (int i = 0; i < 100; ++i)
        streaming.content += MarkdownAnswer + QStringLiteral("\n\n") + filler(60) + QStringLiteral("\n\n");
    streaming.state = MessageState::Streaming;
    view.setMessages({message(1, QStringLiteral("user"), QStringLiteral("Tell me everything")), streaming});
    settle(view);
    const TranscriptView::Counters before = view.counters();
    const double wallMs = stream(view, streaming, 1000);
    const int flushes = view.counters().flushes - before.flushes;
    const double busyMs = view.counters().flushMs - before.flushMs;
    std::printf("[ measure ] %lld-character answer, 1000 updates over %.0f ms: %d layouts of %.1f ms each, "
                "GUI thread %.0f%% busy with them, interval now %d ms\n",
                static_cast<long long>(streaming.content.size()), wallMs, flushes, busyMs / std::max(1, flushes),
                100 * busyMs / wallMs, view.coalesceInterval());
    EXPECT_LT(busyMs / wallMs, 0.5);
}

TEST_F(TranscriptTest, StreamingFollowsTheBottom)
{
    TranscriptView view;
    StoredMessage streaming;
    showLongConversation(view, streaming);
    QScrollBar *bar = view.verticalScrollBar();
    ASSERT_GT(bar->maximum(), 0);
    EXPECT_EQ(bar->value(), bar->maximum());
    const int before = bar->maximum();
    grow(view, streaming);
    ASSERT_TRUE(TestSupport::waitUntil([&] { return bar->maximum() > before + 50; }));
    QCoreApplication::processEvents();
    EXPECT_TRUE(view.isStickingToBottom());
    EXPECT_EQ(bar->value(), bar->maximum());

    const int grown = bar->maximum();
    view.appendMessage(message(101, QStringLiteral("user"), filler(30)));
    ASSERT_TRUE(TestSupport::waitUntil([&] { return bar->maximum() > grown; }));
    QCoreApplication::processEvents();
    EXPECT_EQ(bar->value(), bar->maximum());
}

TEST_F(TranscriptTest, StreamingLeavesAUserWhoScrolledUpWhereTheyAre)
{
    TranscriptView view;
    StoredMessage streaming;
    showLongConversation(view, streaming);
    QScrollBar *bar = view.verticalScrollBar();
    bar->setValue(bar->maximum() - 300);
    EXPECT_FALSE(view.isStickingToBottom());
    const int value = bar->value();
    const int before = bar->maximum();
    grow(view, streaming);
    ASSERT_TRUE(TestSupport::waitUntil([&] { return bar->maximum() > before + 50; }));
    QCoreApplication::processEvents();
    EXPECT_EQ(bar->value(), value);
    EXPECT_FALSE(view.isStickingToBottom());
}

TEST_F(TranscriptTest, AThousandMessagesOpenQuicklyAndOnlyVisibleRowsAreLaidOut)
{
    TranscriptView view;
    show(view, {800, 600});
    QList<StoredMessage> messages;
    for (int i = 0; i < 1000; ++i) {
        messages.append(i % 2 ? answer(i + 1, MarkdownAnswer + u' ' + filler(40))
                              : message(i + 1, QStringLiteral("user"), filler(25)));
    }
    MessageDelegate *delegate = view.messageDelegate();
    delegate->resetCounters();
    const int paintsBefore = view.counters().paintEvents;
    QElapsedTimer clock;
    clock.start();
    view.setMessages(messages);
    view.doItemsLayout();
    view.viewport()->repaint();
    const qint64 openMs = clock.elapsed();
    const MessageDelegate::Counters first = delegate->counters();
    std::printf("[ measure ] 1000 messages: first frame after %lld ms, %d paints, %d layouts, %d size hints\n",
                static_cast<long long>(openMs), first.paints, first.layouts, first.sizeHints);
    EXPECT_LT(openMs, 250);
    EXPECT_EQ(view.counters().paintEvents - paintsBefore, 1);
    EXPECT_LT(first.paints, 20);
    EXPECT_LT(first.layouts, 40);
    // The conversation opens at its end.
    EXPECT_TRUE(view.isStickingToBottom());
    EXPECT_EQ(view.indexAt(QPoint(400, view.viewport()->height() - 20)).row(), 999);

    // Rows off screen are measured in the background, a few milliseconds at a time.
    clock.restart();
    settle(view);
    std::printf("[ measure ] all 1000 rows measured in the background within %lld ms (%d layouts in all)\n",
                static_cast<long long>(clock.elapsed()), delegate->counters().layouts);
    EXPECT_LT(delegate->counters().paints, 100);
    EXPECT_EQ(view.verticalScrollBar()->value(), view.verticalScrollBar()->maximum());
}

TEST_F(TranscriptTest, CardsWrapAgainWhenTheViewGetsNarrower)
{
    TranscriptView view;
    show(view, {900, 500});
    view.setMessages({answer(1, filler(120))});
    settle(view);
    const int wide = view.visualRect(view.transcript()->index(0)).height();
    view.resize(420, 500);
    settle(view);
    ASSERT_TRUE(TestSupport::waitUntil([&] { return view.visualRect(view.transcript()->index(0)).height() > wide; }));
    EXPECT_LE(view.visualRect(view.transcript()->index(0)).width(), view.viewport()->width());
}

// ---- Conversation list ---------------------------------------------------------------------

