#pragma once

#include "core/chat/chatrecords.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QImage>
#include <QList>
#include <QSize>
#include <QString>

#include <functional>

namespace Llamadesk
{
// Where a transcript gets an attachment's bytes (the chat controller, which reads the store):
// empty when they cannot be had. Asked once per message and screen, when its thumbnails are made.
using AttachmentBytes = std::function<QByteArray(const AttachmentInfo &)>;

// What a card shows of a message's attachments (StoredMessage::attachments): its images as
// small thumbnails, already decoded and scaled, and a chip per recording. Decoding is the
// expensive part, so the delegate makes one per message and keeps it (see MessageDelegate);
// layouts, rebuilt at every width, only copy the thumbnails.
struct AttachmentPreview
{
    Q_DECLARE_TR_FUNCTIONS(AttachmentPreview)

public:
    // Thumbnails fit in this box (logical pixels), aspect kept, never enlarged.
    static constexpr int MaxWidth = 160;
    static constexpr int MaxHeight = 120;

    struct Image
    {
        int index = 0; // in message.attachments
        QImage thumbnail; // devicePixelRatio set; null when the bytes are not an image
        QSize size;       // the image's own size, in pixels
        QString toolTip;  // "name — W × H"
    };
    struct Audio
    {
        int index = 0;
        double seconds = 0;
    };
    QList<Image> images;
    QList<Audio> audio;
    qreal devicePixelRatio = 1;

    bool isEmpty() const { return images.isEmpty() && audio.isEmpty(); }
    // Bytes held, for a cache's cost.
    qsizetype bytes() const;
    // Decodes the attachments' images, their bytes read from source, into thumbnails for a
    // screen of that pixel ratio. An image whose bytes cannot be had has a null thumbnail.
    static AttachmentPreview from(const QList<AttachmentInfo> &attachments, const AttachmentBytes &source,
                                  qreal devicePixelRatio);
};
} // namespace Llamadesk
