#include "ui/chat/transcriptmodel.h"

namespace Llamadesk
{
TranscriptModel::TranscriptModel(QObject *parent)
    : QAbstractListModel(parent)
{
}

int TranscriptModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

QVariant TranscriptModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return row.message.content;
    case IdRole:
        return row.message.id;
    case RoleRole:
        return roleName(row.message.role);
    case ReasoningRole:
        return row.message.reasoning;
    case StateRole:
        return static_cast<int>(row.message.state);
    case ThinkingExpandedRole:
        return row.thinkingExpanded;
    case LastAssistantRole:
        return index.row() == m_lastAssistant;
    case UidRole:
        return row.uid;
    case RevisionRole:
        return row.revision;
    default:
        return {};
    }
}

QHash<int, QByteArray> TranscriptModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(IdRole, "messageId");
    names.insert(RoleRole, "role");
    names.insert(ReasoningRole, "reasoning");
    names.insert(StateRole, "state");
    names.insert(ThinkingExpandedRole, "thinkingExpanded");
    names.insert(LastAssistantRole, "lastAssistant");
    names.insert(UidRole, "uid");
    names.insert(RevisionRole, "revision");
    return names;
}

void TranscriptModel::setMessages(const QList<StoredMessage> &messages)
{
    beginResetModel();
    m_rows.clear();
    m_rows.reserve(messages.size());
    for (const StoredMessage &message : messages)
        m_rows.append(makeRow(message));
    rebuildIndex();
    updateLastAssistant(false);
    endResetModel();
}

void TranscriptModel::appendMessage(const StoredMessage &message)
{
    const int row = static_cast<int>(m_rows.size());
    beginInsertRows({}, row, row);
    m_rows.append(makeRow(message));
    if (message.id != 0)
        m_rowForId.insert(message.id, row);
    endInsertRows();
    updateLastAssistant(true);
}

bool TranscriptModel::updateMessage(const StoredMessage &message)
{
    const int row = rowForId(message.id);
    if (row < 0)
        return false;
    Row &stored = m_rows[row];
    const bool roleChanged = stored.message.role != message.role;
    stored.message = message;
    stored.revision = ++m_nextRevision;
    emitRowChanged(row);
    if (roleChanged)
        updateLastAssistant(true);
    return true;
}

void TranscriptModel::removeMessagesFrom(qint64 id)
{
    const int row = rowForId(id);
    if (row < 0)
        return;
    beginRemoveRows({}, row, static_cast<int>(m_rows.size()) - 1);
    m_rows.resize(row);
    rebuildIndex();
    endRemoveRows();
    updateLastAssistant(true);
}

void TranscriptModel::clear()
{
    setMessages({});
}

StoredMessage TranscriptModel::message(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).message : StoredMessage{};
}

const StoredMessage &TranscriptModel::messageAt(int row) const
{
    return m_rows.at(row).message;
}

int TranscriptModel::rowForId(qint64 id) const
{
    return id == 0 ? -1 : m_rowForId.value(id, -1);
}

int TranscriptModel::lastAssistantRow() const
{
    return m_lastAssistant;
}

bool TranscriptModel::isThinkingExpanded(int row) const
{
    return row >= 0 && row < m_rows.size() && m_rows.at(row).thinkingExpanded;
}

void TranscriptModel::setThinkingExpanded(int row, bool expanded)
{
    if (row < 0 || row >= m_rows.size() || m_rows.at(row).thinkingExpanded == expanded)
        return;
    m_rows[row].thinkingExpanded = expanded;
    m_rows[row].revision = ++m_nextRevision;
    emitRowChanged(row, {ThinkingExpandedRole});
}

quint64 TranscriptModel::uid(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).uid : 0;
}

quint64 TranscriptModel::revision(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).revision : 0;
}

TranscriptModel::Row TranscriptModel::makeRow(const StoredMessage &message)
{
    return Row{message, ++m_nextUid, ++m_nextRevision, false};
}

void TranscriptModel::rebuildIndex()
{
    m_rowForId.clear();
    m_rowForId.reserve(m_rows.size());
    for (int row = 0; row < m_rows.size(); ++row) {
        if (m_rows.at(row).message.id != 0)
            m_rowForId.insert(m_rows.at(row).message.id, row);
    }
}

void TranscriptModel::updateLastAssistant(bool notify)
{
    int last = -1;
    for (int row = static_cast<int>(m_rows.size()) - 1; row >= 0; --row) {
        if (m_rows.at(row).message.role == Llamadesk::Role::Assistant) {
            last = row;
            break;
        }
    }
    if (last == m_lastAssistant)
        return;
    const int previous = m_lastAssistant;
    m_lastAssistant = last;
    if (!notify)
        return;
    if (previous >= 0 && previous < m_rows.size())
        emitRowChanged(previous);
    if (last >= 0)
        emitRowChanged(last);
}

void TranscriptModel::emitRowChanged(int row, const QList<int> &roles)
{
    const QModelIndex changed = index(row);
    Q_EMIT dataChanged(changed, changed, roles);
}
} // namespace Llamadesk
