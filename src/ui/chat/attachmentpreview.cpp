#include "ui/chat/attachmentpreview.h"

#include <QBuffer>
#include <QImageReader>

namespace Llamadesk
{
namespace
{
// Reads the image at the size it will be shown: JPEG decodes straight to it, others are scaled
// once here.
QImage decodeThumbnail(const QByteArray &data, qreal dpr, QSize *original)
{
    QBuffer buffer;
    buffer.setData(data);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer);
    reader.setAutoTransform(true);
    const QSize full = reader.size();
    const QSize box = QSize(AttachmentPreview::MaxWidth, AttachmentPreview::MaxHeight) * dpr;
    if (full.isValid() && (full.width() > box.width() || full.height() > box.height()))
        reader.setScaledSize(full.scaled(box, Qt::KeepAspectRatio).expandedTo(QSize(1, 1)));
    QImage image = reader.read();
    if (image.isNull())
        return {};
    *original = full.isValid() ? full : image.size();
    if (image.width() > box.width() || image.height() > box.height())
        image = image.scaled(box, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    image.setDevicePixelRatio(dpr);
    return image;
}
} // namespace

qsizetype AttachmentPreview::bytes() const
{
    qsizetype total = 64;
    for (const Image &image : images)
        total += image.thumbnail.sizeInBytes() + 64;
    return total + audio.size() * 16;
}

AttachmentPreview AttachmentPreview::from(const QList<AttachmentInfo> &attachments, const AttachmentBytes &source,
                                          qreal devicePixelRatio)
{
    AttachmentPreview preview;
    preview.devicePixelRatio = devicePixelRatio;
    for (int i = 0; i < attachments.size(); ++i) {
        const AttachmentInfo &attachment = attachments.at(i);
        if (attachment.isAudio()) {
            preview.audio.append({i, attachment.seconds});
            continue;
        }
        Image image;
        image.index = i;
        QSize original(attachment.width, attachment.height);
        if (const QByteArray data = source ? source(attachment) : QByteArray(); !data.isEmpty())
            image.thumbnail = decodeThumbnail(data, devicePixelRatio, &original);
        image.size = attachment.width > 0 && attachment.height > 0 ? QSize(attachment.width, attachment.height) : original;
        const QString name = attachment.name.isEmpty() ? tr("Image") : attachment.name;
        image.toolTip = image.size.isValid() && !image.size.isEmpty()
                                ? tr("%1 — %2 × %3").arg(name).arg(image.size.width()).arg(image.size.height())
                                : name;
        preview.images.append(std::move(image));
    }
    return preview;
}
} // namespace Llamadesk
