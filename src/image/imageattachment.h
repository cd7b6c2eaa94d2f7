#pragma once

#include "core/chat/messageattachment.h"

#include <QByteArray>
#include <QImage>
#include <QSize>
#include <QString>

#include <functional>
#include <optional>

class QObject;

namespace Llamadesk
{
class Settings;

struct ImageEncodeOptions
{
    int maxEdge = 1536;   // vision/max_edge: the longest edge sent, in pixels
    int jpegQuality = 85; // vision/jpeg_quality, 1..100

    // vision/max_edge and vision/jpeg_quality as they are now.
    static ImageEncodeOptions from(const Settings &settings);
};

// The outcome of turning a picture into an attachment: the attachment, or a sentence for the
// user saying why not ("… is not an image Llamadesk can read", "… is empty").
struct ImageResult
{
    std::optional<MessageAttachment> attachment;
    QString error;
    QSize originalSize; // before downscaling
    explicit operator bool() const { return attachment.has_value(); }
};

// Images as the model gets them (pure: Qt Gui's QImage, no widgets, no event loop):
// downscaled to a longest edge keeping the aspect ratio (never upscaled), encoded as PNG and as
// JPEG and the smaller one kept (PNG whenever the image has transparency, which JPEG would
// lose), ready to become a data: URL. Files are read with their EXIF orientation applied.
namespace ImageAttachment
{
// The size an image of `size` is sent at: unchanged when its longest edge is within maxEdge,
// otherwise scaled so that the longest edge is maxEdge (the other rounded, at least 1).
QSize scaledSize(QSize size, int maxEdge);
ImageResult fromImage(const QImage &image, const ImageEncodeOptions &options, const QString &name = {});
// Encoded bytes (clipboard, drag and drop of data): PNG, JPEG, WebP, BMP, GIF … whatever
// QImageReader reads here; EXIF orientation applied.
ImageResult fromData(const QByteArray &bytes, const ImageEncodeOptions &options, const QString &name = {});
// A file; the name becomes its file name. Errors name the path.
ImageResult fromFile(const QString &path, const ImageEncodeOptions &options);
// The picture inside an attachment (thumbnails, the full-size viewer); null when it is not an
// image or cannot be decoded.
QImage decode(const MessageAttachment &attachment);

// fromImage() on a worker thread (QThreadPool::globalInstance()); `done` runs on `context`'s
// thread with the result, and not at all if `context` is gone by then.
void encodeAsync(const QImage &image, const ImageEncodeOptions &options, const QString &name,
                 QObject *context, std::function<void(ImageResult)> done);
// fromData() the same way: a pasted picture may claim any number of pixels; the header is read
// (and the size refused) on the worker too.
void fromDataAsync(const QByteArray &bytes, const ImageEncodeOptions &options, const QString &name,
                   QObject *context, std::function<void(ImageResult)> done);
// fromFile() the same way: reading and decoding a photo takes tens of milliseconds.
void fromFileAsync(const QString &path, const ImageEncodeOptions &options, QObject *context,
                   std::function<void(ImageResult)> done);
} // namespace ImageAttachment
} // namespace Llamadesk
