#pragma once

#include "core/chat/chatrecords.h"

#include <QAbstractListModel>
#include <QHash>
#include <QList>

namespace Llamadesk
{
// The messages of one conversation, one row each, as the store gives them (values in; the
// model never talks to the store). Besides the message it keeps what only the screen needs:
// whether the row's "Thinking" section is open, and a revision that changes whenever the row
// must be laid out again, so a delegate can cache its layout per row.
class TranscriptModel final : public QAbstractListModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TranscriptModel)

public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        RoleRole,          // "user", "assistant", "system"
        ReasoningRole,
        StateRole,         // MessageState as int
        ThinkingExpandedRole,
        LastAssistantRole, // the newest assistant message: the one that can be regenerated
        UidRole,           // quint64, unique per row for the model's lifetime (ids may be 0)
        RevisionRole,      // quint64, unique per row content and UI state
    };

    explicit TranscriptModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // The whole conversation, in one reset. Thinking sections start closed.
    void setMessages(const QList<StoredMessage> &messages);
    void appendMessage(const StoredMessage &message);
    // Replaces the stored message with the same id (the streaming answer): one dataChanged on
    // that row only. Returns false when no row has that id.
    bool updateMessage(const StoredMessage &message);
    // Removes the message with that id and every one after it (edit and regenerate).
    void removeMessagesFrom(qint64 id);
    void clear();

    // A copy of the row's message; an empty message when row is out of range.
    StoredMessage message(int row) const;
    // The row's message without a copy; row must be valid.
    const StoredMessage &messageAt(int row) const;
    // -1 when no row has that id (or id is 0).
    int rowForId(qint64 id) const;
    int lastAssistantRow() const;

    bool isThinkingExpanded(int row) const;
    void setThinkingExpanded(int row, bool expanded);

    quint64 uid(int row) const;
    quint64 revision(int row) const;

private:
    struct Row
    {
        StoredMessage message;
        quint64 uid = 0;
        quint64 revision = 0;
        bool thinkingExpanded = false;
    };

    Row makeRow(const StoredMessage &message);
    void rebuildIndex();
    // Recomputes the last assistant row and repaints the rows whose Regenerate link moved.
    void updateLastAssistant(bool notify);
    void emitRowChanged(int row, const QList<int> &roles = {});

    QList<Row> m_rows;
    QHash<qint64, int> m_rowForId;
    int m_lastAssistant = -1;
    quint64 m_nextUid = 0;
    quint64 m_nextRevision = 0;
};
} // namespace Llamadesk
