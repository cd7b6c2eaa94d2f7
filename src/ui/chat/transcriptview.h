#pragma once

#include "core/chat/chatrecords.h"
#include "ui/chat/attachmentpreview.h"

#include <QElapsedTimer>
#include <QHash>
#include <QListView>
#include <QPersistentModelIndex>
#include <QTimer>

#include <optional>

class QUrl;

namespace Llamadesk
{
class MessageDelegate;
class TranscriptModel;

// The conversation: message cards one under the other, scrolled by the pixel. It owns its
// model and delegate. While the user is at the bottom it stays there as the answer grows;
// once they scroll up it leaves them where they are. Streaming updates are merged so that the
// view lays out and repaints at most about 30 times a second, however fast tokens arrive.
class TranscriptView final : public QListView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TranscriptView)

public:
    static constexpr int CoalesceMs = 33;
    // Updates of a very long answer cost more to lay out: the interval grows to keep at most
    // about a third of the GUI thread's time for them, up to this.
    static constexpr int MaxCoalesceMs = 250;
    // How close to the end still counts as "at the bottom", in pixels.
    static constexpr int StickThreshold = 4;
    // Time spent per turn of the event loop measuring rows nobody has seen yet.
    static constexpr int MeasureBudgetMs = 8;
    // How often the view lays out again while rows are measured in the background.
    static constexpr int MeasureLayoutMs = 250;

    explicit TranscriptView(QWidget *parent = nullptr);
    ~TranscriptView() override;

    TranscriptModel *transcript() const;
    MessageDelegate *messageDelegate() const;

    // Shows a conversation, scrolled to its end.
    void setMessages(const QList<StoredMessage> &messages);
    void appendMessage(const StoredMessage &message);
    // The streaming answer: calls closer together than CoalesceMs are merged; the first one
    // after a pause is shown at once.
    void updateMessage(const StoredMessage &message);
    void removeMessagesFrom(qint64 id);
    // Applies merged updates now instead of at the next tick.
    void flushPendingUpdates();

    // Where the thumbnails' bytes come from: messages carry only their attachments' metadata.
    void setAttachmentSource(AttachmentBytes source);

    // Shown in the middle when there are no messages.
    void setEmptyText(const QString &text);
    QString emptyText() const;
    // Whether the view follows the end of the conversation.
    bool isStickingToBottom() const;
    // Where the link with that href is drawn in the row (viewport coordinates), or an empty rect.
    QRect anchorRect(int row, QStringView href) const;
    // Where the thumbnail of that attachment is drawn in the row (viewport coordinates), or an
    // empty rect.
    QRect imageRect(int row, int attachmentIndex) const;
    // What the view did, for tests and measurements.
    struct Counters
    {
        int paintEvents = 0;
        int flushes = 0;     // streaming updates applied to the model
        double flushMs = 0;  // time spent applying them, laying out included
    };
    const Counters &counters() const;
    // The current pace of streaming updates (CoalesceMs unless layout is slow).
    int coalesceInterval() const;

    void doItemsLayout() override;

Q_SIGNALS:
    void editRequested(qint64 id);
    void regenerateRequested(qint64 id);
    // After the text went to the clipboard (a whole message or one code block).
    void textCopied(const QString &text);
    // A link in a message's markdown; opening it is the window's decision.
    void linkActivated(const QUrl &url);
    // A click on a thumbnail. attachmentIndex: the attachment's place in the message's
    // attachments (message.attachments), recordings included.
    void imageActivated(qint64 messageId, int attachmentIndex);

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void updateGeometries() override;
    void dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight,
                     const QList<int> &roles = QList<int>()) override;
    void rowsInserted(const QModelIndex &parent, int start, int end) override;

private:
    // A row whose top should stay where it is on screen through a layout.
    struct Anchor
    {
        QPersistentModelIndex index;
        int top = 0; // viewport coordinates
    };

    QStyleOptionViewItem itemOption() const;
    int rowWidth() const;
    std::optional<Anchor> anchorFor(const QModelIndex &index) const;
    // Measures the rows on screen; true when one of them changed height.
    bool measureVisibleRows();
    void startMeasuring();
    void measureSome();
    void scrollToEnd();
    bool atBottom() const;
    // The link or thumbnail under the pointer: its cursor and tool tip.
    void updateHover(QPoint pos);
    void onFlushTimer();
    void applyUpdates(const QList<StoredMessage> &messages);

    TranscriptModel *m_model;
    MessageDelegate *m_delegate;
    QTimer m_flushTimer;
    QTimer m_measureTimer;
    QHash<qint64, StoredMessage> m_pending;
    QList<qint64> m_pendingOrder;
    QString m_emptyText;
    std::optional<Anchor> m_forcedAnchor;
    QElapsedTimer m_sinceMeasureLayout;
    int m_measureRow = -1;
    bool m_measuredChanges = false;
    int m_layoutDepth = 0;
    Counters m_counters;
    bool m_inLayout = false;
    bool m_stick = true;
    QPoint m_pointer; // where the pointer last moved over the viewport
};
} // namespace Llamadesk
