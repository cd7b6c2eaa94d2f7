// The composer and the conversation list, and a screenshot of the whole chat.
#include "chatwidgetsfixture.h"

// ---- Composer ------------------------------------------------------------------------------

TEST_F(ComposerTest, EnterSendsTheTrimmedTextAndClears)
{
    Composer composer;
    QSignalSpy sent(&composer, &Composer::sendRequested);
    QTest::keyClicks(composer.editor(), QStringLiteral("  Hello there  "));
    QTest::keyClick(composer.editor(), Qt::Key_Return);
    ASSERT_EQ(sent.count(), 1);
    EXPECT_EQ(sent.at(0).at(0).toString(), QStringLiteral("Hello there"));
    EXPECT_TRUE(qvariant_cast<QList<MessageAttachment>>(sent.at(0).at(1)).isEmpty());
    EXPECT_TRUE(composer.text().isEmpty());
}

TEST_F(ComposerTest, ShiftEnterInsertsANewline)
{
    Composer composer;
    QSignalSpy sent(&composer, &Composer::sendRequested);
    QTest::keyClicks(composer.editor(), QStringLiteral("first"));
    QTest::keyClick(composer.editor(), Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(composer.editor(), QStringLiteral("second"));
    EXPECT_EQ(sent.count(), 0);
    EXPECT_EQ(composer.text(), QStringLiteral("first\nsecond"));
}

TEST_F(ComposerTest, FieldGrowsWithItsTextUpToALimit)
{
    Composer composer;
    show(composer, {640, 200});
    const int oneLine = composer.editor()->height();
    composer.setText(QStringLiteral("one\ntwo\nthree"));
    const int threeLines = composer.editor()->height();
    EXPECT_GT(threeLines, oneLine + composer.editor()->fontMetrics().lineSpacing());
    composer.setText(QStringLiteral("line\n").repeated(40));
    const int many = composer.editor()->height();
    EXPECT_LE(many, oneLine + (Composer::MaxLines - 1) * composer.editor()->fontMetrics().lineSpacing() + 2);
}

TEST_F(ComposerTest, EmptyTextDoesNotSend)
{
    Composer composer;
    QSignalSpy sent(&composer, &Composer::sendRequested);
    QTest::keyClicks(composer.editor(), QStringLiteral("   "));
    QTest::keyClick(composer.editor(), Qt::Key_Return);
    EXPECT_EQ(sent.count(), 0);
    EXPECT_FALSE(composer.findChild<QPushButton *>(QStringLiteral("sendButton"))->isEnabled());
}

TEST_F(ComposerTest, ShowsStopWhileBusyAndEmitsStopRequested)
{
    Composer composer;
    show(composer, {640, 90});
    auto *button = composer.findChild<QPushButton *>(QStringLiteral("sendButton"));
    ASSERT_NE(button, nullptr);
    EXPECT_EQ(button->text(), QStringLiteral("Send"));
    composer.setBusy(true);
    composer.setContextUsage(1234, 4096);
    QTest::keyClicks(composer.editor(), QStringLiteral("the next question"));
    EXPECT_EQ(button->text(), QStringLiteral("Stop"));
    EXPECT_TRUE(button->isEnabled());
    EXPECT_FALSE(snap(&composer, QStringLiteral("chat-composer-busy")).isEmpty());

    QSignalSpy stop(&composer, &Composer::stopRequested);
    QSignalSpy sent(&composer, &Composer::sendRequested);
    QTest::keyClick(composer.editor(), Qt::Key_Return); // busy: Enter does not send
    QTest::mouseClick(button, Qt::LeftButton);
    EXPECT_EQ(stop.count(), 1);
    EXPECT_EQ(sent.count(), 0);
    EXPECT_EQ(composer.text(), QStringLiteral("the next question"));
    composer.setBusy(false);
    EXPECT_EQ(button->text(), QStringLiteral("Send"));
}

TEST_F(ComposerTest, DisabledSendShowsTheReason)
{
    Composer composer;
    const QString reason = QStringLiteral("The server is not running");
    composer.setSendEnabled(false, reason);
    QSignalSpy sent(&composer, &Composer::sendRequested);
    QTest::keyClicks(composer.editor(), QStringLiteral("hi"));
    QTest::keyClick(composer.editor(), Qt::Key_Return);
    auto *button = composer.findChild<QPushButton *>(QStringLiteral("sendButton"));
    EXPECT_EQ(sent.count(), 0);
    EXPECT_FALSE(button->isEnabled());
    EXPECT_EQ(button->toolTip(), reason);
    EXPECT_EQ(composer.findChild<QPlainTextEdit *>(QStringLiteral("composerEdit"))->placeholderText(), reason);
    EXPECT_EQ(composer.text(), QStringLiteral("hi"));
    composer.setSendEnabled(true);
    EXPECT_TRUE(button->isEnabled());
    EXPECT_NE(button->toolTip(), reason);
}

TEST_F(ComposerTest, ContextMeterShowsUsedAndTotalTokens)
{
    Composer composer;
    show(composer, {640, 90});
    auto *meter = composer.findChild<QProgressBar *>(QStringLiteral("contextMeter"));
    ASSERT_NE(meter, nullptr);
    EXPECT_FALSE(meter->isVisible());
    composer.setContextUsage(1234, 4096);
    EXPECT_TRUE(meter->isVisible());
    EXPECT_EQ(meter->value(), 1234);
    EXPECT_EQ(meter->maximum(), 4096);
    EXPECT_EQ(composer.contextText(), QStringLiteral("1,234 / 4,096 tokens"));
    composer.setContextUsage(0, 0);
    EXPECT_FALSE(meter->isVisible());
}

TEST_F(ComposerTest, SetTextPutsAMessageBackForEditing)
{
    Composer composer;
    composer.setText(QStringLiteral("edit me"));
    QTest::keyClicks(composer.editor(), QStringLiteral("!"));
    EXPECT_EQ(composer.text(), QStringLiteral("edit me!"));
}

// ---- Transcript ----------------------------------------------------------------------------

namespace
{
QList<ConversationSummary> conversations()
{
    const QDateTime now = QDateTime::currentDateTime();
    auto make = [&](qint64 id, const QString &title, int minutesAgo, int count) {
        ConversationSummary c;
        c.id = id;
        c.title = title;
        c.created = now.addDays(-3);
        c.updated = now.addSecs(-60 * minutesAgo);
        c.messageCount = count;
        return c;
    };
    return {make(1, QStringLiteral("Reversing a list in Python"), 60 * 30, 4), make(2, QStringLiteral("Trip to Lisbon"), 5, 12),
            make(3, QStringLiteral("GGUF quantisation levels"), 60 * 24 * 40, 8),
            make(4, QStringLiteral("Draft a polite reminder email"), 90, 2)};
}

QRect itemRect(QListWidget *list, qint64 id)
{
    for (int row = 0; row < list->count(); ++row) {
        if (list->item(row)->data(ConversationList::IdRole).toLongLong() == id)
            return list->visualItemRect(list->item(row));
    }
    return {};
}
} // namespace

TEST_F(ConversationListTest, ShowsConversationsNewestFirst)
{
    ConversationList list;
    list.setConversations(conversations());
    EXPECT_EQ(list.conversationIds(), (QList<qint64>{2, 4, 1, 3}));
}

TEST_F(ConversationListTest, ClickingAConversationActivatesIt)
{
    ConversationList list;
    show(list, {260, 420});
    list.setConversations(conversations());
    list.setCurrent(2);
    auto *view = list.findChild<QListWidget *>(QStringLiteral("conversationList"));
    QSignalSpy activated(&list, &ConversationList::conversationActivated);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, itemRect(view, 1).center());
    ASSERT_EQ(activated.count(), 1);
    EXPECT_EQ(activated.at(0).at(0).toLongLong(), 1);
    EXPECT_EQ(list.current(), 1);
}

