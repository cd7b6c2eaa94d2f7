#include "chatpane.h"

#include "chat/chatclient.h"
#include "chat/chatsession.h"
#include "chat/chatstore.h"
#include "composer.h"
#include "conversationlist.h"
#include "inlinebanner.h"
#include "server/serversupervisor.h"
#include "settingkeys.h"
#include "settings.h"
#include "transcriptview.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

namespace Llamadesk
{
ChatPane::ChatPane(ChatStore &store, ChatSession &session, ChatClient &client, ServerSupervisor &supervisor,
                   const Settings &settings, QWidget *parent)
    : QWidget(parent)
    , m_store(store)
    , m_session(session)
    , m_client(client)
    , m_supervisor(supervisor)
    , m_settings(settings)
    , m_list(new ConversationList(this))
    , m_transcript(new TranscriptView(this))
    , m_composer(new Composer(this))
    , m_banner(new InlineBanner(this))
    , m_systemPrompt(new QLineEdit(this))
{
    setObjectName(QStringLiteral("chatPane"));
    m_transcript->setEmptyText(tr("Ask anything. Answers stream in as the model writes them."));
    m_systemPrompt->setObjectName(QStringLiteral("systemPromptEdit"));
    m_systemPrompt->setPlaceholderText(tr("System prompt for this chat (optional)"));
    m_systemPrompt->setToolTip(tr("Sent before the conversation with every question of this chat. "
                                  "The default for new chats is in the settings."));
    m_systemPrompt->setClearButtonEnabled(true);

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->setSpacing(0);
    auto *bannerRow = new QVBoxLayout;
    bannerRow->setContentsMargins(10, 6, 10, 0);
    bannerRow->addWidget(m_banner);
    bannerRow->addWidget(m_systemPrompt);
    rightLayout->addLayout(bannerRow);
    rightLayout->addWidget(m_transcript, 1);
    rightLayout->addWidget(m_composer);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_list);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({240, 660});
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    auto *newChat = new QAction(tr("New chat"), this);
    newChat->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
    addAction(newChat);
    connect(newChat, &QAction::triggered, &m_session, &ChatSession::newConversation);

    // Widgets → session and store.
    connect(m_composer, &Composer::sendRequested, this, &ChatPane::send);
    connect(m_composer, &Composer::stopRequested, &m_session, &ChatSession::stop);
    connect(m_transcript, &TranscriptView::regenerateRequested, this, [this] { m_session.regenerate(); });
    connect(m_transcript, &TranscriptView::editRequested, this, [this](qint64 id) {
        for (const StoredMessage &message : m_session.messages()) {
            if (message.id == id) {
                m_editingId = id;
                m_composer->setText(message.content);
                m_composer->editor()->setFocus();
            }
        }
    });
    connect(m_systemPrompt, &QLineEdit::editingFinished, this, [this] {
        const qint64 id = m_session.currentConversation();
        const auto conversation = m_store.conversation(id);
        if (conversation && conversation->systemPrompt != m_systemPrompt->text())
            m_store.setSystemPrompt(id, m_systemPrompt->text());
    });
    connect(m_list, &ConversationList::conversationActivated, &m_session, &ChatSession::openConversation);
    connect(m_list, &ConversationList::newConversationRequested, &m_session, &ChatSession::newConversation);
    connect(m_list, &ConversationList::renameRequested, this, [this](qint64 id, const QString &title) {
        if (m_store.renameConversation(id, title))
            refreshConversations();
    });
    connect(m_list, &ConversationList::deleteRequested, this, &ChatPane::requestDelete);
    connect(m_list, &ConversationList::searchRequested, this,
            [this](const QString &text) { m_list->setSearchResults(m_store.search(text)); });

    // Session → widgets.
    connect(&m_session, &ChatSession::conversationOpened, this,
            [this](qint64 id, const QList<StoredMessage> &messages) {
                m_transcript->setMessages(messages);
                m_list->setCurrent(id);
                const auto conversation = m_store.conversation(id);
                m_systemPrompt->setText(conversation ? conversation->systemPrompt : QString());
                m_systemPrompt->setEnabled(conversation.has_value());
                m_editingId = 0;
                refreshConversations();
                updateContextMeter();
            });
    connect(&m_session, &ChatSession::messageAdded, this, [this](const StoredMessage &message) {
        m_transcript->appendMessage(message);
        refreshConversations();
    });
    connect(&m_session, &ChatSession::messageUpdated, m_transcript, &TranscriptView::updateMessage);
    connect(&m_session, &ChatSession::busyChanged, this, [this](bool busy) {
        m_composer->setBusy(busy);
        if (!busy)
            updateContextMeter();
    });
    connect(&m_session, &ChatSession::problem, this,
            [this](const QString &message) { m_banner->showMessage(InlineBanner::Level::Error, message); });

