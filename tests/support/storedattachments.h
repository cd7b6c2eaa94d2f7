#pragma once

// Attachments in tests. Messages carry only their attachments' metadata: withBytes() reads the
// bytes back from a store, to compare with what was sent; MemoryAttachments is the bytes'
// source for a transcript shown without a store.
#include "core/chat/chatstore.h"
#include "core/chat/messageattachment.h"

#include <QHash>

#include <functional>

namespace Llamadesk
{
// A missing blob reads as empty bytes, so the comparison that follows fails and shows it.
inline QList<MessageAttachment> withBytes(const ChatStore &store, const QList<AttachmentInfo> &attachments)
{
    QList<MessageAttachment> read;
    for (const AttachmentInfo &info : attachments)
        read.append(MessageAttachment::from(info, store.attachmentData(info.sha256).valueOr({})));
    return read;
}

class MemoryAttachments
{
public:
    // Keeps the bytes; the metadata to put in StoredMessage::attachments.
    QList<AttachmentInfo> add(const QList<MessageAttachment> &attachments)
    {
        QList<AttachmentInfo> infos;
        for (const MessageAttachment &attachment : attachments) {
            infos.append(attachment.info());
            m_bytes.insert(infos.constLast().sha256, attachment.data);
        }
        return infos;
    }
    QByteArray bytes(const AttachmentInfo &info) const { return m_bytes.value(info.sha256); }
    // For TranscriptView::setAttachmentSource; this object must outlive the view's use of it.
    std::function<QByteArray(const AttachmentInfo &)> source() const
    {
        return [this](const AttachmentInfo &info) { return bytes(info); };
    }

private:
    QHash<QString, QByteArray> m_bytes;
};
} // namespace Llamadesk