TEST_F(ConversationListTest, DoubleClickRenamesInline)
{
    ConversationList list;
    show(list, {260, 420});
    list.setConversations(conversations());
    auto *view = list.findChild<QListWidget *>(QStringLiteral("conversationList"));
    QSignalSpy renamed(&list, &ConversationList::renameRequested);
    // QTest's double click on a widget is the second press alone.
    const QPoint pos = itemRect(view, 4).center();
    QTest::mousePress(view->viewport(), Qt::LeftButton, {}, pos);
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, pos);
    QTest::mouseRelease(view->viewport(), Qt::LeftButton, {}, pos);
    QLineEdit *editor = nullptr;
    ASSERT_TRUE(TestSupport::waitUntil([&] { return (editor = view->viewport()->findChild<QLineEdit *>()) != nullptr; }));
    editor->selectAll();
    QTest::keyClicks(editor, QStringLiteral("Reminder to Sam"));
    QTest::keyClick(editor, Qt::Key_Return);
    // The delegate commits on the next turn of the event loop.
    ASSERT_TRUE(renamed.wait(2000));
    ASSERT_EQ(renamed.count(), 1);
    EXPECT_EQ(renamed.at(0).at(0).toLongLong(), 4);
    EXPECT_EQ(renamed.at(0).at(1).toString(), QStringLiteral("Reminder to Sam"));
}

