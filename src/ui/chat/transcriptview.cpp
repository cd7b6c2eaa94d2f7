#include "ui/chat/transcriptview.h"

#include "ui/chat/messagedelegate.h"
#include "ui/chat/transcriptmodel.h"

#include <QClipboard>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QKeyEvent>
#include <QPainter>
#include <QScrollBar>

#include <algorithm>

namespace Llamadesk
{
TranscriptView::TranscriptView(QWidget *parent)
    : QListView(parent)
    , m_model(new TranscriptModel(this))
    , m_delegate(new MessageDelegate(this))
    , m_emptyText(tr("No messages yet. Write one below to start the conversation."))
{
    setObjectName(QStringLiteral("transcriptView"));
    setModel(m_model);
    setItemDelegate(m_delegate);
    setVerticalScrollMode(ScrollPerPixel);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setUniformItemSizes(false);
    // Heights are estimated until measured (see MessageDelegate), so a single pass over all
    // rows is cheap; Batched would only make the scroll bar grow in steps.
    setLayoutMode(SinglePass);
    setSelectionMode(NoSelection);
    setEditTriggers(NoEditTriggers);
    setFrameShape(QFrame::NoFrame);
    setMouseTracking(true);
    viewport()->setBackgroundRole(QPalette::Window);
    m_delegate->setRowWidth(rowWidth());

    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(CoalesceMs);
    m_measureTimer.setSingleShot(true);
    m_measureTimer.setInterval(0);
    connect(&m_flushTimer, &QTimer::timeout, this, &TranscriptView::onFlushTimer);
    connect(&m_measureTimer, &QTimer::timeout, this, &TranscriptView::measureSome);

    // QAbstractItemView re-reads the pointer on every scroll (QCursor::pos(): a round trip to
    // the X server, on every streamed frame while the view follows the answer). The pointer has
    // not moved over the viewport, so its last position says the same without asking.
    disconnect(verticalScrollBar(), SIGNAL(valueChanged(int)), this, SLOT(verticalScrollbarValueChanged(int)));
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, [this] {
        if (m_layoutDepth == 0)
            m_stick = atBottom();
        if (viewport()->underMouse())
            updateHover(m_pointer);
    });
    connect(verticalScrollBar(), &QScrollBar::rangeChanged, this, [this] {
        if (m_layoutDepth == 0 && m_stick)
            scrollToEnd();
    });
    connect(m_delegate, &MessageDelegate::copyRequested, this, [this](const QString &text) {
        QGuiApplication::clipboard()->setText(text);
        Q_EMIT textCopied(text);
    });
    connect(m_delegate, &MessageDelegate::editRequested, this, &TranscriptView::editRequested);
    connect(m_delegate, &MessageDelegate::regenerateRequested, this, &TranscriptView::regenerateRequested);
    connect(m_delegate, &MessageDelegate::linkActivated, this, &TranscriptView::linkActivated);
    connect(m_delegate, &MessageDelegate::imageActivated, this, &TranscriptView::imageActivated);
}

TranscriptView::~TranscriptView() = default;

TranscriptModel *TranscriptView::transcript() const
{
    return m_model;
}

MessageDelegate *TranscriptView::messageDelegate() const
{
    return m_delegate;
}

void TranscriptView::setMessages(const QList<StoredMessage> &messages)
{
    m_flushTimer.stop();
    m_pending.clear();
    m_pendingOrder.clear();
    m_forcedAnchor.reset();
    m_delegate->clearCache();
    m_stick = true;
    m_model->setMessages(messages);
    startMeasuring();
}

void TranscriptView::appendMessage(const StoredMessage &message)
{
    flushPendingUpdates();
    m_model->appendMessage(message);
}

void TranscriptView::updateMessage(const StoredMessage &message)
{
    if (!m_flushTimer.isActive()) {
        applyUpdates({message});
        m_flushTimer.start();
        return;
    }
    if (!m_pending.contains(message.id))
        m_pendingOrder.append(message.id);
    m_pending.insert(message.id, message);
}

void TranscriptView::removeMessagesFrom(qint64 id)
{
    flushPendingUpdates();
    m_model->removeMessagesFrom(id);
}

void TranscriptView::flushPendingUpdates()
{
    if (m_pendingOrder.isEmpty())
        return;
    QList<StoredMessage> messages;
    messages.reserve(m_pendingOrder.size());
    for (const qint64 id : std::as_const(m_pendingOrder))
        messages.append(m_pending.take(id));
    m_pendingOrder.clear();
    applyUpdates(messages);
}

void TranscriptView::applyUpdates(const QList<StoredMessage> &messages)
{
    QElapsedTimer clock;
    clock.start();
    for (const StoredMessage &message : messages)
        m_model->updateMessage(message);
    const double ms = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    ++m_counters.flushes;
    m_counters.flushMs += ms;
    m_flushTimer.setInterval(std::clamp(static_cast<int>(3 * ms), CoalesceMs, MaxCoalesceMs));
}

