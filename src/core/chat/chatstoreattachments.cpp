// ChatStore's attachments (schema 4): their bytes once per SHA-256 in the attachments table, the
// messages' references to them, reading them back, removing those no message names any more,
// and the migration from schema 3's JSON column. The rest of the store is in chatstore.cpp.
#include "core/chat/chatstore.h"

#include "core/chat/chatstoresql.h"
#include "core/chat/messageattachment.h"
#include "core/qtfmt.h"

#include <QSqlError>
#include <QSqlQuery>

#include <spdlog/spdlog.h>

namespace Llamadesk
{
namespace
{
using ChatStoreSql::textValue;

QString sql(const char *text)
{
    return QString::fromLatin1(text);
}
} // namespace

// Migration 3 → 4: each message's JSON column into the attachments tables, one row at a time
// (a conversation of screenshots can be hundreds of megabytes), then the column goes. What the
// column held that cannot be read (a damaged row, an unknown kind) is left out, as reading it
// always did.
bool ChatStore::moveLegacyAttachments()
{
    qint64 messages = 0;
    qint64 attachments = 0;
    {
        QSqlQuery rows(database());
        rows.setForwardOnly(true);
        if (!rows.exec(sql("SELECT id, attachments FROM messages WHERE attachments != '' ORDER BY id")))
            return fail("read the attachments to migrate", rows.lastError());
        while (rows.next()) {
            const QList<MessageAttachment> read = attachmentsFromJson(rows.value(1).toString());
            QList<AttachmentInfo> infos;
            QList<QByteArray> data;
            for (const MessageAttachment &attachment : read) {
                infos.append(attachment.info());
                data.append(attachment.data);
            }
            if (!storeAttachments(rows.value(0).toLongLong(), infos, data))
                return false;
            ++messages;
            attachments += read.size();
        }
    }
    qint64 kept = 0;
    {
        QSqlQuery count(database());
        if (count.exec(sql("SELECT COUNT(*) FROM attachments")) && count.next())
            kept = count.value(0).toLongLong();
    }
    spdlog::info("Chat store: {} attachment(s) of {} message(s) moved to the attachments table, {} distinct",
                 attachments, messages, kept);
    return exec(ChatStoreSql::dropLegacyAttachments(), "migrate the schema");
}

// Inside a transaction: the bytes once per SHA-256, then the message's references to them.
bool ChatStore::storeAttachments(qint64 messageId, const QList<AttachmentInfo> &attachments,
                                 const QList<QByteArray> &data)
{
    if (attachments.size() != data.size())
        return fail(StoreError::Kind::Failed,
                    tr("A message came with %1 attachment(s) but the bytes of %2.").arg(attachments.size()).arg(data.size()));
    for (qsizetype i = 0; i < attachments.size(); ++i) {
        const AttachmentInfo &info = attachments.at(i);
        Q_ASSERT(info.sha256 == attachmentHash(data.at(i)));
        if (!execute(ChatStoreSql::insertAttachment(), ChatStoreSql::attachmentValues(info, data.at(i)),
                     "store an attachment"))
            return false;
        qint64 attachmentId = 0;
        if (const Execution found = execute(sql("SELECT id FROM attachments WHERE sha256 = ?"), {info.sha256},
                                            "find an attachment")) {
            if (!found->next())
                return fail(StoreError::Kind::Failed, tr("An attachment just stored could not be found again."));
            attachmentId = found->value(0).toLongLong();
        } else {
            return false;
        }
        if (!execute(sql("INSERT INTO message_attachments (message_id, position, attachment_id, name)"
                         " VALUES (?, ?, ?, ?)"),
                     {messageId, static_cast<qint64>(i), attachmentId, textValue(info.name)}, "link an attachment"))
            return false;
    }
    return true;
}

bool ChatStore::removeUnusedAttachments()
{
    return execute(ChatStoreSql::removeUnusedAttachments(), {}, "remove unused attachments") != nullptr;
}

StoreResult<QByteArray> ChatStore::attachmentData(const QString &sha256) const
{
    if (!requireOpen())
        return m_error;
    const Execution q = execute(sql("SELECT data FROM attachments WHERE sha256 = ?"), {sha256}, "read an attachment");
    if (!q)
        return m_error;
    if (!q->next())
        return failure(StoreError::Kind::NotFound,
                       tr("The chat database %1 no longer holds this attachment (%2).").arg(m_path, sha256.left(12)));
    return q->value(0).toByteArray();
}
} // namespace Llamadesk