TEST_F(ConversationListTest, DeleteKeyAsksToDeleteTheCurrentConversation)
{
    ConversationList list;
    list.setConversations(conversations());
    list.setCurrent(3);
    QSignalSpy deleted(&list, &ConversationList::deleteRequested);
    QTest::keyClick(list.findChild<QListWidget *>(QStringLiteral("conversationList")), Qt::Key_Delete);
    ASSERT_EQ(deleted.count(), 1);
    EXPECT_EQ(deleted.at(0).at(0).toLongLong(), 3);
}

TEST_F(ConversationListTest, ContextMenuOffersRenameAndDelete)
{
    ConversationList list;
    show(list, {260, 420});
    list.setConversations(conversations());
    auto *view = list.findChild<QListWidget *>(QStringLiteral("conversationList"));
    const QPoint pos = itemRect(view, 1).center();
    QContextMenuEvent event(QContextMenuEvent::Mouse, pos, view->viewport()->mapToGlobal(pos));
    QCoreApplication::sendEvent(view->viewport(), &event);
    auto *menu = list.findChild<QMenu *>(QStringLiteral("conversationMenu"));
    ASSERT_TRUE(TestSupport::waitUntil([&] { return menu->isVisible(); }));
    QSignalSpy deleted(&list, &ConversationList::deleteRequested);
    list.findChild<QAction *>(QStringLiteral("deleteAction"))->trigger();
    menu->hide();
    ASSERT_EQ(deleted.count(), 1);
    EXPECT_EQ(deleted.at(0).at(0).toLongLong(), 1);
}

TEST_F(ConversationListTest, NewChatButtonRequestsAConversation)
{
    ConversationList list;
    QSignalSpy requested(&list, &ConversationList::newConversationRequested);
    QTest::mouseClick(list.findChild<QPushButton *>(QStringLiteral("newChatButton")), Qt::LeftButton);
    EXPECT_EQ(requested.count(), 1);
}

TEST_F(ConversationListTest, SearchWaitsForTypingToPauseAndAsksOnce)
{
    ConversationList list;
    QSignalSpy search(&list, &ConversationList::searchRequested);
    auto *field = list.findChild<QLineEdit *>(QStringLiteral("searchEdit"));
    EXPECT_EQ(field->placeholderText(), QStringLiteral("Search conversations"));
    QTest::keyClicks(field, QStringLiteral("lisbon"));
    EXPECT_EQ(search.count(), 0);
    ASSERT_TRUE(search.wait(ConversationList::SearchDebounceMs * 4));
    EXPECT_FALSE(search.wait(ConversationList::SearchDebounceMs * 2));
    ASSERT_EQ(search.count(), 1);
    EXPECT_EQ(search.at(0).at(0).toString(), QStringLiteral("lisbon"));
}