    // The server: where to send, whether sending is possible, what the context is.
    connect(&m_supervisor, &ServerSupervisor::stateChanged, this,
            [this](ServerState state) { onServerStateChanged(state); });
    // Directly, before SIGTERM: an open stream would keep the server alive for 30 s.
    connect(&m_supervisor, &ServerSupervisor::aboutToStop, &m_client, &ChatClient::cancelAll, Qt::DirectConnection);
    connect(&m_client, &ChatClient::propsReceived, this, &ChatPane::onPropsReceived);

    refreshConversations();
    const QList<ConversationSummary> conversations = m_store.conversations();
    if (!conversations.isEmpty())
        m_session.openConversation(conversations.constFirst().id);
    onServerStateChanged(m_supervisor.state());
}

ChatPane::~ChatPane()
{
    commitPendingDeletes();
}

TranscriptView *ChatPane::transcript() const
{
    return m_transcript;
}

Composer *ChatPane::composer() const
{
    return m_composer;
}

ConversationList *ChatPane::conversationList() const
{
    return m_list;
}

InlineBanner *ChatPane::banner() const
{
    return m_banner;
}

QLineEdit *ChatPane::systemPromptEdit() const
{
    return m_systemPrompt;
}

void ChatPane::onServerStateChanged(ServerState state)
{
    if (state == ServerState::Running) {
        m_client.setBaseUrl(m_supervisor.baseUrl());
        m_client.setApiKey(m_settings.get(Keys::ServerApiKey));
        m_client.fetchProps();
        m_composer->setSendEnabled(true);
        return;
    }
    m_composer->setSendEnabled(false, tr("The server is not running (%1)").arg(displayName(state).toLower()));
}

void ChatPane::onPropsReceived(const ServerProps &props)
{
    m_contextSize = props.contextSize;
    updateContextMeter();
}

void ChatPane::updateContextMeter()
{
    // What the last answer's request cost: the prompt (the whole history) plus the answer.
    int used = 0;
    const QList<StoredMessage> &messages = m_session.messages();
    for (auto it = messages.crbegin(); it != messages.crend(); ++it) {
        if (it->role == u"assistant" && it->promptTokens > 0) {
            used = it->promptTokens + it->predictedTokens;
            break;
        }
    }
    m_composer->setContextUsage(used, m_contextSize);
}

void ChatPane::send(const QString &text)
{
    bool sent = false;
    if (m_editingId != 0) {
        sent = m_session.editAndResend(m_editingId, text);
        m_editingId = 0;
    } else {
        sent = m_session.send(text);
    }
    if (!sent)
        m_composer->setText(text); // nothing is lost
}

void ChatPane::refreshConversations()
{
    QList<ConversationSummary> conversations = m_store.conversations();
    conversations.removeIf([this](const ConversationSummary &c) { return m_pendingDeletes.contains(c.id); });
    m_list->setConversations(conversations);
    m_list->setCurrent(m_session.currentConversation());
}

void ChatPane::requestDelete(qint64 id)
{
    // Gone from the list at once, from the disk only when the undo time is over.
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    m_pendingDeletes.insert(id, timer);
    connect(timer, &QTimer::timeout, this, [this, id] {
        delete m_pendingDeletes.take(id);
        m_store.deleteConversation(id);
    });
    timer->start(UndoDeleteMs);
    if (m_session.currentConversation() == id) {
        m_session.openConversation(0);
        m_transcript->setMessages({});
    }
    refreshConversations();
    m_banner->showMessage(InlineBanner::Level::Info, tr("Conversation deleted."), tr("Undo"));
    disconnect(m_banner, &InlineBanner::actionTriggered, this, nullptr);
    connect(m_banner, &InlineBanner::actionTriggered, this, [this, id] {
        if (QTimer *pending = m_pendingDeletes.take(id)) {
            delete pending;
            refreshConversations();
            m_session.openConversation(id);
        }
        m_banner->hide();
    });
}

void ChatPane::commitPendingDeletes()
{
    for (auto it = m_pendingDeletes.cbegin(); it != m_pendingDeletes.cend(); ++it)
        m_store.deleteConversation(it.key());
    qDeleteAll(m_pendingDeletes);
    m_pendingDeletes.clear();
}
} // namespace Llamadesk
