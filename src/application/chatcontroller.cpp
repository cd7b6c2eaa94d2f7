#include "application/chatcontroller.h"

#include "core/chat/chatsession.h"
#include "image/imageattachment.h"
#include "core/media/audioclip.h"
#include "application/servercontroller.h"

#include <QCoreApplication>
#include <QImage>
#include <QTimer>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace Llamadesk
{
ChatController::ChatController(ChatStore &store, ChatSession &session, ServerController &server,
                               const Settings &settings, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_session(session)
    , m_server(server)
    , m_settings(settings)
{
    connect(&m_store, &ChatStore::conversationsChanged, this, &ChatController::conversationsChanged);
    connect(&m_session, &ChatSession::conversationOpened, this,
            [this](qint64 id, const QList<StoredMessage> &messages) {
                m_editingId = 0;
                Q_EMIT conversationOpened(id, messages);
                updateContextUsage();
            });
    connect(&m_session, &ChatSession::messageAdded, this, &ChatController::messageAdded);
    connect(&m_session, &ChatSession::messageUpdated, this, &ChatController::messageUpdated);
    connect(&m_session, &ChatSession::busyChanged, this, [this](bool busy) {
        if (busy && spdlog::should_log(spdlog::level::debug))
            m_monitor.start();
        if (!busy && m_monitor.isRunning())
            logAnswerFigures();
        Q_EMIT busyChanged(busy);
        if (!busy)
            updateContextUsage();
    });
    connect(&m_session, &ChatSession::problem, this,
            [this](const QString &message) { Q_EMIT notice({Notice::Level::Error, message}); });
    connect(&m_server, &ServerController::stateChanged, this, &ChatController::announceSendAvailability);
    connect(&m_server, &ServerController::capabilitiesChanged, this, &ChatController::updateContextUsage);
}

void ChatController::logAnswerFigures()
{
    const StreamMonitor::Figures figures = m_monitor.finish();
    const QList<StoredMessage> &messages = m_session.messages();
    const auto answer = std::find_if(messages.crbegin(), messages.crend(),
                                     [](const StoredMessage &m) { return m.role == Role::Assistant; });
    if (answer == messages.crend())
        return;
    const int tokens = answer->predictedTokens;
    const char *state = answer->state == MessageState::Complete      ? "complete"
                        : answer->state == MessageState::Interrupted ? "interrupted"
                        : answer->state == MessageState::Error       ? "error"
                                                                     : "streaming";
    spdlog::debug("Chat: answer {} ended ({}): {} tokens, {} characters in {:.2f} s; GUI thread CPU {:.1f} ms "
                  "({:.1f} ms per 1,000 tokens, {:.1f}% of a core); longest event-loop gap {:.1f} ms",
                  answer->id, state, tokens, answer->content.size(),
                  figures.wallMs / 1000.0, figures.cpuMs, tokens > 0 ? figures.cpuMs * 1000.0 / tokens : 0.0,
                  figures.wallMs > 0 ? 100.0 * figures.cpuMs / figures.wallMs : 0.0, figures.longestGapMs);
}

ChatController::~ChatController()
{
    commitPendingDeletes();
}

QList<ConversationSummary> ChatController::conversations() const
{
    QList<ConversationSummary> conversations = m_store.conversations();
    conversations.removeIf([this](const ConversationSummary &c) { return m_pendingDeletes.contains(c.id); });
    return conversations;
}

QList<SearchHit> ChatController::search(const QString &text) const
{
    QList<SearchHit> hits = m_store.search(text);
    hits.removeIf([this](const SearchHit &hit) { return m_pendingDeletes.contains(hit.conversationId); });
    return hits;
}

qint64 ChatController::currentConversation() const
{
    return m_session.currentConversation();
}

const QList<StoredMessage> &ChatController::messages() const
{
    return m_session.messages();
}

QString ChatController::systemPrompt() const
{
    const auto conversation = m_store.conversation(m_session.currentConversation());
    return conversation ? conversation->systemPrompt : QString();
}

bool ChatController::hasConversation() const
{
    return m_session.currentConversation() != 0 && m_store.conversation(m_session.currentConversation()).has_value();
}

bool ChatController::isBusy() const
{
    return m_session.isBusy();
}

QString ChatController::sendUnavailableReason() const
{
    return m_server.sendUnavailableReason();
}

void ChatController::announceSendAvailability()
{
    const QString reason = sendUnavailableReason();
    Q_EMIT sendAvailabilityChanged(reason.isEmpty(), reason);
}

int ChatController::contextUsed() const
{
    const QList<StoredMessage> &messages = m_session.messages();
    for (auto it = messages.crbegin(); it != messages.crend(); ++it) {
        if (it->role == Role::Assistant && it->promptTokens > 0)
            return it->promptTokens + it->predictedTokens;
    }
    return 0;
}

int ChatController::contextSize() const
{
    return m_server.contextSize();
}

void ChatController::updateContextUsage()
{
    Q_EMIT contextUsageChanged(contextUsed(), contextSize());
}

qint64 ChatController::editingId() const
{
    return m_editingId;
}

std::optional<EditDraft> ChatController::startEdit(qint64 messageId)
{
    for (const StoredMessage &message : m_session.messages()) {
        if (message.id != messageId)
            continue;
        m_editingId = messageId;
        // Its pictures come along, to keep, remove or add to; a recording stays with it.
        QList<MessageAttachment> images;
        for (const AttachmentInfo &info : message.attachments) {
            if (!info.isImage())
                continue;
            if (std::optional<MessageAttachment> image = m_session.attachment(info))
                images.append(std::move(*image));
        }
        return EditDraft{messageId, message.content, images};
    }
    return std::nullopt;
}

std::optional<MessageAttachment> ChatController::attachment(qint64 messageId, int index) const
{
    for (const StoredMessage &message : m_session.messages()) {
        if (message.id != messageId)
            continue;
        if (index < 0 || index >= message.attachments.size())
            return std::nullopt;
        return m_session.attachment(message.attachments.at(index));
    }
    return std::nullopt;
}

std::optional<MessageAttachment> ChatController::attachment(const AttachmentInfo &info) const
{
    return m_session.attachment(info);
}

void ChatController::openConversation(qint64 id)
{
    m_session.openConversation(id);
}

void ChatController::newConversation()
{
    m_session.newConversation();
}

void ChatController::openMostRecent()
{
    const QList<ConversationSummary> list = conversations();
    if (!list.isEmpty())
        m_session.openConversation(list.constFirst().id);
}

bool ChatController::rename(qint64 id, const QString &title)
{
    const StoreStatus renamed = m_store.renameConversation(id, title);
    if (!renamed)
        Q_EMIT notice({Notice::Level::Error, tr("Could not rename the conversation: %1").arg(renamed.message())});
    return renamed.ok();
}

void ChatController::setSystemPrompt(const QString &text)
{
    const qint64 id = m_session.currentConversation();
    const auto conversation = m_store.conversation(id);
    if (!conversation || conversation->systemPrompt == text)
        return;
    if (const StoreStatus saved = m_store.setSystemPrompt(id, text); !saved)
        Q_EMIT notice({Notice::Level::Error, tr("Could not save the system prompt: %1").arg(saved.message())});
}

void ChatController::requestDelete(qint64 id)
{
    if (m_pendingDeletes.contains(id))
        return;
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    m_pendingDeletes.insert(id, timer);
    connect(timer, &QTimer::timeout, this, [this, id] {
        delete m_pendingDeletes.take(id);
        if (const StoreStatus deleted = m_store.deleteConversation(id); !deleted) {
            Q_EMIT notice({Notice::Level::Error, tr("Could not delete the conversation: %1").arg(deleted.message())});
            Q_EMIT conversationsChanged(); // it is back in the list
        }
    });
    timer->start(UndoDeleteMs);
    if (m_session.currentConversation() == id)
        m_session.openConversation(0);
    Q_EMIT conversationsChanged();
    Q_EMIT notice({Notice::Level::Info, tr("Conversation deleted."),
                   {{tr("Undo"), [this, id] { undoDelete(id); }}}, Notice::Topic::Delete});
}

bool ChatController::undoDelete(qint64 id)
{
    QTimer *pending = m_pendingDeletes.take(id);
    if (!pending)
        return false;
    delete pending;
    Q_EMIT conversationsChanged();
    m_session.openConversation(id);
    return true;
}

void ChatController::commitPendingDeletes()
{
    // The app is closing: a failure can only be logged (the store has).
    for (auto it = m_pendingDeletes.cbegin(); it != m_pendingDeletes.cend(); ++it) {
        const StoreStatus deleted = m_store.deleteConversation(it.key());
        Q_UNUSED(deleted)
    }
    qDeleteAll(m_pendingDeletes);
    m_pendingDeletes.clear();
}

bool ChatController::send(const QString &text, const QList<MessageAttachment> &attachments)
{
    if (m_editingId != 0) {
        // What the composer holds is the question's picture list now.
        const qint64 id = std::exchange(m_editingId, 0);
        return m_session.editAndResend(id, text, attachments);
    }
    return m_session.send(text, attachments);
}

bool ChatController::sendSpokenQuestion(const QString &text, const QList<MessageAttachment> &images,
                                        const AudioClip &clip)
{
    if (images.isEmpty() || m_editingId != 0)
        return false;
    QList<MessageAttachment> attachments = images;
    attachments.append(MessageAttachment::audio(clip.toWav(), clip.durationSeconds(), tr("Spoken question")));
    return m_session.send(text, attachments);
}

void ChatController::stop()
{
    m_session.stop();
}

void ChatController::regenerate()
{
    m_session.regenerate();
}

void ChatController::deliverImage(const ImageResult &result)
{
    if (result.attachment)
        Q_EMIT attachmentReady(*result.attachment);
    else
        Q_EMIT notice({Notice::Level::Error, result.error});
}

void ChatController::addImageFiles(const QStringList &paths)
{
    const ImageEncodeOptions options = ImageEncodeOptions::from(m_settings);
    for (const QString &path : paths)
        ImageAttachment::fromFileAsync(path, options, this, [this](const ImageResult &r) { deliverImage(r); });
}

void ChatController::addImage(const QImage &image)
{
    ImageAttachment::encodeAsync(image, ImageEncodeOptions::from(m_settings), tr("Pasted image"), this,
                                 [this](const ImageResult &r) { deliverImage(r); });
}

void ChatController::addImageData(const QByteArray &encoded)
{
    ImageAttachment::fromDataAsync(encoded, ImageEncodeOptions::from(m_settings), tr("Pasted image"), this,
                                   [this](const ImageResult &r) { deliverImage(r); });
}
} // namespace Llamadesk
