#include "ui/chat/conversationlist.h"

#include <QAction>
#include <QKeyEvent>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QPainter>
#include <QPushButton>
#include <QStackedWidget>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

#include <algorithm>

namespace Llamadesk
{
namespace
{
// Two lines per entry: the title, and under it in a smaller, muted font the date and size of
// the conversation or the snippet a search matched.
class EntryDelegate final : public QStyledItemDelegate
{
public:
    static constexpr int PadH = 10;
    static constexpr int PadV = 7;

    EntryDelegate(int subtitleLines, QObject *parent)
        : QStyledItemDelegate(parent)
        , m_subtitleLines(subtitleLines)
    {
    }

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        const int lines = index.data(ConversationList::SubtitleRole).toString().isEmpty() ? 0 : m_subtitleLines;
        return QSize(100, 2 * PadV + option.fontMetrics.height() + lines * QFontMetrics(small(option.font)).lineSpacing()
                              + (lines > 0 ? 2 : 0));
    }

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        const QString title = opt.text;
        opt.text.clear();
        const QWidget *widget = opt.widget;
        QStyle *style = widget ? widget->style() : nullptr;
        if (style)
            style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, widget);
        const bool selected = opt.state & QStyle::State_Selected;
        const bool enabled = opt.state & QStyle::State_Enabled;
        QColor text = opt.palette.color(enabled ? QPalette::Normal : QPalette::Disabled,
                                        selected ? QPalette::HighlightedText : QPalette::Text);
        QColor muted = text;
        muted.setAlphaF(0.62f);

        const QRect area = opt.rect.adjusted(PadH, PadV, -PadH, -PadV);
        painter->save();
        painter->setPen(text);
        painter->setFont(opt.font);
        const QFontMetrics titleMetrics(opt.font);
        painter->drawText(QRect(area.left(), area.top(), area.width(), titleMetrics.height()), Qt::AlignLeft | Qt::AlignVCenter,
                          titleMetrics.elidedText(title, Qt::ElideRight, area.width()));
        const QString subtitle = index.data(ConversationList::SubtitleRole).toString();
        if (!subtitle.isEmpty()) {
            const QFont font = small(opt.font);
            const QFontMetrics metrics(font);
            painter->setFont(font);
            painter->setPen(muted);
            const QRect rect(area.left(), area.top() + titleMetrics.height() + 2, area.width(),
                             metrics.lineSpacing() * m_subtitleLines);
            QString shown = subtitle.simplified();
            // Word wrap has no elision: cut the text to about what fits first.
            shown = metrics.elidedText(shown, Qt::ElideRight, area.width() * m_subtitleLines - metrics.averageCharWidth() * 6);
            int flags = Qt::AlignLeft | Qt::AlignTop;
            if (m_subtitleLines > 1)
                flags |= Qt::TextWordWrap;
            painter->drawText(rect, flags, shown);
        }
        painter->restore();
    }

    void updateEditorGeometry(QWidget *editor, const QStyleOptionViewItem &option, const QModelIndex &) const override
    {
        editor->setGeometry(option.rect.left() + PadH - 4, option.rect.top() + PadV - 4, option.rect.width() - 2 * PadH + 8,
                            option.fontMetrics.height() + 8);
    }

private:
    static QFont small(QFont font)
    {
        if (font.pointSizeF() > 0)
            font.setPointSizeF(font.pointSizeF() * 0.88);
        return font;
    }

    int m_subtitleLines;
};

QString describe(const ConversationSummary &conversation)
{
    const QLocale locale;
    const QDateTime updated = conversation.updated.toLocalTime();
    const QDate today = QDate::currentDate();
    QString when;
    if (!updated.isValid())
        when.clear();
    else if (updated.date() == today)
        when = locale.toString(updated.time(), QLocale::ShortFormat);
    else if (updated.date() == today.addDays(-1))
        when = ConversationList::tr("Yesterday");
    else if (updated.date().year() == today.year())
        when = locale.toString(updated.date(), QStringLiteral("d MMM"));
    else
        when = locale.toString(updated.date(), QStringLiteral("d MMM yyyy"));
    const QString count = conversation.messageCount == 1
                              ? ConversationList::tr("1 message")
                              : ConversationList::tr("%1 messages").arg(locale.toString(conversation.messageCount));
    return when.isEmpty() ? count : when + QStringLiteral(" · ") + count;
}

