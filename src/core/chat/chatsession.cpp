#include "core/chat/chatsession.h"

#include "core/models/modelname.h"

#include "core/qtfmt.h"
#include "core/settingkeys.h"
#include "core/settings.h"

#include <QCoreApplication>
#include <QCryptographicHash>

#include <algorithm>

#include <spdlog/spdlog.h>

namespace Llamadesk
{
namespace
{
// The first words of the first question name a new conversation.
QString titleFrom(const QString &text)
{
    QString title = text.simplified();
    if (title.size() > 60)
        title = title.left(57).trimmed() + QStringLiteral("\u2026");
    return title;
}

// A conversation started by a screenshot or a spoken question alone.
QString attachmentTitle(const QList<MessageAttachment> &attachments)
{
    const bool audio = std::any_of(attachments.cbegin(), attachments.cend(),
                                   [](const MessageAttachment &a) { return a.isAudio(); });
    const bool image = std::any_of(attachments.cbegin(), attachments.cend(),
                                   [](const MessageAttachment &a) { return a.isImage(); });
    if (audio && image)
        return QCoreApplication::translate("ChatSession", "Spoken question about an image");
    if (audio)
        return QCoreApplication::translate("ChatSession", "Spoken question");
    return QCoreApplication::translate("ChatSession", "Question about an image");
}

// The first 12 hex digits of the text's SHA-256 (UTF-8): enough to tell two texts apart in a log.
QByteArray shortHash(const QString &text)
{
    return QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha256).toHex().left(12);
}

// The cache's size: a few dozen screenshots, as sent.
constexpr qsizetype ContentPartCacheKiB = 64 * 1024;

qsizetype costKiB(const ContentPart &part)
{
    return (part.url.size() * 2 + part.audioBase64.size()) / 1024 + 1;
}
} // namespace

ChatMessage ChatSession::userMessage(const StoredMessage &message) const
{
    if (message.attachments.isEmpty())
        return ChatMessage::user(message.content);
    ChatMessage chat;
    chat.role = roleName(Role::User);
    const bool audio = std::any_of(message.attachments.cbegin(), message.attachments.cend(),
                                   [](const AttachmentInfo &a) { return a.isAudio(); });
    if (!message.content.isEmpty())
        chat.parts.append(ContentPart::fromText(message.content));
    else if (audio)
        chat.parts.append(ContentPart::fromText(ChatSession::spokenQuestionInstruction()));
    for (const AttachmentInfo &info : message.attachments) {
        if (std::optional<ContentPart> part = contentPart(info))
            chat.parts.append(std::move(*part));
    }
    return chat;
}

std::optional<ContentPart> ChatSession::contentPart(const AttachmentInfo &info) const
{
    if (const ContentPart *cached = m_parts.object(info.sha256))
        return *cached;
    const std::optional<MessageAttachment> read = attachment(info);
    if (!read)
        return std::nullopt;
    ContentPart part = read->toContentPart();
    keepContentPart(info.sha256, part);
    return part;
}

void ChatSession::keepContentPart(const QString &sha256, const ContentPart &part) const
{
    ++m_encodes;
    // One larger than the whole cache is sent without being kept.
    m_parts.insert(sha256, new ContentPart(part), costKiB(part));
}

std::optional<MessageAttachment> ChatSession::attachment(const AttachmentInfo &info) const
{
    const StoreResult<QByteArray> data = m_store.attachmentData(info.sha256);
    if (!data) {
        spdlog::warn("Chat: an attachment of conversation {} ({}) is left out: {}", m_conversation,
                     info.sha256.left(12), data.message());
        return std::nullopt;
    }
    return MessageAttachment::from(info, data.value());
}

int ChatSession::attachmentEncodes() const
{
    return m_encodes;
}

QString ChatSession::spokenQuestionInstruction()
{
    return tr("The recording is my question. Answer it; when images are attached, the question is about them.");
}

