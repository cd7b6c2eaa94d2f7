#pragma once

#include "core/chat/messageattachment.h"

#include <QList>
#include <QWidget>

class QHBoxLayout;
class QScrollArea;

namespace Llamadesk
{
// The images waiting to be sent with the next message, above the composer's field: one
// thumbnail each, with its name and size as the tooltip and a small × that takes it out.
// Hidden while empty. Each image is decoded once, when it is added; audio attachments are not
// shown here (they never wait in the composer) and are refused.
class AttachmentStrip final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AttachmentStrip)

public:
    // Thumbnails are this high (logical pixels) and at most MaxThumbWidth wide, aspect kept.
    static constexpr int ThumbHeight = 60;
    static constexpr int MaxThumbWidth = 160;

    explicit AttachmentStrip(QWidget *parent = nullptr);

    void addAttachment(const MessageAttachment &attachment);
    void setAttachments(const QList<MessageAttachment> &attachments);
    QList<MessageAttachment> attachments() const;
    void removeAt(int index);
    void clear();
    int count() const;
    bool isEmpty() const;
    // The thumbnail of the attachment at index (its child "removeAttachmentButton" takes it
    // out), or nullptr.
    QWidget *thumbnailAt(int index) const;
    // "name — W × H"
    static QString toolTipFor(const MessageAttachment &attachment);

Q_SIGNALS:
    // After every add, remove or replacement.
    void attachmentsChanged();

private:
    QWidget *makeThumbnail(const MessageAttachment &attachment);
    void updateVisibility();

    QScrollArea *m_scroll;
    QWidget *m_row;
    QHBoxLayout *m_layout;
    QList<MessageAttachment> m_attachments;
    QList<QWidget *> m_thumbnails;
};
} // namespace Llamadesk
