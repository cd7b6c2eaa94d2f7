#include "ui/chat/messagedelegate.h"

#include "ui/chat/transcriptmodel.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QMouseEvent>
#include <QPainter>
#include <QUrl>

#include <utility>

namespace Llamadesk
{
namespace
{
// Enough for a few screens of rows; the rest keep only their height.
constexpr int CachedLayouts = 96;
// Decoded thumbnails, in KiB: about 200 screenshots' worth at 2x.
constexpr int CachedPreviewKiB = 48 * 1024;

qreal devicePixelRatio(const QStyleOptionViewItem &option)
{
    return option.widget ? option.widget->devicePixelRatioF() : qApp->devicePixelRatio();
}
} // namespace

MessageDelegate::MessageDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
    , m_layouts(CachedLayouts)
    , m_previews(CachedPreviewKiB)
{
}

MessageDelegate::~MessageDelegate() = default;

const TranscriptModel *MessageDelegate::transcript(const QModelIndex &index) const
{
    return qobject_cast<const TranscriptModel *>(index.model());
}

MessageDelegate::Key MessageDelegate::keyFor(const QModelIndex &index) const
{
    const TranscriptModel *model = transcript(index);
    return Key{model->revision(index.row()), m_rowWidth, model->lastAssistantRow() == index.row()};
}

const MessageStyle &MessageDelegate::styleFor(const QStyleOptionViewItem &option) const
{
    // By value: every option carries its own copy of the palette.
    const QPalette &palette = option.palette;
    const std::array<QRgb, 5> colors{palette.color(QPalette::Base).rgba(), palette.color(QPalette::Text).rgba(),
                                     palette.color(QPalette::Link).rgba(), palette.color(QPalette::Highlight).rgba(),
                                     palette.color(QPalette::Window).rgba()};
    if (!m_styleValid || colors != m_styleColors || option.font != m_styleFont) {
        if (m_styleValid) {
            m_layouts.clear();
            m_heights.clear();
        }
        m_styleValid = true;
        m_styleColors = colors;
        m_styleFont = option.font;
        m_style = MessageStyle::from(option.palette, option.font);
    }
    return m_style;
}

std::unique_ptr<MessageLayout> MessageDelegate::build(const QStyleOptionViewItem &option, const QModelIndex &index,
                                                     MessageLayout::Reusable previous) const
{
    const TranscriptModel *model = transcript(index);
    const int row = index.row();
    const MessageStyle &style = styleFor(option);
    const AttachmentPreview *attachments = preview(option, index);
    ++m_counters.layouts;
    return std::make_unique<MessageLayout>(model->messageAt(row), model->isThinkingExpanded(row),
                                           model->lastAssistantRow() == row, m_rowWidth, style, attachments,
                                           std::move(previous));
}

const AttachmentPreview *MessageDelegate::preview(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const TranscriptModel *model = transcript(index);
    const QList<AttachmentInfo> &attachments = model->messageAt(index.row()).attachments;
    if (attachments.isEmpty())
        return nullptr;
    const quint64 uid = model->uid(index.row());
    const qreal dpr = devicePixelRatio(option);
    // The same list as last time (shared data), or an equal one: a message's attachments
    // hardly ever change, its layout does at every width.
    if (Preview *cached = m_previews.object(uid);
        cached && cached->preview.devicePixelRatio == dpr && cached->attachments == attachments)
        return &cached->preview;
    ++m_counters.decodes;
    auto *entry = new Preview{attachments, AttachmentPreview::from(attachments, m_attachmentBytes, dpr)};
    const AttachmentPreview *result = &entry->preview;
    const auto cost = static_cast<qsizetype>(entry->preview.bytes() / 1024 + 1);
    if (!m_previews.insert(uid, entry, cost))
        return nullptr; // larger than the whole cache: shown without thumbnails
    return result;
}

const MessageLayout *MessageDelegate::cachedLayout(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    // First: a new palette or font empties the cache, which must not happen to a layout
    // already handed out.
    styleFor(option);
    const quint64 uid = transcript(index)->uid(index.row());
    const Key key = keyFor(index);
    MessageLayout::Reusable previous;
    if (Cached *cached = m_layouts.object(uid)) {
        if (cached->key == key)
            return cached->layout.get();
        // An earlier revision of the row (a streaming answer): its markdown goes on into the
        // new layout, which parses only what follows its last finished block.
        previous = cached->layout->takeReusable();
        m_layouts.remove(uid);
    }
    auto *cached = new Cached{key, build(option, index, std::move(previous))};
    const MessageLayout *layout = cached->layout.get();
    m_layouts.insert(uid, cached);
    return layout;
}

const MessageLayout *MessageDelegate::layout(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    return index.isValid() && transcript(index) ? cachedLayout(option, index) : nullptr;
}

bool MessageDelegate::recordHeight(const QModelIndex &index, const Key &key, int height) const
{
    const quint64 uid = transcript(index)->uid(index.row());
    const auto it = m_heights.constFind(uid);
    const bool changed = it == m_heights.constEnd() || it->height != height;
    m_heights.insert(uid, Height{key, height, true});
    return changed;
}

void MessageDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    if (!transcript(index))
        return;
    ++m_counters.paints;
    const MessageLayout *layout = cachedLayout(option, index);
    QRect exposed = option.rect;
    if (const auto *view = qobject_cast<const QAbstractItemView *>(option.widget))
        exposed &= view->viewport()->rect();
    painter->save();
    painter->setClipRect(option.rect);
    layout->paint(painter, option.rect.topLeft(), QRectF(exposed.translated(-option.rect.topLeft())), m_style);
    painter->restore();
    const TranscriptModel *model = transcript(index);
    m_painted.insert(model->uid(index.row()), model->revision(index.row()));
    // The view placed this row with an estimate: tell it the real height (it lays out again
    // on the next turn of the event loop).
    if (recordHeight(index, keyFor(index), layout->height()))
        Q_EMIT const_cast<MessageDelegate *>(this)->sizeHintChanged(index);
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const TranscriptModel *model = transcript(index);
    if (!model)
        return {};
    ++m_counters.sizeHints;
    const Key key = keyFor(index);
    const quint64 uid = model->uid(index.row());
    auto it = m_heights.find(uid);
    if (it == m_heights.end() || !(it->key == key)) {
        int height = 0;
        bool exact = false;
        if (Cached *cached = m_layouts.object(uid); cached && cached->key == key) {
            height = cached->layout->height();
            exact = true;
        } else {
            ++m_counters.estimates;
            height = MessageLayout::estimateHeight(model->messageAt(index.row()), model->isThinkingExpanded(index.row()),
                                                   m_rowWidth, styleFor(option));
        }
        it = m_heights.insert(uid, Height{key, height, exact});
    }
    return QSize(m_rowWidth, it->height);
}

