#include "core/chat/chatstore.h"

#include "core/apppaths.h"
#include "core/chat/chatstoresql.h"
#include "core/chat/messageattachment.h"
#include "core/qtfmt.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QStorageInfo>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>

namespace Llamadesk
{
namespace
{
// SQLite's primary result codes (the low byte of an extended code) that mean the file is damaged.
constexpr int SqliteCorrupt = 11;
constexpr int SqliteNotADatabase = 26;
// … and that mean the disk will not take more.
constexpr int SqliteReadOnly = 8;
constexpr int SqliteFull = 13;

using ChatStoreSql::textValue;

QString sql(const char *text)
{
    return QString::fromLatin1(text);
}
} // namespace

ChatStore::ChatStore(const QString &path, QObject *parent)
    : QObject(parent)
    , m_path(path)
{
    static std::atomic<int> counter{0};
    m_connection = QStringLiteral("llamadesk-chatstore-%1").arg(counter.fetch_add(1));
}

ChatStore::~ChatStore()
{
    if (m_checker.joinable())
        m_checker.join();
    close();
}

QString ChatStore::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)
            + QStringLiteral("/chats.sqlite");
}

StoreStatus ChatStore::open()
{
    const bool opened = openOrMoveAside();
    // Every later call says why the database is not open, not only that it is not.
    m_openError = opened ? std::nullopt : std::optional<StoreError>(m_error);
    if (!opened)
        return m_error;
    return {};
}

bool ChatStore::openOrMoveAside()
{
    if (isOpen())
        return true;
    m_notice.clear();
    const QString folder = QFileInfo(m_path).absolutePath();
    if (const std::optional<QString> error = AppPaths::makePrivateDirectory(folder))
        return fail(StoreError::Kind::Failed, tr("%1 for the chat database.").arg(*error));
    m_corrupt = false;
    m_corruptReason.clear();
    // The integrity check of an earlier run found damage: the file goes aside now.
    if (QFile marker(damageMarkerPath()); marker.open(QIODevice::ReadOnly)) {
        m_corrupt = true;
        m_corruptReason = tr("the integrity check found damage: %1").arg(QString::fromUtf8(marker.readAll()).simplified());
    } else if (openDatabase()) {
        m_error = {};
        return true;
    }
    close();
    if (!m_corrupt)
        return false;

    const QString reason = m_corruptReason;
    const QString movedTo = moveAside();
    if (movedTo.isEmpty())
        return false;
    QFile::remove(damageMarkerPath());
    if (!openDatabase()) {
        close();
        return false;
    }
    m_notice = tr("The chat database %1 could not be read (%2), so it was moved to %3 and a new, empty one was "
                  "started.")
                       .arg(m_path, reason, movedTo);
    spdlog::warn("{}", m_notice);
    m_error = {};
    return true;
}

bool ChatStore::isOpen() const
{
    return QSqlDatabase::contains(m_connection) && database().isOpen();
}

QString ChatStore::openNotice() const
{
    return m_notice;
}

QString ChatStore::path() const
{
    return m_path;
}

bool ChatStore::hasFullTextSearch() const
{
    return m_fts;
}

void ChatStore::close()
{
    m_statements.clear(); // every QSqlQuery must be gone before the connection is removed
    if (!QSqlDatabase::contains(m_connection))
        return;
    {
        QSqlDatabase db = database();
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
}

void ChatStore::setFullTextSearchEnabled(bool enabled)
{
    m_ftsEnabled = enabled;
}

// The conversations are the user's alone. SQLite gives the -wal, -shm and -journal files the
// mode of the database file, so a database created here with 0600 has all of them 0600 from the
// start; one an earlier version made under a looser umask is tightened.
bool ChatStore::preparePrivateFile()
{
    if (const std::optional<QString> error = AppPaths::createPrivateFile(m_path))
        return fail(StoreError::Kind::Failed, *error);
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
        AppPaths::tightenExisting(m_path + suffix);
    return true;
}

bool ChatStore::openDatabase()
{
    if (!preparePrivateFile())
        return false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
        db.setDatabaseName(m_path);
        if (!db.open())
            return fail("open", db.lastError());
    }
    // SQLite reads the file lazily: a file that is no database at all fails at the first
    // statement below; damage deeper in is startIntegrityCheck()'s to find.
    // foreign_keys is per connection; WAL is kept in the file. With WAL and synchronous=NORMAL a
    // commit is a write() to the WAL without fsync: a killed process loses nothing committed,
    // only a power cut can lose the last commits.
    if (!exec(sql("PRAGMA foreign_keys=ON"), "enable foreign keys")
        || !exec(sql("PRAGMA synchronous=NORMAL"), "set synchronous mode"))
        return false;
    {
        QSqlQuery q(database());
        if (!q.exec(sql("PRAGMA journal_mode=WAL")) || !q.next())
            return fail("enable WAL", q.lastError());
        if (q.value(0).toString() != u"wal")
            spdlog::warn("Chat store: {} stays in journal mode {}; WAL is not available there", m_path,
                         q.value(0).toString());
    }
    if (!probeFullTextSearch() || !migrate())
        return false;
    if (m_fts) {
        if (!begin())
            return false;
        if (!ensureSearchIndex() || !commit("build the search index")) {
            rollback();
            return false;
        }
    }
    return true;
}