QString titleOf(const QString &title)
{
    return title.trimmed().isEmpty() ? ConversationList::tr("Untitled") : title;
}

QString titleOf(const ConversationSummary &conversation)
{
    return conversation.titled ? titleOf(conversation.title) : ConversationList::tr("New chat");
}
} // namespace

ConversationList::ConversationList(QWidget *parent)
    : QWidget(parent)
    , m_newChat(new QPushButton(tr("New chat"), this))
    , m_search(new QLineEdit(this))
    , m_stack(new QStackedWidget(this))
    , m_list(new QListWidget(this))
    , m_results(new QListWidget(this))
    , m_menu(new QMenu(this))
    , m_renameAction(new QAction(tr("Rename"), this))
    , m_deleteAction(new QAction(tr("Delete"), this))
{
    setObjectName(QStringLiteral("conversationListPane"));
    m_newChat->setObjectName(QStringLiteral("newChatButton"));
    m_newChat->setToolTip(tr("Start a new conversation"));
    m_search->setObjectName(QStringLiteral("searchEdit"));
    m_search->setPlaceholderText(tr("Search conversations"));
    m_search->setClearButtonEnabled(true);
    m_search->installEventFilter(this);
    m_list->setObjectName(QStringLiteral("conversationList"));
    m_results->setObjectName(QStringLiteral("searchResults"));
    m_menu->setObjectName(QStringLiteral("conversationMenu"));
    m_renameAction->setObjectName(QStringLiteral("renameAction"));
    m_deleteAction->setObjectName(QStringLiteral("deleteAction"));
    m_menu->addAction(m_renameAction);
    m_menu->addAction(m_deleteAction);

    for (QListWidget *list : {m_list, m_results}) {
        list->setFrameShape(QFrame::NoFrame);
        list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        list->setUniformItemSizes(true);
        list->setTextElideMode(Qt::ElideRight);
        list->viewport()->setBackgroundRole(QPalette::Window);
        list->installEventFilter(this);
        // A click opens a conversation to write in it: the focus stays in the message box.
        // Tab brings it here for the keys (arrows, Delete, F2).
        list->setFocusPolicy(Qt::TabFocus);
    }
    m_list->setItemDelegate(new EntryDelegate(1, m_list));
    m_results->setItemDelegate(new EntryDelegate(2, m_results));
    m_list->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    m_results->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);
    m_stack->addWidget(m_list);
    m_stack->addWidget(m_results);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->setSpacing(8);
    layout->addWidget(m_newChat);
    layout->addWidget(m_search);
    layout->addWidget(m_stack, 1);
    setMinimumWidth(200);

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(SearchDebounceMs);
    connect(&m_debounce, &QTimer::timeout, this, [this] {
        const QString text = m_search->text().trimmed();
        if (!text.isEmpty())
            Q_EMIT searchRequested(text);
    });
    connect(m_search, &QLineEdit::textChanged, this, &ConversationList::onSearchTextChanged);
    connect(m_newChat, &QPushButton::clicked, this, &ConversationList::newConversationRequested);
    connect(m_list, &QListWidget::currentItemChanged, this, [this](QListWidgetItem *item) {
        if (!m_updating && item)
            Q_EMIT conversationActivated(item->data(IdRole).toLongLong());
    });
    connect(m_list, &QListWidget::itemChanged, this, &ConversationList::onItemChanged);
    connect(m_list, &QListWidget::customContextMenuRequested, this, &ConversationList::showMenu);
    connect(m_results, &QListWidget::itemClicked, this, [this](QListWidgetItem *item) {
        if (item->flags() & Qt::ItemIsEnabled)
            Q_EMIT conversationActivated(item->data(IdRole).toLongLong());
    });
    connect(m_renameAction, &QAction::triggered, this, [this] { startRename(m_menuTarget); });
    connect(m_deleteAction, &QAction::triggered, this, [this] {
        if (m_menuTarget != 0)
            Q_EMIT deleteRequested(m_menuTarget);
    });
}

void ConversationList::setConversations(const QList<ConversationSummary> &conversations)
{
    QList<ConversationSummary> sorted = conversations;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const ConversationSummary &a, const ConversationSummary &b) { return a.updated > b.updated; });
    const qint64 currentId = current();
    m_updating = true;
    m_list->clear();
    for (const ConversationSummary &conversation : std::as_const(sorted)) {
        auto *item = new QListWidgetItem(titleOf(conversation), m_list);
        item->setFlags(item->flags() | Qt::ItemIsEditable);
        item->setData(IdRole, conversation.id);
        item->setData(TitleRole, titleOf(conversation));
        item->setData(SubtitleRole, describe(conversation));
        item->setToolTip(titleOf(conversation));
    }
    if (QListWidgetItem *item = itemFor(currentId))
        m_list->setCurrentItem(item);
    m_updating = false;
}