bool MessageDelegate::measure(const QStyleOptionViewItem &option, const QModelIndex &index, bool keep)
{
    if (!transcript(index))
        return false;
    const Key key = keyFor(index);
    const auto it = m_heights.constFind(transcript(index)->uid(index.row()));
    if (it != m_heights.constEnd() && it->key == key && it->exact)
        return false;
    const int height = keep ? cachedLayout(option, index)->height() : build(option, index)->height();
    return recordHeight(index, key, height);
}

bool MessageDelegate::isMeasured(const QModelIndex &index) const
{
    if (!transcript(index))
        return false;
    const auto it = m_heights.constFind(transcript(index)->uid(index.row()));
    return it != m_heights.constEnd() && it->exact && it->key == keyFor(index);
}

int MessageDelegate::imageAt(const QStyleOptionViewItem &option, const QModelIndex &index, QPoint pos) const
{
    const MessageLayout *row = layout(option, index);
    return row ? row->imageAt(QPointF(pos - option.rect.topLeft())) : -1;
}

QRect MessageDelegate::imageRect(const QStyleOptionViewItem &option, const QModelIndex &index, int attachmentIndex) const
{
    const MessageLayout *row = layout(option, index);
    if (!row)
        return {};
    const QRectF rect = row->imageRect(attachmentIndex);
    return rect.isNull() ? QRect() : rect.translated(option.rect.topLeft()).toAlignedRect();
}