void TranscriptView::onFlushTimer()
{
    if (m_pendingOrder.isEmpty())
        return;
    flushPendingUpdates();
    // Keeps the pace: the next update waits for the next tick too.
    m_flushTimer.start();
}

void TranscriptView::setAttachmentSource(AttachmentBytes source)
{
    m_delegate->setAttachmentSource(std::move(source));
    viewport()->update();
}

void TranscriptView::setEmptyText(const QString &text)
{
    m_emptyText = text;
    viewport()->update();
}

QString TranscriptView::emptyText() const
{
    return m_emptyText;
}

bool TranscriptView::isStickingToBottom() const
{
    return m_stick;
}

QRect TranscriptView::anchorRect(int row, QStringView href) const
{
    const QModelIndex index = m_model->index(row);
    if (!index.isValid())
        return {};
    QStyleOptionViewItem option = itemOption();
    option.rect = visualRect(index);
    return m_delegate->anchorRect(option, index, href);
}

QRect TranscriptView::imageRect(int row, int attachmentIndex) const
{
    const QModelIndex index = m_model->index(row);
    if (!index.isValid())
        return {};
    QStyleOptionViewItem option = itemOption();
    option.rect = visualRect(index);
    return m_delegate->imageRect(option, index, attachmentIndex);
}

const TranscriptView::Counters &TranscriptView::counters() const
{
    return m_counters;
}

int TranscriptView::coalesceInterval() const
{
    return m_flushTimer.interval();
}

QStyleOptionViewItem TranscriptView::itemOption() const
{
    QStyleOptionViewItem option;
    initViewItemOption(&option);
    return option;
}

std::optional<TranscriptView::Anchor> TranscriptView::anchorFor(const QModelIndex &index) const
{
    if (!index.isValid())
        return std::nullopt;
    return Anchor{QPersistentModelIndex(index), visualRect(index).top()};
}

int TranscriptView::rowWidth() const
{
    // As if the scroll bar were always there: were the text to re-wrap when it comes and goes,
    // the estimated heights could make it come and go for ever.
    return std::max(1, width() - 2 * frameWidth() - verticalScrollBar()->sizeHint().width());
}

void TranscriptView::doItemsLayout()
{
    // Scrolling below asks QListView where rows are, which may run a pending layout: that one
    // only lays out.
    if (m_inLayout) {
        QListView::doItemsLayout();
        return;
    }
    m_inLayout = true;
    // Rows above the screen change height when measured or re-wrapped; whoever reads the
    // middle of a conversation should not see it jump, so the row at the top stays put.
    std::optional<Anchor> anchor = std::exchange(m_forcedAnchor, std::nullopt);
    if (!anchor && !m_stick)
        anchor = anchorFor(indexAt(QPoint(viewport()->width() / 2, 0)));
    // The rows that end up on screen are measured before they are painted, so the first frame
    // already has them at their real height. Two rounds settle it in practice.
    for (int round = 0; round < 3; ++round) {
        ++m_layoutDepth;
        QListView::doItemsLayout();
        --m_layoutDepth;
        if (anchor && anchor->index.isValid()) {
            const QRect rect = visualRect(anchor->index);
            ++m_layoutDepth;
            verticalScrollBar()->setValue(verticalScrollBar()->value() + rect.top() - anchor->top);
            --m_layoutDepth;
            m_stick = atBottom();
        } else if (m_stick) {
            scrollToEnd();
        }
        if (!measureVisibleRows())
            break;
    }
    m_inLayout = false;
}

bool TranscriptView::measureVisibleRows()
{
    const int rows = m_model->rowCount();
    if (rows == 0)
        return false;
    QModelIndex index = indexAt(QPoint(viewport()->width() / 2, 0));
    if (!index.isValid())
        index = m_model->index(0);
    const QStyleOptionViewItem option = itemOption();
    bool changed = false;
    for (int row = index.row(); row < rows; ++row) {
        const QModelIndex current = m_model->index(row);
        if (visualRect(current).top() >= viewport()->height())
            break;
        changed |= m_delegate->measure(option, current, true);
    }
    return changed;
}

void TranscriptView::updateGeometries()
{
    ++m_layoutDepth;
    QListView::updateGeometries();
    // QListView steps by a whole row, which can be a screen high.
    verticalScrollBar()->setSingleStep(fontMetrics().lineSpacing() * 2);
    --m_layoutDepth;
    if (m_layoutDepth == 0 && m_stick)
        scrollToEnd();
}

void TranscriptView::dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight, const QList<int> &roles)
{
    QListView::dataChanged(topLeft, bottomRight, roles);
    // QListView keeps the old size on dataChanged: measure now (the one parse this update
    // costs; painting reuses it) and lay out again if the row grew or shrank.
    const QStyleOptionViewItem option = itemOption();
    bool changed = false;
    for (int row = topLeft.row(); row <= bottomRight.row(); ++row)
        changed |= m_delegate->measure(option, m_model->index(row), true);
    if (!changed)
        return;
    // Opening or closing "Thinking" keeps the clicked row where it is, even at the bottom.
    if (roles.contains(TranscriptModel::ThinkingExpandedRole))
        m_forcedAnchor = anchorFor(topLeft);
    // Now rather than on the next turn: one repaint for the new text and the new height.
    // Cheap, as every other row's height is cached.
    doItemsLayout();
}

