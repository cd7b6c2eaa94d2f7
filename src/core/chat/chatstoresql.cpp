#include "core/chat/chatstoresql.h"

#include "core/models/modelname.h"

#include <QSqlQuery>

#include <algorithm>
#include <cmath>

namespace Llamadesk::ChatStoreSql
{
namespace
{
// Version 1, as the first release wrote it. ChatStore makes a new database by running every
// migration from version 0, so the upgrade path runs on every first start.
const char *const SchemaVersion1[] = {
        "CREATE TABLE conversations ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " title TEXT NOT NULL DEFAULT '',"
        " created INTEGER NOT NULL,"
        " updated INTEGER NOT NULL,"
        " system_prompt TEXT NOT NULL DEFAULT '',"
        " model TEXT NOT NULL DEFAULT '')",
        "CREATE TABLE messages ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,"
        " role TEXT NOT NULL,"
        " content TEXT NOT NULL DEFAULT '',"
        " attachments TEXT NOT NULL DEFAULT '',"
        " finish_reason TEXT NOT NULL DEFAULT '',"
        " prompt_tokens INTEGER NOT NULL DEFAULT 0,"
        " predicted_tokens INTEGER NOT NULL DEFAULT 0,"
        " tokens_per_second REAL NOT NULL DEFAULT 0,"
        " ttft_ms REAL NOT NULL DEFAULT 0,"
        " model TEXT NOT NULL DEFAULT '',"
        " created INTEGER NOT NULL)",
        "CREATE INDEX messages_by_conversation ON messages(conversation_id, id)",
};

// Version 2: reasoning, streaming state and errors; the search index is built by ensureSearchIndex().
const char *const SchemaVersion2[] = {
        "ALTER TABLE messages ADD COLUMN reasoning TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE messages ADD COLUMN reasoning_ms REAL NOT NULL DEFAULT 0",
        "ALTER TABLE messages ADD COLUMN state TEXT NOT NULL DEFAULT 'complete'",
        "ALTER TABLE messages ADD COLUMN error TEXT NOT NULL DEFAULT ''",
        // recoverInterrupted() looks only at the few rows still streaming.
        "CREATE INDEX messages_streaming ON messages(state) WHERE state = 'streaming'",
        "CREATE INDEX conversations_by_updated ON conversations(updated)",
};

// Version 3: a new chat is known by a flag, no longer by a title equal to the translated "New
// chat" (which changes with the language, and which a user may choose as a name). Version 2
// stored that title, in English (no translation shipped): those without a message yet are the
// untitled ones.
const char *const SchemaVersion3[] = {
        "ALTER TABLE conversations ADD COLUMN titled INTEGER NOT NULL DEFAULT 1",
        "UPDATE conversations SET titled = 0, title = '' WHERE title = 'New chat'"
        " AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id)",
};

// Version 4: an attachment's bytes are kept once, however many messages carry them (the same
// screenshot asked about twice, a question edited and sent again), in a table of their own, and
// a message names its attachments by reference. Reading a conversation reads their metadata
// only: data is the last column, so SQLite does not visit a blob's overflow pages until the
// bytes are asked for. ChatStore moves the old column's JSON into these tables, then drops it.
const char *const SchemaVersion4[] = {
        "CREATE TABLE attachments ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " sha256 TEXT NOT NULL UNIQUE,"
        " kind TEXT NOT NULL,"
        " mime TEXT NOT NULL DEFAULT '',"
        " size INTEGER NOT NULL,"
        " width INTEGER NOT NULL DEFAULT 0,"
        " height INTEGER NOT NULL DEFAULT 0,"
        " seconds REAL NOT NULL DEFAULT 0,"
        " data BLOB NOT NULL)",
        "CREATE TABLE message_attachments ("
        " message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
        " position INTEGER NOT NULL,"
        " attachment_id INTEGER NOT NULL REFERENCES attachments(id),"
        " name TEXT NOT NULL DEFAULT '',"
        " PRIMARY KEY (message_id, position)) WITHOUT ROWID",
        // Which messages still use an attachment: the clean-up after a delete asks this.
        "CREATE INDEX message_attachments_by_attachment ON message_attachments(attachment_id)",
};

// External-content FTS5 tables: the text lives once, in messages and conversations. A message
// is indexed only once it stops streaming, so the updates made while an answer streams cost no
// index work; the triggers keep "indexed" and "state is not streaming" the same thing, which
// the 'delete' command needs (it must be given exactly the values that were indexed).
const char *const SearchIndex[] = {
        "CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='id',"
        " tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.state != 'streaming' BEGIN"
        " INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content); END",
        "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.state != 'streaming' BEGIN"
        " INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content); END",
        "CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, state ON messages BEGIN"
        " INSERT INTO messages_fts(messages_fts, rowid, content)"
        "  SELECT 'delete', old.id, old.content WHERE old.state != 'streaming';"
        " INSERT INTO messages_fts(rowid, content) SELECT new.id, new.content WHERE new.state != 'streaming'; END",
        "INSERT INTO messages_fts(rowid, content) SELECT id, content FROM messages WHERE state != 'streaming'",
        "CREATE VIRTUAL TABLE conversations_fts USING fts5(title, content='conversations', content_rowid='id',"
        " tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN"
        " INSERT INTO conversations_fts(rowid, title) VALUES (new.id, new.title); END",
        "CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN"
        " INSERT INTO conversations_fts(conversations_fts, rowid, title) VALUES ('delete', old.id, old.title); END",
        "CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN"
        " INSERT INTO conversations_fts(conversations_fts, rowid, title) VALUES ('delete', old.id, old.title);"
        " INSERT INTO conversations_fts(rowid, title) VALUES (new.id, new.title); END",
        "INSERT INTO conversations_fts(conversations_fts) VALUES ('rebuild')",
};

// A message's own columns, in the order of messageValues().
const char *const MessageFields =
        "role, content, reasoning, finish_reason, state, error, prompt_tokens,"
        " predicted_tokens, tokens_per_second, ttft_ms, reasoning_ms, model";
constexpr int MessageFieldCount = 12;

QString placeholders(int count)
{
    QStringList marks;
    marks.fill(QStringLiteral("?"), count);
    return marks.join(QStringLiteral(", "));
}

QDateTime fromMsecs(const QVariant &value)
{
    return QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

QStringList toList(const auto &statements)
{
    QStringList list;
    for (const char *statement : statements)
        list.append(QString::fromLatin1(statement));
    return list;
}
} // namespace

QStringList migration(int version)
{
    switch (version) {
    case 1:
        return toList(SchemaVersion1);
    case 2:
        return toList(SchemaVersion2);
    case 3:
        return toList(SchemaVersion3);
    case 4:
        return toList(SchemaVersion4);
    default:
        return {};
    }
}

QStringList searchIndex()
{
    return toList(SearchIndex);
}

QString messageColumns()
{
    static const QString columns =
            QStringLiteral("id, conversation_id, created, ") + QString::fromLatin1(MessageFields);
    return columns;
}

StoredMessage messageFromRow(const QSqlQuery &row)
{
    StoredMessage m;
    m.id = row.value(0).toLongLong();
    m.conversationId = row.value(1).toLongLong();
    m.created = fromMsecs(row.value(2));
    // A role this version does not know (a damaged row) is shown as the user's, never sent as the model's.
    m.role = roleFromName(row.value(3).toString()).value_or(Role::User);
    m.content = row.value(4).toString();
    m.reasoning = row.value(5).toString();
    m.finishReason = row.value(6).toString();
    m.state = stateFromName(row.value(7).toString());
    m.error = row.value(8).toString();
    m.promptTokens = row.value(9).toInt();
    m.predictedTokens = row.value(10).toInt();
    m.tokensPerSecond = row.value(11).toDouble();
    m.timeToFirstTokenMs = row.value(12).toDouble();
    m.reasoningMs = row.value(13).toDouble();
    m.model = displayModelName(row.value(14).toString()); // answers stored with a path show its file name
    return m;
}

QString conversationColumns()
{
    return QStringLiteral("id, title, created, updated, system_prompt, model,"
                          " (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id), titled");
}

ConversationSummary conversationFromRow(const QSqlQuery &row)
{
    ConversationSummary c;
    c.id = row.value(0).toLongLong();
    c.title = row.value(1).toString();
    c.created = fromMsecs(row.value(2));
    c.updated = fromMsecs(row.value(3));
    c.systemPrompt = row.value(4).toString();
    c.model = displayModelName(row.value(5).toString());
    c.messageCount = row.value(6).toInt();
    c.titled = row.value(7).toBool();
    return c;
}

QString insertMessage()
{
    // Built once: the statement cache looks it up on every call.
    static const QString text =
            QStringLiteral("INSERT INTO messages (conversation_id, created, %1) VALUES (?, ?, %2)")
                    .arg(QString::fromLatin1(MessageFields), placeholders(MessageFieldCount));
    return text;
}

QString updateMessage()
{
    static const QString text =
            QStringLiteral("UPDATE messages SET (%1) = (%2) WHERE id = ?")
                    .arg(QString::fromLatin1(MessageFields), placeholders(MessageFieldCount));
    return text;
}

QVariantList messageValues(const StoredMessage &m)
{
    return {textValue(roleName(m.role)),
            textValue(m.content),
            textValue(m.reasoning),
            textValue(m.finishReason),
            stateName(m.state),
            textValue(m.error),
            m.promptTokens,
            m.predictedTokens,
            realValue(m.tokensPerSecond),
            realValue(m.timeToFirstTokenMs),
            realValue(m.reasoningMs),
            textValue(m.model)};
}

QString dropLegacyAttachments()
{
    return QStringLiteral("ALTER TABLE messages DROP COLUMN attachments");
}

QString insertAttachment()
{
    return QStringLiteral("INSERT INTO attachments (sha256, kind, mime, size, width, height, seconds, data)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING");
}

QVariantList attachmentValues(const AttachmentInfo &info, const QByteArray &data)
{
    return {info.sha256,   kindName(info.kind), textValue(info.mimeType), static_cast<qint64>(data.size()),
            info.width,    info.height,         realValue(info.seconds),  data};
}

QString attachmentsOfConversation()
{
    return QStringLiteral(
            "SELECT ma.message_id, a.kind, a.mime, a.sha256, a.size, a.width, a.height, a.seconds, ma.name"
            " FROM messages m JOIN message_attachments ma ON ma.message_id = m.id"
            " JOIN attachments a ON a.id = ma.attachment_id"
            " WHERE m.conversation_id = ? ORDER BY ma.message_id, ma.position");
}

std::optional<AttachmentInfo> attachmentFromRow(const QSqlQuery &row)
{
    const std::optional<AttachmentKind> kind = kindFromName(row.value(1).toString());
    if (!kind)
        return std::nullopt;
    AttachmentInfo info;
    info.kind = *kind;
    info.mimeType = row.value(2).toString();
    info.sha256 = row.value(3).toString();
    info.size = row.value(4).toLongLong();
    info.width = row.value(5).toInt();
    info.height = row.value(6).toInt();
    info.seconds = row.value(7).toDouble();
    info.name = row.value(8).toString();
    return info;
}

QString removeUnusedAttachments()
{
    return QStringLiteral("DELETE FROM attachments WHERE id NOT IN (SELECT attachment_id FROM message_attachments)");
}

QString kindName(AttachmentKind kind)
{
    return kind == AttachmentKind::Audio ? QStringLiteral("audio") : QStringLiteral("image");
}

std::optional<AttachmentKind> kindFromName(const QString &name)
{
    if (name == u"image")
        return AttachmentKind::Image;
    if (name == u"audio")
        return AttachmentKind::Audio;
    return std::nullopt;
}

QString fullTextSearch()
{
    return QStringLiteral(
            "SELECT m.conversation_id, m.id, c.title, snippet(messages_fts, 0, '', '', '…', 16),"
            " m.created AS stamp"
            " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
            " JOIN conversations c ON c.id = m.conversation_id WHERE messages_fts MATCH ?"
            " UNION ALL"
            " SELECT c.id, 0, c.title, c.title, c.updated AS stamp"
            " FROM conversations_fts JOIN conversations c ON c.id = conversations_fts.rowid"
            " WHERE conversations_fts MATCH ?"
            " ORDER BY stamp DESC LIMIT ?");
}

QString likeSearch(int wordCount)
{
    QStringList contentTerms;
    QStringList titleTerms;
    for (int i = 0; i < wordCount; ++i) {
        contentTerms.append(QStringLiteral("m.content LIKE ? ESCAPE '\\'"));
        titleTerms.append(QStringLiteral("c.title LIKE ? ESCAPE '\\'"));
    }
    return QStringLiteral(
                   "SELECT m.conversation_id, m.id, c.title, m.content, m.created AS stamp"
                   " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
                   " WHERE m.state != 'streaming' AND %1"
                   " UNION ALL"
                   " SELECT c.id, 0, c.title, c.title, c.updated AS stamp FROM conversations c WHERE %2"
                   " ORDER BY stamp DESC LIMIT ?")
            .arg(contentTerms.join(QStringLiteral(" AND ")), titleTerms.join(QStringLiteral(" AND ")));
}

QVariant textValue(const QString &text)
{
    return text.isNull() ? QVariant(QStringLiteral("")) : QVariant(text);
}

QVariant realValue(double value)
{
    return std::isfinite(value) ? value : 0.0;
}

QString stateName(MessageState state)
{
    switch (state) {
    case MessageState::Complete:
        return QStringLiteral("complete");
    case MessageState::Streaming:
        return QStringLiteral("streaming");
    case MessageState::Interrupted:
        return QStringLiteral("interrupted");
    case MessageState::Error:
        return QStringLiteral("error");
    }
    return QStringLiteral("complete");
}

MessageState stateFromName(const QString &name)
{
    if (name == u"streaming")
        return MessageState::Streaming;
    if (name == u"interrupted")
        return MessageState::Interrupted;
    if (name == u"error")
        return MessageState::Error;
    return MessageState::Complete;
}

QString ftsQuery(const QStringList &words)
{
    QStringList terms;
    for (const QString &word : words) {
        // The tokenizer makes an empty phrase of such a word, and an empty phrase matches no row.
        if (std::none_of(word.begin(), word.end(), [](QChar c) { return c.isLetterOrNumber(); }))
            continue;
        // Inside an FTS5 string every character is text; "" stands for a quote.
        terms.append(u'"' + QString(word).replace(u'"', QStringLiteral("\"\"")) + QStringLiteral("\"*"));
    }
    return terms.join(QStringLiteral(" AND "));
}

QString likePattern(const QString &word)
{
    QString escaped = word;
    escaped.replace(u'\\', QStringLiteral("\\\\"))
            .replace(u'%', QStringLiteral("\\%"))
            .replace(u'_', QStringLiteral("\\_"));
    return u'%' + escaped + u'%';
}

QString likeSnippet(const QString &content, const QString &word)
{
    constexpr qsizetype Context = 60;
    const qsizetype at = std::max<qsizetype>(0, content.indexOf(word, 0, Qt::CaseInsensitive));
    const qsizetype from = std::max<qsizetype>(0, at - Context);
    const qsizetype to = std::min(content.size(), at + word.size() + Context);
    QString snippet = content.mid(from, to - from).simplified();
    if (from > 0)
        snippet.prepend(u'…');
    if (to < content.size())
        snippet.append(u'…');
    return snippet;
}
} // namespace Llamadesk::ChatStoreSql
