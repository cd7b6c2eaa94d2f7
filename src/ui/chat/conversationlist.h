#pragma once

#include "core/chat/chatrecords.h"

#include <QTimer>
#include <QWidget>

class QAction;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QMenu;
class QPushButton;
class QStackedWidget;

namespace Llamadesk
{
// The sidebar: "New chat", a search field and the conversations, newest first. It only shows
// what it is given and says what the user asked for; renaming, deleting (with its undo or
// confirmation) and searching are the window's business.
class ConversationList final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConversationList)

public:
    static constexpr int SearchDebounceMs = 250;
    enum Role {
        IdRole = Qt::UserRole + 1, // qint64 conversation id
        SubtitleRole,              // the second line: date and size, or the search snippet
        TitleRole,                 // the title as shown ("New chat" for an untitled one), to undo an empty rename
        MessageIdRole,             // search results: the message that matched
    };

    explicit ConversationList(QWidget *parent = nullptr);

    // Sorted by updated time, newest first, whatever the order given. Keeps the current one.
    void setConversations(const QList<ConversationSummary> &conversations);
    // Selects the conversation without emitting conversationActivated(). 0: none.
    void setCurrent(qint64 id);
    qint64 current() const;
    // The conversation ids in the order shown.
    QList<qint64> conversationIds() const;
    // Results for the text last sent with searchRequested(); shown while the field has text.
    void setSearchResults(const QList<SearchHit> &hits);
    QString searchText() const;
    // Opens the inline editor on the conversation's title.
    void startRename(qint64 id);
    // The conversations or the search results have the keyboard focus: the user goes through
    // them with the keys.
    bool hasListFocus() const;

Q_SIGNALS:
    void conversationActivated(qint64 id);
    void newConversationRequested();
    void renameRequested(qint64 id, const QString &title);
    void deleteRequested(qint64 id);
    // The trimmed search text, once typing pauses for SearchDebounceMs. Never empty: clearing
    // the field just shows the conversations again.
    void searchRequested(const QString &text);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QListWidgetItem *itemFor(qint64 id) const;
    void onSearchTextChanged(const QString &text);
    void onItemChanged(QListWidgetItem *item);
    void showMenu(const QPoint &pos);

    QPushButton *m_newChat;
    QLineEdit *m_search;
    QStackedWidget *m_stack;
    QListWidget *m_list;
    QListWidget *m_results;
    QMenu *m_menu;
    QAction *m_renameAction;
    QAction *m_deleteAction;
    QTimer m_debounce;
    qint64 m_menuTarget = 0;
    bool m_updating = false;
};
} // namespace Llamadesk