ChatSession::ChatSession(ChatStore &store, ChatClient &client, const Settings &settings, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_client(client)
    , m_settings(settings)
    , m_parts(ContentPartCacheKiB)
{
    connect(&m_client, &ChatClient::deltaReceived, this, &ChatSession::onDelta);
    connect(&m_client, &ChatClient::finished, this, &ChatSession::onFinished);
    connect(&m_client, &ChatClient::failed, this, &ChatSession::onFailed);
}

qint64 ChatSession::currentConversation() const
{
    return m_conversation;
}

const QList<StoredMessage> &ChatSession::messages() const
{
    return m_messages;
}

bool ChatSession::isBusy() const
{
    return m_busy;
}

QString ChatSession::key() const
{
    return QString::number(m_conversation);
}

qint64 ChatSession::newConversation()
{
    if (m_busy)
        stop();
    const StoreResult<qint64> created = m_store.createUntitledConversation(m_settings.get(Keys::ChatSystemPrompt));
    if (!created) {
        Q_EMIT problem(tr("Could not create a conversation: %1").arg(created.message()));
        return 0;
    }
    openConversation(created.value());
    return created.value();
}

void ChatSession::openConversation(qint64 id)
{
    if (m_busy)
        stop();
    m_conversation = id;
    m_messages = m_store.messages(id);
    m_streamingId = 0;
    spdlog::debug("Chat: conversation {} opened: {} message(s), {} interrupted", id, m_messages.size(),
                  std::count_if(m_messages.cbegin(), m_messages.cend(),
                                [](const StoredMessage &m) { return m.state == MessageState::Interrupted; }));
    Q_EMIT conversationOpened(id, m_messages);
}

bool ChatSession::send(const QString &text, const QList<MessageAttachment> &attachments)
{
    const QString question = text.trimmed();
    if (m_busy || (question.isEmpty() && attachments.isEmpty()))
        return false;
    if (m_conversation == 0 && newConversation() == 0)
        return false;
    if (m_messages.isEmpty()) {
        if (const auto conversation = m_store.conversation(m_conversation);
            conversation && !conversation->titled) {
            // A title that cannot be saved is no reason to keep the question back: the log has it.
            const StoreStatus renamed = m_store.renameConversation(
                    m_conversation, titleFrom(question.isEmpty() ? attachmentTitle(attachments) : question));
            Q_UNUSED(renamed)
        }
    }
    StoredMessage user;
    user.conversationId = m_conversation;
    user.role = Role::User;
    user.content = question;
    QList<QByteArray> data;
    for (const MessageAttachment &attachment : attachments) {
        user.attachments.append(attachment.info());
        data.append(attachment.data);
    }
    user.created = QDateTime::currentDateTimeUtc();
    const StoreResult<qint64> added = m_store.addMessage(user, data);
    if (!added) {
        Q_EMIT problem(tr("Could not save the message: %1").arg(added.message()));
        return false;
    }
    user.id = added.value();
    // Encoded now, while the bytes are at hand; the requests that follow reuse them.
    for (qsizetype i = 0; i < attachments.size(); ++i) {
        if (const QString &sha256 = user.attachments.at(i).sha256; !m_parts.contains(sha256))
            keepContentPart(sha256, attachments.at(i).toContentPart());
    }
    m_messages.append(user);
    Q_EMIT messageAdded(user);
    ask();
    return true;
}

ChatRequest ChatSession::buildRequest() const
{
    ChatRequest request;
    QString systemPrompt = m_settings.get(Keys::ChatSystemPrompt);
    if (const auto conversation = m_store.conversation(m_conversation))
        systemPrompt = conversation->systemPrompt;
    if (!systemPrompt.trimmed().isEmpty())
        request.messages.append(ChatMessage::system(systemPrompt));
    for (const StoredMessage &message : m_messages) {
        // Failed answers are not part of what the model said.
        if (message.id == m_streamingId || message.state == MessageState::Error)
            continue;
        if (message.role == Role::User)
            request.messages.append(userMessage(message));
        else if (message.role == Role::Assistant && !message.content.isEmpty())
            request.messages.append(ChatMessage::assistant(message.content));
    }
    request.sampling.temperature = m_settings.get(Keys::ChatTemperature);
    request.sampling.topP = m_settings.get(Keys::ChatTopP);
    request.sampling.topK = m_settings.get(Keys::ChatTopK);
    const int maxTokens = m_settings.get(Keys::ChatMaxTokens);
    if (maxTokens > 0)
        request.sampling.maxTokens = maxTokens;
    request.stream = true;
    request.includeUsage = true;
    return request;
}

void ChatSession::ask()
{
    StoredMessage answer;
    answer.conversationId = m_conversation;
    answer.role = Role::Assistant;
    answer.state = MessageState::Streaming;
    answer.created = QDateTime::currentDateTimeUtc();
    const StoreResult<qint64> added = m_store.addMessage(answer);
    if (!added) {
        Q_EMIT problem(tr("Could not save the answer: %1").arg(added.message()));
        return;
    }
    answer.id = added.value();
    m_streamingId = answer.id;
    m_messages.append(answer);
    Q_EMIT messageAdded(answer);
    const ChatRequest request = buildRequest();
    if (!m_client.send(key(), request)) {
        spdlog::warn("A request for conversation {} is still in flight", m_conversation);
        return;
    }
    m_sinceSave.start();
    m_partialSaves = 0;
    setBusy(true);
}

StoredMessage *ChatSession::streamingMessage()
{
    for (StoredMessage &message : m_messages) {
        if (message.id == m_streamingId)
            return &message;
    }
    return nullptr;
}

void ChatSession::onDelta(const QString &key, const QString &content, const QString &reasoning)
{
    if (key != this->key())
        return;
    StoredMessage *message = streamingMessage();
    if (!message)
        return;
    message->content += content;
    message->reasoning += reasoning;
    // The partial answer reaches the disk at most every PartialSaveIntervalMs: a crash loses
    // at most that much, and a fast model does not turn into a write per token.
    if (m_sinceSave.hasExpired(PartialSaveIntervalMs)) {
        // What reached the disk, for whoever reads the log after a crash: the length and a short
        // hash of the text, never the text itself.
        if (m_store.updateMessage(*message) && spdlog::should_log(spdlog::level::debug)) {
            spdlog::debug("Chat: answer {} saved while streaming (save {}): {} characters, sha256 {}, {} of reasoning",
                          message->id, ++m_partialSaves, message->content.size(), shortHash(message->content),
                          message->reasoning.size());
        }
        m_sinceSave.restart();
    }
    Q_EMIT messageUpdated(*message);
}

void ChatSession::applyResult(StoredMessage &message, const ChatResult &result) const
{
    message.content = result.content;
    message.reasoning = result.reasoning;
    message.finishReason = result.finishReason;
    // A server started without --alias names the model by its path: store a name, never a path.
    message.model = displayModelName(result.model);
    message.timeToFirstTokenMs = result.timeToFirstTokenMs;
    message.reasoningMs = result.reasoningMs;
    if (result.usage) {
        message.promptTokens = result.usage->promptTokens;
        message.predictedTokens = result.usage->completionTokens;
    }
    if (result.timings) {
        message.predictedTokens = result.timings->predictedN;
        message.tokensPerSecond = result.timings->predictedPerSecond;
        if (message.promptTokens == 0)
            message.promptTokens = result.timings->promptN;
    }
}

void ChatSession::onFinished(const QString &key, const ChatResult &result)
{
    if (key != this->key())
        return;
    if (StoredMessage *message = streamingMessage()) {
        applyResult(*message, result);
        message->state = MessageState::Complete;
        if (const StoreStatus saved = m_store.updateMessage(*message); !saved)
            Q_EMIT problem(tr("Could not save the answer: %1").arg(saved.message()));
        Q_EMIT messageUpdated(*message);
    }
    m_streamingId = 0;
    setBusy(false);
}

void ChatSession::onFailed(const QString &key, const ChatError &error, const ChatResult &partial)
{
    if (key != this->key())
        return;
    if (StoredMessage *message = streamingMessage()) {
        applyResult(*message, partial);
        const bool kept = !partial.content.isEmpty() || !partial.reasoning.isEmpty();
        // Whatever arrived stays, marked as cut short; nothing arrived: the error says why.
        message->state = kept || error.kind == ChatError::Kind::Cancelled ? MessageState::Interrupted
                                                                           : MessageState::Error;
        message->error = error.kind == ChatError::Kind::Cancelled ? QString() : error.message;
        if (const StoreStatus saved = m_store.updateMessage(*message); !saved)
            Q_EMIT problem(tr("Could not save the answer: %1").arg(saved.message()));
        Q_EMIT messageUpdated(*message);
    }
    m_streamingId = 0;
    setBusy(false);
}

void ChatSession::stop()
{
    if (m_busy)
        m_client.cancel(key());
}

bool ChatSession::regenerate()
{
    if (m_busy || m_messages.isEmpty() || m_messages.constLast().role != Role::Assistant)
        return false;
    const qint64 lastId = m_messages.constLast().id;
    if (const StoreStatus deleted = m_store.deleteMessagesFrom(m_conversation, lastId); !deleted) {
        Q_EMIT problem(tr("Could not regenerate the answer: %1").arg(deleted.message()));
        return false;
    }
    m_messages.removeLast();
    Q_EMIT conversationOpened(m_conversation, m_messages);
    ask();
    return true;
}

bool ChatSession::editAndResend(qint64 userMessageId, const QString &text,
                                std::optional<QList<MessageAttachment>> images)
{
    if (m_busy)
        return false;
    qsizetype index = -1;
    for (qsizetype i = 0; i < m_messages.size(); ++i) {
        if (m_messages.at(i).id == userMessageId && m_messages.at(i).role == Role::User)
            index = i;
    }
    if (index < 0)
        return false;
    // The images and the recording belong to the question: editing its words keeps them, unless
    // the edit says which images it has now. A recording is kept either way.
    // Read before the delete: the bytes of a question no other message names go with it.
    QList<MessageAttachment> attachments;
    for (const AttachmentInfo &info : m_messages.at(index).attachments) {
        if (images && info.isImage())
            continue;
        if (std::optional<MessageAttachment> read = attachment(info))
            attachments.append(std::move(*read));
    }
    if (images) {
        for (const MessageAttachment &image : *images) {
            if (image.isImage())
                attachments.append(image);
        }
        std::stable_partition(attachments.begin(), attachments.end(),
                              [](const MessageAttachment &a) { return a.isImage(); });
    }
    if (text.trimmed().isEmpty() && attachments.isEmpty())
        return false;
    if (const StoreStatus deleted = m_store.deleteMessagesFrom(m_conversation, userMessageId); !deleted) {
        Q_EMIT problem(tr("Could not replace the question: %1").arg(deleted.message()));
        return false;
    }
    m_messages.resize(index);
    Q_EMIT conversationOpened(m_conversation, m_messages);
    return send(text, attachments);
}

void ChatSession::setBusy(bool busy)
{
    if (m_busy == busy)
        return;
    m_busy = busy;
    Q_EMIT busyChanged(busy);
}
} // namespace Llamadesk
