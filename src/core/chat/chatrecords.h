#pragma once

// What the chat store holds, as values: a message, a conversation's summary, a search hit. The
// widgets show these without knowing where they come from (they never include chatstore.h;
// Layering.UiReachesCoreServicesOnlyThroughControllers checks it).
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringView>

#include <optional>

namespace Llamadesk
{
// Who wrote a message. The store and the OpenAI-style wire format spell it "system", "user",
// "assistant" (roleName); everything else compares the enum.
enum class Role {
    System,
    User,
    Assistant,
};

QString roleName(Role role);
// nullopt for anything else (a damaged row, a role a later version added).
std::optional<Role> roleFromName(QStringView name);

enum class MessageState {
    Complete,    // the answer ended normally (finish_reason stop or length)
    Streaming,   // being written now; found like this at start-up it becomes Interrupted
    Interrupted, // the stream ended early (stopped, crashed, app killed): partial text kept
    Error,       // the request failed; error holds the message
};

enum class AttachmentKind {
    Image,
    Audio,
};

// What a message carries of an attachment: everything but its bytes. The store keeps each
// attachment's bytes once, keyed by their SHA-256, and hands them out on request
// (ChatStore::attachmentData), so a conversation opens without reading its images.
struct AttachmentInfo
{
    AttachmentKind kind = AttachmentKind::Image;
    QString mimeType; // "image/png", "image/jpeg", "audio/wav"
    QString sha256;   // of the bytes, lowercase hex: their key in the store
    qint64 size = 0;  // bytes
    int width = 0;    // images: the size sent, in pixels
    int height = 0;
    double seconds = 0; // audio: the duration
    QString name;       // a file name or "Screenshot", for tooltips and saving

    bool isImage() const { return kind == AttachmentKind::Image; }
    bool isAudio() const { return kind == AttachmentKind::Audio; }
    bool operator==(const AttachmentInfo &) const = default;
};

struct StoredMessage
{
    qint64 id = 0; // 0 until stored
    qint64 conversationId = 0;
    Role role = Role::User;
    QString content;
    QString reasoning;
    QList<AttachmentInfo> attachments; // images and a recording, in the order sent
    QString finishReason;    // "stop", "length", … empty while streaming
    MessageState state = MessageState::Complete;
    QString error;
    int promptTokens = 0;
    int predictedTokens = 0;
    double tokensPerSecond = 0;
    double timeToFirstTokenMs = 0;
    double reasoningMs = 0; // how long the "thinking" took
    QString model;
    QDateTime created;
    bool operator==(const StoredMessage &) const = default;
};

struct ConversationSummary
{
    qint64 id = 0;
    QString title;
    QDateTime created;
    QDateTime updated;
    QString systemPrompt;
    QString model;
    int messageCount = 0;
    // False for a new chat whose title comes from its first question (title is empty then; the
    // list shows "New chat"); a rename by the user, or that first question, sets it.
    bool titled = true;
    bool operator==(const ConversationSummary &) const = default;
};

struct SearchHit
{
    qint64 conversationId = 0;
    qint64 messageId = 0;
    QString conversationTitle;
    QString snippet; // the matching text with some context, plain text
};
} // namespace Llamadesk