void TranscriptView::rowsInserted(const QModelIndex &parent, int start, int end)
{
    const QStyleOptionViewItem option = itemOption();
    for (int row = start; row <= end; ++row)
        m_delegate->measure(option, m_model->index(row, 0, parent), true);
    QListView::rowsInserted(parent, start, end);
}

void TranscriptView::startMeasuring()
{
    m_measureRow = m_model->rowCount() - 1;
    m_measuredChanges = false;
    m_sinceMeasureLayout.start();
    if (m_measureRow >= 0)
        m_measureTimer.start();
}

void TranscriptView::measureSome()
{
    // From the end: that is where a conversation opens.
    QElapsedTimer clock;
    clock.start();
    const QStyleOptionViewItem option = itemOption();
    m_measureRow = std::min(m_measureRow, m_model->rowCount() - 1);
    while (m_measureRow >= 0 && clock.elapsed() < MeasureBudgetMs)
        m_measuredChanges |= m_delegate->measure(option, m_model->index(m_measureRow--), false);
    // Each layout repaints the screen: a few while measuring are enough for the scroll bar.
    if (m_measuredChanges && (m_measureRow < 0 || m_sinceMeasureLayout.elapsed() >= MeasureLayoutMs)) {
        m_measuredChanges = false;
        m_sinceMeasureLayout.start();
        scheduleDelayedItemsLayout();
    }
    if (m_measureRow >= 0)
        m_measureTimer.start();
}

void TranscriptView::scrollToEnd()
{
    ++m_layoutDepth;
    verticalScrollBar()->setValue(verticalScrollBar()->maximum());
    --m_layoutDepth;
    m_stick = true;
}

bool TranscriptView::atBottom() const
{
    return verticalScrollBar()->value() >= verticalScrollBar()->maximum() - StickThreshold;
}

void TranscriptView::paintEvent(QPaintEvent *event)
{
    ++m_counters.paintEvents;
    QListView::paintEvent(event);
    if (m_model->rowCount() > 0)
        return;
    QPainter painter(viewport());
    QColor color = palette().color(QPalette::WindowText);
    color.setAlphaF(0.55f);
    painter.setPen(color);
    painter.drawText(viewport()->rect().adjusted(40, 0, -40, 0), Qt::AlignCenter | Qt::TextWordWrap, m_emptyText);
}

void TranscriptView::resizeEvent(QResizeEvent *event)
{
    const int width = rowWidth();
    const bool widthChanged = width != m_delegate->rowWidth();
    m_delegate->setRowWidth(width);
    QListView::resizeEvent(event);
    if (widthChanged) {
        scheduleDelayedItemsLayout();
        startMeasuring();
    }
}

void TranscriptView::mouseMoveEvent(QMouseEvent *event)
{
    QListView::mouseMoveEvent(event);
    m_pointer = event->position().toPoint();
    updateHover(m_pointer);
}

void TranscriptView::updateHover(QPoint pos)
{
    const QModelIndex index = indexAt(pos);
    QString href;
    QString toolTip;
    int image = -1;
    if (index.isValid()) {
        QStyleOptionViewItem option = itemOption();
        option.rect = visualRect(index);
        href = m_delegate->anchorAt(option, index, pos);
        if (href.isEmpty())
            image = m_delegate->imageAt(option, index, pos);
        if (href.startsWith(u"http"))
            toolTip = href;
        else if (image >= 0)
            toolTip = m_delegate->layout(option, index)->imageToolTip(image);
    }
    viewport()->setCursor(href.isEmpty() && image < 0 ? Qt::ArrowCursor : Qt::PointingHandCursor);
    viewport()->setToolTip(toolTip);
}

void TranscriptView::keyPressEvent(QKeyEvent *event)
{
    // Rows can be taller than the screen: keys scroll by the pixel, not by the row.
    QScrollBar *bar = verticalScrollBar();
    switch (event->key()) {
    case Qt::Key_Up:
        bar->triggerAction(QAbstractSlider::SliderSingleStepSub);
        break;
    case Qt::Key_Down:
        bar->triggerAction(QAbstractSlider::SliderSingleStepAdd);
        break;
    case Qt::Key_PageUp:
        bar->triggerAction(QAbstractSlider::SliderPageStepSub);
        break;
    case Qt::Key_PageDown:
        bar->triggerAction(QAbstractSlider::SliderPageStepAdd);
        break;
    case Qt::Key_Home:
        bar->triggerAction(QAbstractSlider::SliderToMinimum);
        break;
    case Qt::Key_End:
        bar->triggerAction(QAbstractSlider::SliderToMaximum);
        break;
    default:
        QListView::keyPressEvent(event);
        return;
    }
    event->accept();
}
} // namespace Llamadesk
