#pragma once

#include "ui/chat/messagelayout.h"

#include <QCache>
#include <QHash>
#include <QStyledItemDelegate>

#include <array>
#include <memory>

class QUrl;

namespace Llamadesk
{
class TranscriptModel;

// Paints the rows of a TranscriptModel as message cards (see MessageLayout) and turns clicks on
// their links into signals. A row is laid out once per revision and width and kept in a small
// cache, so finished messages cost nothing while scrolling and a streaming one is parsed again
// only when it changes. Rows that have never been painted are sized by an estimate until they
// are measured: opening a long conversation lays out only what is on screen.
class MessageDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MessageDelegate)

public:
    // What the delegate did, for tests and measurements.
    struct Counters
    {
        int paints = 0;
        int sizeHints = 0;
        int layouts = 0; // documents built: markdown parsed and laid out
        int estimates = 0;
        int decodes = 0; // messages whose attachments were decoded into thumbnails
    };

    explicit MessageDelegate(QObject *parent = nullptr);
    ~MessageDelegate() override;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    bool editorEvent(QEvent *event, QAbstractItemModel *model, const QStyleOptionViewItem &option,
                     const QModelIndex &index) override;
    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // Where thumbnails get their images' bytes (TranscriptView::setAttachmentSource).
    void setAttachmentSource(AttachmentBytes source);

    // The width of a row: the view's viewport. Cards are centred in it.
    void setRowWidth(int width);
    int rowWidth() const;

    // Lays the row out now unless its height is already exact; true when the height changed.
    // keep: cache the layout too (rows about to be painted), not only its height.
    bool measure(const QStyleOptionViewItem &option, const QModelIndex &index, bool keep);
    bool isMeasured(const QModelIndex &index) const;

    // The href of the link under pos (viewport coordinates; option.rect is the row's), or empty.
    QString anchorAt(const QStyleOptionViewItem &option, const QModelIndex &index, QPoint pos) const;
    // Where the link with that href is, in viewport coordinates; empty when the row has none.
    QRect anchorRect(const QStyleOptionViewItem &option, const QModelIndex &index, QStringView href) const;
    // The attachment index of the thumbnail under pos (viewport coordinates), or -1.
    int imageAt(const QStyleOptionViewItem &option, const QModelIndex &index, QPoint pos) const;
    // Where that attachment's thumbnail is, in viewport coordinates; empty when there is none.
    QRect imageRect(const QStyleOptionViewItem &option, const QModelIndex &index, int attachmentIndex) const;
    // The row's laid-out card (built now if needed); valid until the next layout is built.
    const MessageLayout *layout(const QStyleOptionViewItem &option, const QModelIndex &index) const;

    // Forgets every layout and height (a new conversation, a new palette).
    void clearCache();
    const Counters &counters() const;
    void resetCounters();
    // The revision of the row's content when it was last painted (TranscriptModel::revision).
    quint64 paintedRevision(const QModelIndex &index) const;

Q_SIGNALS:
    void copyRequested(const QString &text);
    void editRequested(qint64 id);
    void regenerateRequested(qint64 id);
    // A link inside a message's markdown.
    void linkActivated(const QUrl &url);
    // A click on a thumbnail: attachmentIndex is the attachment's place in the message's
    // attachments (message.attachments).
    void imageActivated(qint64 messageId, int attachmentIndex);

private:
    struct Key
    {
        quint64 revision = 0;
        int width = 0;
        bool lastAssistant = false;
        bool operator==(const Key &) const = default;
    };
    struct Height
    {
        Key key;
        int height = 0;
        bool exact = false;
    };
    struct Cached
    {
        Key key;
        std::unique_ptr<MessageLayout> layout;
    };
    struct Preview
    {
        QList<AttachmentInfo> attachments; // what it was decoded from (shared, not a copy)
        AttachmentPreview preview;
    };

    const TranscriptModel *transcript(const QModelIndex &index) const;
    Key keyFor(const QModelIndex &index) const;
    const MessageStyle &styleFor(const QStyleOptionViewItem &option) const;
    // previous: what the row's earlier layout left, to be taken over where it fits.
    std::unique_ptr<MessageLayout> build(const QStyleOptionViewItem &option, const QModelIndex &index,
                                         MessageLayout::Reusable previous = {}) const;
    // The row's attachments, decoded once and cached; nullptr when it has none.
    const AttachmentPreview *preview(const QStyleOptionViewItem &option, const QModelIndex &index) const;
    // The cached layout for the row, built and cached if missing or stale.
    const MessageLayout *cachedLayout(const QStyleOptionViewItem &option, const QModelIndex &index) const;
    // Stores an exact height; true when it differs from what sizeHint() has been saying.
    bool recordHeight(const QModelIndex &index, const Key &key, int height) const;
    void activate(const QString &href, QAbstractItemModel *model, const QStyleOptionViewItem &option,
                  const QModelIndex &index);

    int m_rowWidth = 0;
    AttachmentBytes m_attachmentBytes;
    mutable MessageStyle m_style;
    mutable std::array<QRgb, 5> m_styleColors{};
    mutable bool m_styleValid = false;
    mutable QFont m_styleFont;
    mutable QCache<quint64, Cached> m_layouts;
    mutable QCache<quint64, Preview> m_previews; // cost: KiB
    mutable QHash<quint64, Height> m_heights;
    mutable QHash<quint64, quint64> m_painted;
    mutable Counters m_counters;
    QString m_pressedHref;
    quint64 m_pressedImageRow = 0; // uid
    int m_pressedImage = -1;
};
} // namespace Llamadesk
