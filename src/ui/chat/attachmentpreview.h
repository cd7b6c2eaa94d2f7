#pragma once

#include <QCoreApplication>
#include <QImage>
#include <QList>
#include <QSize>
#include <QString>

namespace Llamadesk
{
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
        int index = 0; // in attachmentsFromJson(message.attachments)
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
    // Decodes the attachments' images into thumbnails for a screen of that pixel ratio.
    static AttachmentPreview fromJson(const QString &json, qreal devicePixelRatio);
};
} // namespace Llamadesk
