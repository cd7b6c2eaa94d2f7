#pragma once

#include "core/chat/chatstore.h"

#include <QString>
#include <QStringList>
#include <QVariant>

#include <optional>

class QSqlQuery;

// The SQL that ChatStore runs and the pure functions that turn the user's values into SQL
// values: the schema's history reads in one place, and the query builders are tested without
// a database.
namespace Llamadesk::ChatStoreSql
{
// The statements that take a database from version - 1 to version (1 to ChatStore::SchemaVersion).
// The search index is not among them: see searchIndex().
QStringList migration(int version);
// The FTS5 tables over message contents and conversation titles, their triggers, and the
// statements that index the rows already there.
QStringList searchIndex();

// Column lists for SELECTs (messages; conversations aliased c) and the readers of such rows.
QString messageColumns();
StoredMessage messageFromRow(const QSqlQuery &row);
QString conversationColumns();
ConversationSummary conversationFromRow(const QSqlQuery &row);

// INSERT binds the conversation id, the created time (ms) and messageValues(); UPDATE binds
// messageValues() and the message's id.
QString insertMessage();
QString updateMessage();
// A message's own values, the ones an update may change.
QVariantList messageValues(const StoredMessage &message);

// Attachments (schema 4). The last step of migration 4, once the JSON column has been read.
QString dropLegacyAttachments();
// Binds attachmentValues(); keeps the row already there for the same bytes.
QString insertAttachment();
QVariantList attachmentValues(const AttachmentInfo &info, const QByteArray &data);
// Binds a conversation id: message id, then the attachment's metadata (attachmentFromRow), in
// message order and, within a message, in the order they were sent. Never the bytes.
QString attachmentsOfConversation();
// nullopt for a kind this version does not know.
std::optional<AttachmentInfo> attachmentFromRow(const QSqlQuery &row);
// Bytes no message names any more.
QString removeUnusedAttachments();
QString kindName(AttachmentKind kind);
std::optional<AttachmentKind> kindFromName(const QString &name);

// Search hits (conversation id, message id or 0 for a title, title, snippet), newest first.
// FTS5 binds the MATCH expression twice (contents, titles) and the limit; LIKE binds the
// patterns of the words for contents, then for titles, then the limit. Streaming messages are
// not searched (the FTS5 index leaves them out until they stop).
QString fullTextSearch();
QString likeSearch(int wordCount);

// Qt binds a null QString as NULL and SQLite stores NaN as NULL; the columns are NOT NULL.
QVariant textValue(const QString &text);
QVariant realValue(double value);

QString stateName(MessageState state);
// An unknown name (from a newer Llamadesk) reads as Complete.
MessageState stateFromName(const QString &name);

// An FTS5 MATCH expression: every word an FTS5 string matched as a prefix, all of them ANDed.
// Quotes, operators and column filters in the words are plain text. Empty when no word holds
// a letter or digit.
QString ftsQuery(const QStringList &words);
// A LIKE pattern (ESCAPE '\') that finds word anywhere, with % _ and \ taken literally.
QString likePattern(const QString &word);
// Some context around word's first occurrence in content, on one line.
QString likeSnippet(const QString &content, const QString &word);
} // namespace Llamadesk::ChatStoreSql
