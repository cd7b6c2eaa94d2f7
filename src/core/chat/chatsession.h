#pragma once

#include "core/chat/chatclient.h"
#include "core/chat/chatstore.h"
#include "core/chat/messageattachment.h"

#include <QCache>
#include <QElapsedTimer>
#include <QObject>

#include <optional>

namespace Llamadesk
{
class Settings;

// One conversation at a time, between the window, the store and the client: sends the user's
// message with the history, streams the answer into the store (the partial answer saved at most
// every 500 ms, so a crash loses at most that), and handles stop, regenerate and edit.
class ChatSession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatSession)

public:
    static constexpr int PartialSaveIntervalMs = 500;

    ChatSession(ChatStore &store, ChatClient &client, const Settings &settings, QObject *parent = nullptr);

    qint64 currentConversation() const;
    const QList<StoredMessage> &messages() const;
    bool isBusy() const;

    // A new, empty conversation with the default system prompt; it becomes the current one.
    qint64 newConversation();
    void openConversation(qint64 id);

    // Sends text as the user's next message (creating a conversation when there is none), with
    // images and a recorded question as parts of the same message. False when an answer is still
    // streaming, or when there is neither text nor an attachment.
    bool send(const QString &text, const QList<MessageAttachment> &attachments = {});
    void stop();
    // Drops the last answer and asks again.
    bool regenerate();
    // Replaces a user message (and everything after it) with new text and asks again. The
    // message's images stay with it, or are replaced by `images` when given (the composer shows
    // them while editing, and the user may remove or add some); a recording always stays.
    bool editAndResend(qint64 userMessageId, const QString &text,
                       std::optional<QList<MessageAttachment>> images = std::nullopt);

    // The request for the current history (what send() posts), for tests and diagnostics. A user
    // message with attachments becomes content parts: its text, its images (image_url), its
    // recording (input_audio); a recording without text gets spokenQuestionInstruction().
    ChatRequest buildRequest() const;
    static QString spokenQuestionInstruction();

    // A stored attachment with its bytes, read from the store; nullopt (and a line in the log)
    // when the store no longer has them.
    std::optional<MessageAttachment> attachment(const AttachmentInfo &info) const;
    // How many attachments have been encoded for a request (base64) since this session began:
    // each is encoded once, when it is first sent, and kept while the cache holds it.
    int attachmentEncodes() const;

Q_SIGNALS:
    void conversationOpened(qint64 id, const QList<Llamadesk::StoredMessage> &messages);
    void messageAdded(const Llamadesk::StoredMessage &message);
    // The streaming answer changed (or got its final state and stats).
    void messageUpdated(const Llamadesk::StoredMessage &message);
    void busyChanged(bool busy);
    // A failure the user should see outside the transcript (the store could not write, ...).
    void problem(const QString &message);

private:
    void ask();
    void onDelta(const QString &key, const QString &content, const QString &reasoning);
    void onFinished(const QString &key, const ChatResult &result);
    void onFailed(const QString &key, const ChatError &error, const ChatResult &partial);
    void applyResult(StoredMessage &message, const ChatResult &result) const;
    StoredMessage *streamingMessage();
    void setBusy(bool busy);
    QString key() const;
    ChatMessage userMessage(const StoredMessage &message) const;
    std::optional<ContentPart> contentPart(const AttachmentInfo &info) const;
    void keepContentPart(const QString &sha256, const ContentPart &part) const;

    ChatStore &m_store;
    ChatClient &m_client;
    const Settings &m_settings;
    qint64 m_conversation = 0;
    QList<StoredMessage> m_messages;
    qint64 m_streamingId = 0;
    QElapsedTimer m_sinceSave;
    int m_partialSaves = 0; // of the streaming answer, for the log
    bool m_busy = false;
    // Attachments as sent (base64), by SHA-256; the cost is in KiB. Every request sends the
    // whole history, so without this each one would read and encode every image again.
    mutable QCache<QString, ContentPart> m_parts;
    mutable int m_encodes = 0;
};
} // namespace Llamadesk