void ConversationList::setCurrent(qint64 id)
{
    m_updating = true;
    if (QListWidgetItem *item = itemFor(id)) {
        m_list->setCurrentItem(item);
        m_list->scrollToItem(item);
    } else {
        m_list->setCurrentItem(nullptr);
        m_list->clearSelection();
    }
    m_updating = false;
}

qint64 ConversationList::current() const
{
    const QListWidgetItem *item = m_list->currentItem();
    return item ? item->data(IdRole).toLongLong() : 0;
}

QList<qint64> ConversationList::conversationIds() const
{
    QList<qint64> ids;
    ids.reserve(m_list->count());
    for (int row = 0; row < m_list->count(); ++row)
        ids.append(m_list->item(row)->data(IdRole).toLongLong());
    return ids;
}

void ConversationList::setSearchResults(const QList<SearchHit> &hits)
{
    m_results->clear();
    for (const SearchHit &hit : hits) {
        auto *item = new QListWidgetItem(titleOf(hit.conversationTitle), m_results);
        item->setData(IdRole, hit.conversationId);
        item->setData(MessageIdRole, hit.messageId);
        item->setData(SubtitleRole, hit.snippet);
        item->setToolTip(hit.snippet);
    }
    if (hits.isEmpty()) {
        auto *none = new QListWidgetItem(tr("No conversation matches"), m_results);
        none->setFlags(Qt::NoItemFlags);
    }
    if (!m_search->text().trimmed().isEmpty())
        m_stack->setCurrentWidget(m_results);
}

QString ConversationList::searchText() const
{
    return m_search->text();
}

void ConversationList::startRename(qint64 id)
{
    if (QListWidgetItem *item = itemFor(id)) {
        m_stack->setCurrentWidget(m_list);
        m_list->editItem(item);
    }
}

bool ConversationList::hasListFocus() const
{
    return m_list->hasFocus() || m_results->hasFocus();
}

QListWidgetItem *ConversationList::itemFor(qint64 id) const
{
    if (id == 0)
        return nullptr;
    for (int row = 0; row < m_list->count(); ++row) {
        if (m_list->item(row)->data(IdRole).toLongLong() == id)
            return m_list->item(row);
    }
    return nullptr;
}

void ConversationList::onSearchTextChanged(const QString &text)
{
    if (text.trimmed().isEmpty()) {
        m_debounce.stop();
        m_stack->setCurrentWidget(m_list);
        return;
    }
    m_debounce.start();
}

void ConversationList::onItemChanged(QListWidgetItem *item)
{
    if (m_updating)
        return;
    const QString title = item->text().trimmed();
    const QString old = item->data(TitleRole).toString();
    if (title.isEmpty() || title == old) {
        m_updating = true;
        item->setText(old);
        m_updating = false;
        return;
    }
    m_updating = true;
    item->setData(TitleRole, title);
    item->setText(title);
    m_updating = false;
    Q_EMIT renameRequested(item->data(IdRole).toLongLong(), title);
}

void ConversationList::showMenu(const QPoint &pos)
{
    const QListWidgetItem *item = m_list->itemAt(pos);
    if (!item)
        return;
    m_menuTarget = item->data(IdRole).toLongLong();
    m_menu->popup(m_list->viewport()->mapToGlobal(pos));
}

bool ConversationList::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() != QEvent::KeyPress)
        return QWidget::eventFilter(watched, event);
    const auto *key = static_cast<QKeyEvent *>(event);
    if (watched == m_search && key->key() == Qt::Key_Escape && !m_search->text().isEmpty()) {
        m_search->clear();
        return true;
    }
    if (watched == m_list && key->key() == Qt::Key_Delete) {
        if (const qint64 id = current(); id != 0) {
            Q_EMIT deleteRequested(id);
            return true;
        }
    }
    if (watched == m_results && (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter)) {
        if (const QListWidgetItem *item = m_results->currentItem(); item && (item->flags() & Qt::ItemIsEnabled)) {
            Q_EMIT conversationActivated(item->data(IdRole).toLongLong());
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}
} // namespace Llamadesk
