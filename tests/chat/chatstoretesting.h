#pragma once

// What the ChatStore tests share: files in a temporary folder, a connection of their own to
// look at a database as SQLite sees it, and short ways to build and compare messages.
#include "core/chat/chatstore.h"

#include <QList>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <gtest/gtest.h>

namespace Llamadesk::ChatStoreTesting
{
inline QString dbIn(const QTemporaryDir &dir, const QString &name = QStringLiteral("chats.sqlite"))
{
    return dir.filePath(name);
}

// A second connection of the test's own, to look at the file as SQLite sees it.
class RawDatabase final
{
    Q_DISABLE_COPY_MOVE(RawDatabase)

public:
    explicit RawDatabase(const QString &path)
        : m_name(QStringLiteral("test-raw-%1").arg(reinterpret_cast<quintptr>(this)))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        db.open();
    }
    ~RawDatabase()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
    }

    bool exec(const QString &sql) const
    {
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        const bool ok = q.exec(sql);
        EXPECT_TRUE(ok) << sql.toStdString() << ": " << q.lastError().text().toStdString();
        return ok;
    }

    QVariant value(const QString &sql) const
    {
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        const bool ok = q.exec(sql) && q.next();
        EXPECT_TRUE(ok) << sql.toStdString() << ": " << q.lastError().text().toStdString();
        return ok ? q.value(0) : QVariant();
    }

private:
    QString m_name;
};

inline StoredMessage message(qint64 conversationId, const QString &role, const QString &content,
                      MessageState state = MessageState::Complete)
{
    StoredMessage m;
    m.conversationId = conversationId;
    m.role = roleFromName(role).value(); // "user", "assistant" or "system"
    m.content = content;
    m.state = state;
    return m;
}

inline QList<qint64> ids(const QList<StoredMessage> &messages)
{
    QList<qint64> list;
    for (const StoredMessage &m : messages)
        list.append(m.id);
    return list;
}

inline QList<qint64> ids(const QList<ConversationSummary> &conversations)
{
    QList<qint64> list;
    for (const ConversationSummary &c : conversations)
        list.append(c.id);
    return list;
}

inline QList<qint64> messageIds(const QList<SearchHit> &hits)
{
    QList<qint64> list;
    for (const SearchHit &h : hits)
        list.append(h.messageId);
    return list;
}
} // namespace Llamadesk::ChatStoreTesting
