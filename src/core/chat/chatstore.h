#pragma once

#include "core/chat/chatrecords.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>
#include <QVariant>

#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

class QSqlDatabase;
class QSqlError;
class QSqlQuery;

namespace Llamadesk
{
// Why a ChatStore call failed: what kind of failure (for code that acts on it) and a sentence
// for the user, translated, naming the file where that helps. SQLite's own words go to the log.
struct StoreError
{
    enum class Kind {
        NotOpen,  // the database could not be opened (message says why)
        NotFound, // no such conversation or message
        DiskFull,
        ReadOnly, // a read-only file or disk
        Damaged,  // the file is corrupt: the next open() moves it aside
        Failed,   // anything else SQLite refused
    };
    Kind kind = Kind::Failed;
    QString message;
};

// Success, or the StoreError that says why not. Converts to true on success.
class [[nodiscard]] StoreStatus
{
public:
    StoreStatus() = default;
    StoreStatus(StoreError error) // NOLINT(google-explicit-constructor): a failure is returned as is
        : m_error(std::move(error))
    {
    }
    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    // Only when !ok().
    const StoreError &error() const { return *m_error; }
    // The sentence, or an empty string on success.
    QString message() const { return m_error ? m_error->message : QString(); }

private:
    std::optional<StoreError> m_error;
};

// A value, or the StoreError that says why there is none. Converts to true with a value.
template<typename T>
class [[nodiscard]] StoreResult
{
public:
    StoreResult(T value) // NOLINT(google-explicit-constructor)
        : m_value(std::move(value))
    {
    }
    StoreResult(StoreError error) // NOLINT(google-explicit-constructor)
        : m_error(std::move(error))
    {
    }
    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    // Only when ok(): asking a failure for its value is a bug, and stops the program saying so.
    const T &value() const
    {
        if (!m_value)
            qFatal("StoreResult::value() of a failure: %s", qPrintable(message()));
        return *m_value;
    }
    T valueOr(T fallback) const { return m_value.value_or(std::move(fallback)); }
    // Only when !ok().
    const StoreError &error() const { return *m_error; }
    QString message() const { return m_error ? m_error->message : QString(); }
    StoreStatus status() const { return m_error ? StoreStatus(*m_error) : StoreStatus(); }

private:
    std::optional<T> m_value;
    std::optional<StoreError> m_error;
};

// Conversations in SQLite (Qt Sql, QSQLITE), WAL mode, in AppLocalDataLocation/chats.sqlite by
// default. The schema is versioned with PRAGMA user_version and migrated on open. Every call
// that changes something returns a StoreStatus or StoreResult: success, or the StoreError that
// says why not; reads log their failures and return nothing. Nothing throws.
class ChatStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatStore)

public:
    static constexpr int SchemaVersion = 4;

    // Each store uses its own connection name, so several may be open at once.
    explicit ChatStore(const QString &path, QObject *parent = nullptr);
    ~ChatStore() override;

    static QString defaultPath();

    // Opens (creating or migrating). A file that cannot be opened or is corrupt is moved aside to
    // "<path>.corrupt-<yyyyMMdd-HHmmss>" and a fresh database is made; openNotice() then says so
    // in a sentence naming both files. Returns false only if no database could be made at all.
    // Damage that only a full check finds is left to startIntegrityCheck(): open() reads only
    // what it needs, so the window does not wait for a check of the whole file.
    StoreStatus open();
    // PRAGMA quick_check over the whole file, on a thread of its own with a read-only connection
    // of its own; integrityChecked() follows on this object's thread. A damaged file is kept in
    // use for this run (what can be read stays readable, new messages are still written) and a
    // marker "<path>.damaged" makes the next open() move it aside, as above: nothing is deleted.
    // The destructor waits for a check that is still running.
    void startIntegrityCheck();
    bool isOpen() const;
    QString openNotice() const;
    QString path() const;
    bool hasFullTextSearch() const; // FTS5 available in this SQLite
    // Closes the connection (the destructor does this too); open() may be called again.
    void close();
    // Before open(): false makes search() use LIKE even where FTS5 exists. The index is still
    // kept up to date; this is the seam that lets tests reach the fallback.
    void setFullTextSearchEnabled(bool enabled);

    // The new conversation's id.
    StoreResult<qint64> createConversation(const QString &title, const QString &systemPrompt = {},
                                           const QString &model = {});
    // A new chat without a title yet (ConversationSummary::titled false).
    StoreResult<qint64> createUntitledConversation(const QString &systemPrompt = {}, const QString &model = {});
    // Also marks it titled.
    StoreStatus renameConversation(qint64 id, const QString &title);
    StoreStatus setSystemPrompt(qint64 id, const QString &systemPrompt);
    StoreStatus deleteConversation(qint64 id);
    std::optional<ConversationSummary> conversation(qint64 id) const;
    // Newest (by updated) first.
    QList<ConversationSummary> conversations() const;

    // With their attachments' metadata; the bytes stay in the file until attachmentData().
    QList<StoredMessage> messages(qint64 conversationId) const;
    // Stores a new message; its id. Touches the conversation's updated time. data[i] holds the
    // bytes of message.attachments[i] (MessageAttachment::info() describes them): bytes the
    // store has already (the same SHA-256) are not stored again, only named by the message.
    StoreResult<qint64> addMessage(const StoredMessage &message, const QList<QByteArray> &data = {});
    // Rewrites a stored message (the partial answer while streaming, then the final one). Its
    // attachments are not touched: they are the question's, fixed when it was added.
    StoreStatus updateMessage(const StoredMessage &message);
    // Removes every message of the conversation from messageId on (inclusive): edit and regenerate.
    // Attachment bytes no message names any more go with them, here and in deleteConversation().
    StoreStatus deleteMessagesFrom(qint64 conversationId, qint64 messageId);
    // The bytes of a stored attachment (AttachmentInfo::sha256); NotFound when none has them.
    StoreResult<QByteArray> attachmentData(const QString &sha256) const;

    // Messages left Streaming by a process that died become Interrupted; how many.
    StoreResult<int> recoverInterrupted();

    // Full-text search (FTS5 where available, LIKE otherwise) over content and titles.
    QList<SearchHit> search(const QString &query, int limit = 50) const;