namespace
{
struct IntegrityResult
{
    bool damaged = false;
    QString details; // SQLite's first findings when damaged; why it could not check otherwise
};

// On the checker thread, with a connection of its own (a QSqlDatabase belongs to the thread that
// made it).
IntegrityResult runQuickCheck(const QString &path, const QString &connection)
{
    IntegrityResult result;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        if (!db.open()) {
            result.details = db.lastError().text();
        } else {
            QSqlQuery q(db);
            if (!q.exec(QStringLiteral("PRAGMA quick_check"))) {
                const int code = q.lastError().nativeErrorCode().toInt() & 0xff;
                result.damaged = code == SqliteCorrupt || code == SqliteNotADatabase;
                result.details = q.lastError().databaseText();
            } else {
                QStringList problems;
                while (q.next()) {
                    // One row may hold several lines, led by "*** in database main ***".
                    const QStringList lines = q.value(0).toString().split(u'\n', Qt::SkipEmptyParts);
                    for (const QString &line : lines) {
                        if (!line.startsWith(u"***"))
                            problems.append(line.simplified());
                    }
                }
                result.damaged = problems != QStringList{QStringLiteral("ok")};
                if (result.damaged)
                    result.details = problems.mid(0, 3).join(QStringLiteral("; "));
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return result;
}
} // namespace

void ChatStore::startIntegrityCheck()
{
    if (m_checker.joinable())
        return; // one check per store
    m_checker = std::thread([this, path = m_path, connection = QString(m_connection + QStringLiteral("-check"))] {
        const IntegrityResult result = runQuickCheck(path, connection);
        QMetaObject::invokeMethod(
                this, [this, result] { finishIntegrityCheck(result.damaged, result.details); },
                Qt::QueuedConnection);
    });
}

void ChatStore::finishIntegrityCheck(bool damaged, const QString &details)
{
    if (!damaged) {
        if (details.isEmpty())
            spdlog::info("Chat store: {} passed its integrity check", m_path);
        else
            spdlog::warn("Chat store: the integrity check of {} could not run: {}", m_path, details);
        Q_EMIT integrityChecked({});
        return;
    }
    m_corrupt = true;
    m_corruptReason = tr("the integrity check found damage: %1").arg(details);
    QString problem = tr("The chat database %1 is damaged (%2). Nothing has been deleted: Llamadesk goes on using it "
                         "until it is restarted, then keeps it as %1.corrupt-<date> and starts a new, empty one.")
                              .arg(m_path, details);
    if (const std::optional<QString> error = AppPaths::createPrivateFile(damageMarkerPath())) {
        problem += u' ' + tr("(%1, so this is not remembered; the check will find it again.)").arg(*error);
    } else if (QFile marker(damageMarkerPath()); marker.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        marker.write(details.toUtf8());
    }
    spdlog::warn("{}", problem);
    Q_EMIT integrityChecked(problem);
}

QString ChatStore::damageMarkerPath() const
{
    return m_path + QStringLiteral(".damaged");
}

bool ChatStore::probeFullTextSearch()
{
    QSqlQuery q(database());
    if (!q.exec(sql("SAVEPOINT fts_probe")))
        return fail("probe for FTS5", q.lastError());
    m_fts = q.exec(sql("CREATE VIRTUAL TABLE temp.fts_probe USING fts5(x)"));
    if (!q.exec(sql("ROLLBACK TO fts_probe")) || !q.exec(sql("RELEASE fts_probe")))
        return fail("probe for FTS5", q.lastError());
    if (!m_fts)
        spdlog::info("Chat store: this SQLite has no FTS5; search uses LIKE");
    return true;
}

bool ChatStore::migrate()
{
    int version = 0;
    {
        QSqlQuery q(database());
        if (!q.exec(sql("PRAGMA user_version")) || !q.next())
            return fail("read the schema version", q.lastError());
        version = q.value(0).toInt();
    }
    if (version > SchemaVersion)
        return fail(StoreError::Kind::Failed,
                    tr("The chat database %1 has schema version %2, made by a newer Llamadesk; this one knows up "
                       "to version %3.")
                            .arg(m_path)
                            .arg(version)
                            .arg(SchemaVersion));
    while (version < SchemaVersion) {
        if (!migrateTo(version + 1))
            return false;
        ++version;
        spdlog::info("Chat store: {} migrated to schema version {}", m_path, version);
    }
    return true;
}

bool ChatStore::migrateTo(int version)
{
    if (!begin())
        return false;
    bool ok = true;
    const QStringList statements = ChatStoreSql::migration(version);
    for (const QString &statementText : statements)
        ok = ok && exec(statementText, "migrate the schema");
    // Version 2 brought the search index, version 4 the attachments table.
    ok = ok && (version != 2 || !m_fts || ensureSearchIndex());
    ok = ok && (version != 4 || moveLegacyAttachments());
    ok = ok && exec(QStringLiteral("PRAGMA user_version=%1").arg(version), "set the schema version");
    if (!ok || !commit("migrate the schema")) {
        rollback();
        return false;
    }
    return true;
}

// Builds the index where it is missing: in migration 1→2, and when a database made where FTS5
// was missing is opened where it is present.
bool ChatStore::ensureSearchIndex()
{
    {
        QSqlQuery q(database());
        if (!q.exec(sql("SELECT 1 FROM sqlite_master WHERE name = 'messages_fts'")))
            return fail("look for the search index", q.lastError());
        if (q.next())
            return true;
    }
    const QStringList statements = ChatStoreSql::searchIndex();
    for (const QString &statementText : statements) {
        if (!exec(statementText, "build the search index"))
            return false;
    }
    return true;
}

QString ChatStore::moveAside()
{
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    QString target = m_path + QStringLiteral(".corrupt-") + stamp;
    for (int n = 2; QFile::exists(target); ++n)
        target = m_path + QStringLiteral(".corrupt-") + stamp + u'-' + QString::number(n);
    if (!QFile::rename(m_path, target)) {
        fail(StoreError::Kind::Damaged,
             tr("The chat database %1 is damaged and could not be moved aside to %2.").arg(m_path, target));
        return {};
    }
    // Closing the connection has already folded whatever SQLite could read of the WAL into the
    // file; a WAL that is still there goes with it, as one left beside the new database would be
    // replayed into it.
    for (const QString &suffix : {QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        if (QFile::exists(m_path + suffix) && !QFile::rename(m_path + suffix, target + suffix)) {
            fail(StoreError::Kind::Damaged,
                 tr("The chat database's %1 could not be moved aside to %2.").arg(m_path + suffix, target + suffix));
            return {};
        }
    }
    return target;
}

QSqlDatabase ChatStore::database() const
{
    return QSqlDatabase::database(m_connection, false);
}

QSqlQuery *ChatStore::statement(const QString &sqlText) const
{
    const auto found = m_statements.find(sqlText);
    if (found != m_statements.end())
        return found->second.get();
    auto query = std::make_unique<QSqlQuery>(database());
    query->setForwardOnly(true);
    if (!query->prepare(sqlText)) {
        fail("prepare a statement", query->lastError());
        return nullptr;
    }
    return m_statements.emplace(sqlText, std::move(query)).first->second.get();
}

void ChatStore::FinishQuery::operator()(QSqlQuery *query) const
{
    query->finish();
}

ChatStore::Execution ChatStore::execute(const QString &sqlText, const QVariantList &values,
                                        const char *what) const
{
    Execution query(statement(sqlText));
    if (!query)
        return query;
    for (qsizetype i = 0; i < values.size(); ++i)
        query->bindValue(static_cast<int>(i), values.at(i));
    if (!query->exec()) {
        fail(what, query->lastError());
        return nullptr;
    }
    return query;
}

bool ChatStore::exec(const QString &sqlText, const char *what)
{
    QSqlQuery q(database());
    return q.exec(sqlText) || fail(what, q.lastError());
}

// IMMEDIATE takes the write lock up front, so a second writer waits (busy timeout) instead of
// failing when a read transaction would have to be upgraded.
bool ChatStore::begin() const
{
    return execute(sql("BEGIN IMMEDIATE"), {}, "begin a transaction") != nullptr;
}

bool ChatStore::commit(const char *what) const
{
    return execute(sql("COMMIT"), {}, what) != nullptr;
}

// Silent: after some failures SQLite has rolled back already, and lastError() keeps the failure
// that mattered.
void ChatStore::rollback() const
{
    if (QSqlQuery *q = statement(sql("ROLLBACK"))) {
        q->exec();
        q->finish();
    }
}

bool ChatStore::fail(const char *what, const QSqlError &error) const
{
    const int code = error.nativeErrorCode().toInt() & 0xff;
    // What was being done, and SQLite's words, for the log; the sentence for the user.
    spdlog::warn("Chat store ({}): could not {}: {}", m_path, what, error.text());
    if (code == SqliteCorrupt || code == SqliteNotADatabase) {
        m_corrupt = true;
        m_corruptReason = error.databaseText();
        return fail(StoreError::Kind::Damaged,
                    tr("The chat database %1 is damaged (%2); at the next start it is moved aside and a new one "
                       "is made.")
                            .arg(m_path, error.databaseText()));
    }
    if (code == SqliteFull)
        return fail(StoreError::Kind::DiskFull,
                    tr("The disk that holds %1 is full. What was saved before is kept; free some space and it is "
                       "saved again.")
                            .arg(m_path));
    // On a read-only mount SQLite rarely says SQLITE_READONLY: a WAL database cannot even be
    // opened there (SQLITE_CANTOPEN, it cannot make its -shm file), and a write the kernel
    // refuses is an I/O error. The mount tells.
    if (code == SqliteReadOnly || QStorageInfo(QFileInfo(m_path).absolutePath()).isReadOnly())
        return fail(StoreError::Kind::ReadOnly,
                    tr("%1 cannot be written (read-only file or disk). What was saved before is kept.").arg(m_path));
    return fail(StoreError::Kind::Failed, tr("The chat database %1 refused a change: %2").arg(m_path, error.text()));
}

bool ChatStore::fail(StoreError::Kind kind, const QString &message) const
{
    m_error = StoreError{kind, message};
    spdlog::warn("Chat store ({}): {}", m_path, message);
    return false;
}

StoreError ChatStore::failure(StoreError::Kind kind, const QString &message) const
{
    fail(kind, message);
    return m_error;
}

bool ChatStore::requireOpen() const
{
    if (isOpen())
        return true;
    if (!m_openError)
        return fail(StoreError::Kind::NotOpen, tr("The chat database %1 is not open.").arg(m_path));
    return fail(StoreError::Kind::NotOpen, tr("The chat database %1 is not open: %2").arg(m_path, m_openError->message));
}

// Milliseconds since the epoch, strictly increasing within this store, so that "most recently
// touched" is well ordered even for changes made within the same millisecond.
qint64 ChatStore::nextStamp()
{
    m_lastStamp = std::max(QDateTime::currentMSecsSinceEpoch(), m_lastStamp + 1);
    return m_lastStamp;
}

bool ChatStore::touchConversation(qint64 conversationId, qint64 stamp)
{
    return execute(sql("UPDATE conversations SET updated = ? WHERE id = ?"), {stamp, conversationId},
                   "update the conversation's time")
            != nullptr;
}

StoreResult<qint64> ChatStore::insertConversation(const QString &title, bool titled, const QString &systemPrompt,
                                                   const QString &model)
{
    if (!requireOpen())
        return m_error;
    const qint64 now = nextStamp();
    const Execution q = execute(
            sql("INSERT INTO conversations (title, created, updated, system_prompt, model, titled)"
                " VALUES (?, ?, ?, ?, ?, ?)"),
            {textValue(title), now, now, textValue(systemPrompt), textValue(model), titled ? 1 : 0},
            "create a conversation");
    if (!q)
        return m_error;
    const qint64 id = q->lastInsertId().toLongLong();
    Q_EMIT conversationsChanged();
    return id;
}

StoreResult<qint64> ChatStore::createConversation(const QString &title, const QString &systemPrompt, const QString &model)
{
    return insertConversation(title, true, systemPrompt, model);
}

StoreResult<qint64> ChatStore::createUntitledConversation(const QString &systemPrompt, const QString &model)
{
    return insertConversation(QString(), false, systemPrompt, model);
}

StoreStatus ChatStore::renameConversation(qint64 id, const QString &title)
{
    if (!requireOpen())
        return m_error;
    const Execution q = execute(sql("UPDATE conversations SET title = ?, titled = 1 WHERE id = ?"),
                                {textValue(title), id}, "rename the conversation");
    if (!q)
        return m_error;
    if (q->numRowsAffected() != 1)
        return failure(StoreError::Kind::NotFound, tr("There is no conversation %1 to rename.").arg(id));
    Q_EMIT conversationsChanged();
    return {};
}

StoreStatus ChatStore::setSystemPrompt(qint64 id, const QString &systemPrompt)
{
    if (!requireOpen())
        return m_error;
    const Execution q = execute(sql("UPDATE conversations SET system_prompt = ? WHERE id = ?"),
                                {textValue(systemPrompt), id}, "set the system prompt");
    if (!q)
        return m_error;
    if (q->numRowsAffected() != 1)
        return failure(StoreError::Kind::NotFound, tr("There is no conversation %1 to set the system prompt of.").arg(id));
    Q_EMIT conversationsChanged();
    return {};
}

StoreStatus ChatStore::deleteConversation(qint64 id)
{
    if (!requireOpen())
        return m_error;
    if (!begin())
        return m_error;
    const Execution q =
            execute(sql("DELETE FROM conversations WHERE id = ?"), {id}, "delete the conversation");
    bool ok = q != nullptr;
    if (ok && q->numRowsAffected() != 1)
        ok = fail(StoreError::Kind::NotFound, tr("There is no conversation %1 to delete.").arg(id));
    if (!ok || !removeUnusedAttachments() || !commit("delete the conversation")) {
        rollback();
        return m_error;
    }
    Q_EMIT conversationsChanged();
    return {};
}

std::optional<ConversationSummary> ChatStore::conversation(qint64 id) const
{
    if (!requireOpen())
        return std::nullopt;
    const Execution q = execute(QStringLiteral("SELECT %1 FROM conversations c WHERE id = ?")
                                        .arg(ChatStoreSql::conversationColumns()),
                                {id}, "read the conversation");
    if (!q)
        return std::nullopt;
    if (!q->next()) {
        fail(StoreError::Kind::NotFound, tr("There is no conversation %1.").arg(id));
        return std::nullopt;
    }
    return ChatStoreSql::conversationFromRow(*q);
}

QList<ConversationSummary> ChatStore::conversations() const
{
    QList<ConversationSummary> list;
    if (!requireOpen())
        return list;
    const Execution q =
            execute(QStringLiteral("SELECT %1 FROM conversations c ORDER BY updated DESC, id DESC")
                            .arg(ChatStoreSql::conversationColumns()),
                    {}, "list the conversations");
    if (!q)
        return list;
    while (q->next())
        list.append(ChatStoreSql::conversationFromRow(*q));
    return list;
}

QList<StoredMessage> ChatStore::messages(qint64 conversationId) const
{
    QList<StoredMessage> list;
    if (!requireOpen())
        return list;
    const Execution q =
            execute(QStringLiteral("SELECT %1 FROM messages WHERE conversation_id = ? ORDER BY id")
                            .arg(ChatStoreSql::messageColumns()),
                    {conversationId}, "read the messages");
    if (!q)
        return list;
    while (q->next())
        list.append(ChatStoreSql::messageFromRow(*q));
    if (list.isEmpty())
        return list;
    const Execution a = execute(ChatStoreSql::attachmentsOfConversation(), {conversationId}, "read the attachments");
    if (!a)
        return list;
    // Both in message order: one pass.
    qsizetype at = 0;
    while (a->next()) {
        const qint64 messageId = a->value(0).toLongLong();
        while (at < list.size() && list.at(at).id < messageId)
            ++at;
        if (at == list.size())
            break;
        if (list.at(at).id != messageId)
            continue;
        if (std::optional<AttachmentInfo> info = ChatStoreSql::attachmentFromRow(*a))
            list[at].attachments.append(std::move(*info));
    }
    return list;
}

StoreResult<qint64> ChatStore::addMessage(const StoredMessage &message, const QList<QByteArray> &data)
{
    if (!requireOpen())
        return m_error;
    const qint64 now = nextStamp();
    const qint64 created = message.created.isValid() ? message.created.toMSecsSinceEpoch() : now;
    if (!begin())
        return m_error;
    const Execution q =
            execute(ChatStoreSql::insertMessage(),
                    QVariantList{message.conversationId, created} + ChatStoreSql::messageValues(message),
                    "add the message");
    const qint64 id = q ? q->lastInsertId().toLongLong() : 0;
    if (!q || !storeAttachments(id, message.attachments, data) || !touchConversation(message.conversationId, now)
        || !commit("add the message")) {
        rollback();
        return m_error;
    }
    Q_EMIT conversationsChanged();
    return id;
}

StoreStatus ChatStore::updateMessage(const StoredMessage &message)
{
    if (!requireOpen())
        return m_error;
    if (!begin())
        return m_error;
    const Execution q = execute(ChatStoreSql::updateMessage(),
                                ChatStoreSql::messageValues(message) << message.id, "update the message");
    bool ok = q != nullptr;
    if (ok && q->numRowsAffected() != 1)
        ok = fail(StoreError::Kind::NotFound, tr("There is no message %1 to update.").arg(message.id));
    ok = ok
            && execute(sql("UPDATE conversations SET updated = ?"
                           " WHERE id = (SELECT conversation_id FROM messages WHERE id = ?)"),
                       {nextStamp(), message.id}, "update the conversation's time");
    if (!ok || !commit("update the message")) {
        rollback();
        return m_error;
    }
    // Streaming updates come twice a second and change no summary that a list shows; the
    // final one (and any later edit) is announced.
    if (message.state != MessageState::Streaming)
        Q_EMIT conversationsChanged();
    return {};
}

StoreStatus ChatStore::deleteMessagesFrom(qint64 conversationId, qint64 messageId)
{
    if (!requireOpen())
        return m_error;
    if (!begin())
        return m_error;
    bool ok = true;
    if (const Execution owner = execute(sql("SELECT conversation_id FROM messages WHERE id = ?"), {messageId},
                                        "find the message")) {
        if (!owner->next() || owner->value(0).toLongLong() != conversationId)
            ok = fail(StoreError::Kind::NotFound,
                      tr("Conversation %1 has no message %2.").arg(conversationId).arg(messageId));
    } else {
        ok = false;
    }
    ok = ok
            && execute(sql("DELETE FROM messages WHERE conversation_id = ? AND id >= ?"),
                       {conversationId, messageId}, "delete the messages");
    ok = ok && removeUnusedAttachments();
    ok = ok && touchConversation(conversationId, nextStamp());
    if (!ok || !commit("delete the messages")) {
        rollback();
        return m_error;
    }
    Q_EMIT conversationsChanged();
    return {};
}

StoreResult<int> ChatStore::recoverInterrupted()
{
    if (!requireOpen())
        return m_error;
    const Execution q = execute(sql("UPDATE messages SET state = 'interrupted' WHERE state = 'streaming'"),
                                {}, "mark interrupted answers");
    if (!q)
        return m_error;
    const int count = q->numRowsAffected();
    if (count > 0)
        spdlog::info("Chat store: {} answer(s) left streaming by an earlier run marked interrupted", count);
    return count;
}

QList<SearchHit> ChatStore::search(const QString &query, int limit) const
{
    if (!requireOpen())
        return {};
    const QStringList words = query.simplified().split(u' ', Qt::SkipEmptyParts);
    if (words.isEmpty() || limit <= 0)
        return {};
    return m_fts && m_ftsEnabled ? searchFullText(words, limit) : searchLike(words, limit);
}

QList<SearchHit> ChatStore::searchFullText(const QStringList &words, int limit) const
{
    QList<SearchHit> hits;
    const QString match = ChatStoreSql::ftsQuery(words);
    if (match.isEmpty())
        return hits;
    const Execution q = execute(ChatStoreSql::fullTextSearch(), {match, match, limit}, "search");
    if (!q)
        return hits;
    while (q->next())
        hits.append({q->value(0).toLongLong(), q->value(1).toLongLong(), q->value(2).toString(),
                     q->value(3).toString().simplified()});
    return hits;
}

QList<SearchHit> ChatStore::searchLike(const QStringList &words, int limit) const
{
    QList<SearchHit> hits;
    QVariantList values;
    for (int pass = 0; pass < 2; ++pass) { // the words against contents, then against titles
        for (const QString &word : words)
            values.append(ChatStoreSql::likePattern(word));
    }
    values.append(limit);
    const Execution q = execute(ChatStoreSql::likeSearch(static_cast<int>(words.size())), values, "search");
    if (!q)
        return hits;
    while (q->next())
        hits.append({q->value(0).toLongLong(), q->value(1).toLongLong(), q->value(2).toString(),
                     ChatStoreSql::likeSnippet(q->value(3).toString(), words.constFirst())});
    return hits;
}
} // namespace Llamadesk