TEST_F(ConversationListTest, SearchResultsShowSnippetsAndOpenTheirConversation)
{
    ConversationList list;
    show(list, {260, 420});
    list.setConversations(conversations());
    list.setCurrent(2);
    QTest::keyClicks(list.findChild<QLineEdit *>(QStringLiteral("searchEdit")), QStringLiteral("tram"));
    SearchHit hit;
    hit.conversationId = 2;
    hit.messageId = 17;
    hit.conversationTitle = QStringLiteral("Trip to Lisbon");
    hit.snippet = QStringLiteral("…take tram 28 from Martim Moniz early in the morning, before the queues…");
    list.setSearchResults({hit});
    auto *results = list.findChild<QListWidget *>(QStringLiteral("searchResults"));
    ASSERT_TRUE(results->isVisible());
    EXPECT_EQ(results->item(0)->data(ConversationList::SubtitleRole).toString(), hit.snippet);
    EXPECT_FALSE(snap(&list, QStringLiteral("chat-sidebar-search")).isEmpty());
    QSignalSpy activated(&list, &ConversationList::conversationActivated);
    QTest::mouseClick(results->viewport(), Qt::LeftButton, {}, results->visualItemRect(results->item(0)).center());
    ASSERT_EQ(activated.count(), 1);
    EXPECT_EQ(activated.at(0).at(0).toLongLong(), 2);
}

// ---- All together, for a person to look at ---------------------------------------------------

TEST_F(ChatWidgetsTest, WholeChatScreenshot)
{
    QWidget window;
    auto *sidebar = new ConversationList(&window);
    auto *view = new TranscriptView(&window);
    auto *composer = new Composer(&window);
    auto *right = new QVBoxLayout;
    right->setContentsMargins(0, 0, 0, 0);
    right->setSpacing(0);
    right->addWidget(view, 1);
    right->addWidget(composer);
    auto *layout = new QHBoxLayout(&window);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    sidebar->setFixedWidth(260);
    layout->addWidget(sidebar);
    layout->addLayout(right, 1);
    show(window, {1180, 760});
    sidebar->setConversations(conversations());
    sidebar->setCurrent(1);
    StoredMessage thought = answer(2, MarkdownAnswer);
    thought.reasoning = QStringLiteral("They want the shortest idiomatic way.");
    thought.reasoningMs = 1800;
    StoredMessage streaming = answer(4, QStringLiteral("For a list of a million items, slicing is usually faster because"));
    streaming.state = MessageState::Streaming;
    view->setMessages({message(1, QStringLiteral("user"), QStringLiteral("How do I reverse a list in Python?")), thought,
                       message(3, QStringLiteral("user"), QStringLiteral("Which one is faster?")), streaming});
    composer->setBusy(true);
    composer->setContextUsage(1234, 4096);
    settle(*view);
    EXPECT_FALSE(snap(&window, QStringLiteral("chat-window")).isEmpty());

    // The cards take their colours from the palette: a dark theme gets dark cards.
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x30));
    dark.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1f, 0x22));
    dark.setColor(QPalette::AlternateBase, QColor(0x2b, 0x2d, 0x30));
    dark.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Button, QColor(0x3c, 0x3f, 0x41));
    dark.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Highlight, QColor(0x2f, 0x65, 0xca));
    dark.setColor(QPalette::HighlightedText, Qt::white);
    dark.setColor(QPalette::Link, QColor(0x6c, 0xa8, 0xff));
    dark.setColor(QPalette::PlaceholderText, QColor(0x8c, 0x8c, 0x8c));
    window.setPalette(dark);
    settle(*view);
    const QImage image = view->grab().toImage();
    EXPECT_LT(image.pixelColor(view->visualRect(view->transcript()->index(1)).center()).lightnessF(), 0.3);
    EXPECT_FALSE(snap(&window, QStringLiteral("chat-window-dark")).isEmpty());
}

