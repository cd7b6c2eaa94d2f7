#pragma once

#include "server/serverstate.h"

#include <QHash>
#include <QWidget>

class QLineEdit;
class QTimer;

namespace Llamadesk
{
class ChatClient;
class ChatSession;
class ChatStore;
class Composer;
class ConversationList;
class InlineBanner;
class ServerSupervisor;
class Settings;
class TranscriptView;
struct ServerProps;

// The chat: conversations on the left, the transcript and the composer on the right. Keeps the
// client pointed at the running server, enables sending only while it runs (saying why not
// otherwise), shows the context a conversation really gets (/props), and turns the widgets'
// requests into ChatSession and ChatStore calls.
class ChatPane final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatPane)

public:
    static constexpr int UndoDeleteMs = 8000;

    ChatPane(ChatStore &store, ChatSession &session, ChatClient &client, ServerSupervisor &supervisor,
             const Settings &settings, QWidget *parent = nullptr);
    ~ChatPane() override;

    TranscriptView *transcript() const;
    Composer *composer() const;
    ConversationList *conversationList() const;
    InlineBanner *banner() const;
    // The current conversation's system prompt (one line; new chats start with the default).
    QLineEdit *systemPromptEdit() const;

private:
    void onServerStateChanged(ServerState state);
    void onPropsReceived(const ServerProps &props);
    void refreshConversations();
    void updateContextMeter();
    void send(const QString &text);
    void requestDelete(qint64 id);
    void commitPendingDeletes();

    ChatStore &m_store;
    ChatSession &m_session;
    ChatClient &m_client;
    ServerSupervisor &m_supervisor;
    const Settings &m_settings;
    ConversationList *m_list;
    TranscriptView *m_transcript;
    Composer *m_composer;
    InlineBanner *m_banner;
    QLineEdit *m_systemPrompt;
    int m_contextSize = 0;
    qint64 m_editingId = 0;
    QHash<qint64, QTimer *> m_pendingDeletes;
};
} // namespace Llamadesk
