#pragma once

#include "application/notice.h"
#include "application/streammonitor.h"

#include "core/chat/chatstore.h"
#include "core/chat/messageattachment.h"

#include <QHash>
#include <QObject>

#include <optional>

class QImage;
class QTimer;

namespace Llamadesk
{
class AudioClip;
class ChatSession;
class ServerController;
class Settings;
struct ImageResult;

// A question being edited: its text and its pictures, back in the composer.
struct EditDraft
{
    qint64 messageId = 0;
    QString text;
    QList<MessageAttachment> images;
};

// The conversations as the widgets see them: the list (driven by the store's own change signal,
// less the ones deleted a moment ago and still undoable), the open conversation and its
// messages, sending (and why it is not possible now), editing a question, deleting with undo,
// the context a conversation uses, and pictures on their way into the composer.
class ChatController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatController)

public:
    static constexpr int UndoDeleteMs = 8000;

    ChatController(ChatStore &store, ChatSession &session, ServerController &server, const Settings &settings,
                   QObject *parent = nullptr);
    // Deletes still waiting for their undo time are carried out.
    ~ChatController() override;

    QList<ConversationSummary> conversations() const;
    QList<SearchHit> search(const QString &text) const;
    qint64 currentConversation() const;
    const QList<StoredMessage> &messages() const;
    // The open conversation's system prompt; empty and not editable without one.
    QString systemPrompt() const;
    bool hasConversation() const;
    bool isBusy() const;

    // Why a question cannot be sent now, empty when it can (the server runs).
    QString sendUnavailableReason() const;
    // The tokens the last answer's request used (its prompt, the whole history, plus the answer)
    // and the context one conversation gets (/props; 0 unknown).
    int contextUsed() const;
    int contextSize() const;

    // The question being edited (0: none): the next send() replaces it and what follows.
    qint64 editingId() const;
    std::optional<EditDraft> startEdit(qint64 messageId);

    // The attachment of a stored message, for the viewer.
    std::optional<MessageAttachment> attachment(qint64 messageId, int index) const;
    // Any attachment of the open conversation, with its bytes (the transcript's thumbnails).
    std::optional<MessageAttachment> attachment(const AttachmentInfo &info) const;

public Q_SLOTS:
    void openConversation(qint64 id);
    void newConversation();
    // At start: the most recent conversation, if there is one.
    void openMostRecent();
    bool rename(qint64 id, const QString &title);
    void setSystemPrompt(const QString &text);
    // Gone from the list at once, from the disk when the undo time is over; a notice offers Undo.
    void requestDelete(qint64 id);
    bool undoDelete(qint64 id);
    // False when nothing was sent (busy, empty, the store failed): the caller keeps the text.
    bool send(const QString &text, const QList<MessageAttachment> &attachments = {});
    // Voice about the screen: the recording is the question about the attached images.
    bool sendSpokenQuestion(const QString &text, const QList<MessageAttachment> &images, const AudioClip &clip);
    void stop();
    void regenerate();

    // Pictures for the composer, encoded off the GUI thread: attachmentReady() or a notice follows.
    void addImageFiles(const QStringList &paths);
    void addImage(const QImage &image);
    void addImageData(const QByteArray &encoded);

Q_SIGNALS:
    void conversationsChanged();
    void conversationOpened(qint64 id, const QList<Llamadesk::StoredMessage> &messages);
    void messageAdded(const Llamadesk::StoredMessage &message);
    void messageUpdated(const Llamadesk::StoredMessage &message);
    void busyChanged(bool busy);
    void sendAvailabilityChanged(bool available, const QString &reason);
    void contextUsageChanged(int used, int size);
    void attachmentReady(const Llamadesk::MessageAttachment &attachment);
    void notice(const Llamadesk::Notice &notice);

private:
    void commitPendingDeletes();
    void deliverImage(const ImageResult &result);
    void updateContextUsage();
    void announceSendAvailability();
    // At --log-level debug: one line per finished answer with its tokens, the GUI thread's CPU
    // time spent while it streamed and the longest event-loop gap, for a user's report.
    void logAnswerFigures();

    ChatStore &m_store;
    ChatSession &m_session;
    ServerController &m_server;
    const Settings &m_settings;
    qint64 m_editingId = 0;
    QHash<qint64, QTimer *> m_pendingDeletes;
    StreamMonitor m_monitor;
};
} // namespace Llamadesk