QString MessageDelegate::anchorAt(const QStyleOptionViewItem &option, const QModelIndex &index, QPoint pos) const
{
    const MessageLayout *row = layout(option, index);
    return row ? row->anchorAt(QPointF(pos - option.rect.topLeft())) : QString();
}

QRect MessageDelegate::anchorRect(const QStyleOptionViewItem &option, const QModelIndex &index, QStringView href) const
{
    const MessageLayout *row = layout(option, index);
    if (!row)
        return {};
    const QRectF rect = row->anchorRect(href);
    return rect.isNull() ? QRect() : rect.translated(option.rect.topLeft()).toAlignedRect();
}

bool MessageDelegate::editorEvent(QEvent *event, QAbstractItemModel *model, const QStyleOptionViewItem &option,
                                  const QModelIndex &index)
{
    if (event->type() != QEvent::MouseButtonPress && event->type() != QEvent::MouseButtonRelease)
        return false;
    const auto *mouse = static_cast<QMouseEvent *>(event);
    if (mouse->button() != Qt::LeftButton)
        return false;
    const QString href = anchorAt(option, index, mouse->position().toPoint());
    const int image = href.isEmpty() ? imageAt(option, index, mouse->position().toPoint()) : -1;
    const quint64 uid = transcript(index) ? transcript(index)->uid(index.row()) : 0;
    if (event->type() == QEvent::MouseButtonPress) {
        m_pressedHref = href;
        m_pressedImage = image;
        m_pressedImageRow = uid;
        return !href.isEmpty() || image >= 0;
    }
    const QString pressed = std::exchange(m_pressedHref, QString());
    const int pressedImage = std::exchange(m_pressedImage, -1);
    if (image >= 0 && image == pressedImage && uid == m_pressedImageRow) {
        Q_EMIT imageActivated(transcript(index)->messageAt(index.row()).id, image);
        return true;
    }
    if (href.isEmpty() || href != pressed)
        return false;
    activate(href, model, option, index);
    return true;
}

void MessageDelegate::activate(const QString &href, QAbstractItemModel *model, const QStyleOptionViewItem &option,
                               const QModelIndex &index)
{
    auto *transcriptModel = qobject_cast<TranscriptModel *>(model);
    if (!transcriptModel)
        return;
    const int row = index.row();
    const StoredMessage &message = transcriptModel->messageAt(row);
    if (href == MessageAnchor::Thinking) {
        transcriptModel->setThinkingExpanded(row, !transcriptModel->isThinkingExpanded(row));
    } else if (href == MessageAnchor::Copy) {
        Q_EMIT copyRequested(message.content);
    } else if (href == MessageAnchor::Edit) {
        Q_EMIT editRequested(message.id);
    } else if (href == MessageAnchor::Regenerate) {
        Q_EMIT regenerateRequested(message.id);
    } else if (href.startsWith(MessageAnchor::CopyCodePrefix)) {
        const int block = QStringView(href).mid(MessageAnchor::CopyCodePrefix.size()).toInt();
        Q_EMIT copyRequested(cachedLayout(option, index)->codeBlockText(block));
    } else {
        Q_EMIT linkActivated(QUrl(href));
    }
}

QWidget *MessageDelegate::createEditor(QWidget *, const QStyleOptionViewItem &, const QModelIndex &) const
{
    return nullptr;
}

void MessageDelegate::setAttachmentSource(AttachmentBytes source)
{
    m_attachmentBytes = std::move(source);
    m_previews.clear();
}

void MessageDelegate::setRowWidth(int width)
{
    m_rowWidth = width;
}

int MessageDelegate::rowWidth() const
{
    return m_rowWidth;
}

void MessageDelegate::clearCache()
{
    m_layouts.clear();
    m_previews.clear();
    m_heights.clear();
    m_painted.clear();
}

const MessageDelegate::Counters &MessageDelegate::counters() const
{
    return m_counters;
}

void MessageDelegate::resetCounters()
{
    m_counters = {};
}

quint64 MessageDelegate::paintedRevision(const QModelIndex &index) const
{
    const TranscriptModel *model = transcript(index);
    return model ? m_painted.value(model->uid(index.row())) : 0;
}
} // namespace Llamadesk