Q_SIGNALS:
    void conversationsChanged();
    // After startIntegrityCheck(): problem is empty when the file is sound, else a sentence for
    // the user saying what was found and what happens next.
    void integrityChecked(const QString &problem);

private:
    StoreResult<qint64> insertConversation(const QString &title, bool titled, const QString &systemPrompt,
                                           const QString &model);
    bool openOrMoveAside();
    bool preparePrivateFile();
    bool openDatabase();
    bool migrate();
    bool migrateTo(int version);
    bool ensureSearchIndex();
    bool moveLegacyAttachments();
    bool storeAttachments(qint64 messageId, const QList<AttachmentInfo> &attachments, const QList<QByteArray> &data);
    bool removeUnusedAttachments();
    bool probeFullTextSearch();
    void finishIntegrityCheck(bool damaged, const QString &details);
    QString damageMarkerPath() const;
    QString moveAside();

    struct FinishQuery
    {
        void operator()(QSqlQuery *query) const;
    };
    // A cached statement after exec(). Going out of scope finishes it (it stays cached), so a
    // SELECT does not hold its read transaction open. Null when it failed; lastError() says why.
    using Execution = std::unique_ptr<QSqlQuery, FinishQuery>;

    QSqlDatabase database() const;
    QSqlQuery *statement(const QString &sql) const;
    Execution execute(const QString &sql, const QVariantList &values, const char *what) const;
    bool exec(const QString &sql, const char *what);
    bool begin() const;
    bool commit(const char *what) const;
    void rollback() const;
    bool touchConversation(qint64 conversationId, qint64 stamp);
    // Record the failure (m_error, the log) and return false.
    bool fail(const char *what, const QSqlError &error) const;
    bool fail(StoreError::Kind kind, const QString &message) const;
    // The same, as a value to return.
    StoreError failure(StoreError::Kind kind, const QString &message) const;
    bool requireOpen() const;
    qint64 nextStamp();
    QList<SearchHit> searchFullText(const QStringList &words, int limit) const;
    QList<SearchHit> searchLike(const QStringList &words, int limit) const;

    QString m_path;
    QString m_connection;
    QString m_notice;
    mutable StoreError m_error; // the last failure
    std::optional<StoreError> m_openError; // why the last open() failed
    bool m_fts = false;
    bool m_ftsEnabled = true;
    // Set when the last failure means the file itself is damaged (not, say, locked or read-only).
    mutable bool m_corrupt = false;
    mutable QString m_corruptReason; // SQLite's words, for openNotice()
    qint64 m_lastStamp = 0;
    // Prepared once per connection: updateMessage runs every half second while an answer streams.
    mutable std::map<QString, std::unique_ptr<QSqlQuery>> m_statements;
    std::thread m_checker; // the running integrity check, joined by the destructor
};
} // namespace Llamadesk
