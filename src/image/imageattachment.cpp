#include "image/imageattachment.h"

#include "core/settingkeys.h"
#include "core/settings.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QImageWriter>
#include <QObject>
#include <QPointer>
#include <QSemaphore>
#include <QThread>
#include <QThreadPool>

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

namespace Llamadesk
{
ImageEncodeOptions ImageEncodeOptions::from(const Settings &settings)
{
    ImageEncodeOptions options;
    options.maxEdge = settings.get(Keys::VisionMaxEdge);
    options.jpegQuality = settings.get(Keys::VisionJpegQuality);
    return options;
}
} // namespace Llamadesk

namespace Llamadesk::ImageAttachment
{
namespace
{
// A bad drop (a 2 GB TIFF, a decompression bomb) must not eat the machine's memory: files and
// pasted data over 64 MiB and pictures over 100 megapixels are refused before decoding.
constexpr qint64 MaxEncodedBytes = 64LL * 1024 * 1024;
constexpr qint64 MaxPixels = 100'000'000;
// QImageReader's own guard, in MiB: 100 megapixels at 4 bytes a pixel, and a little room.
constexpr int AllocationLimitMiB = 400;

// PNG's compression, on Qt 6's 0–100 scale (zlib level = compression * 9 / 91); -1: Qt's
// default, zlib level 6. bench_screenshot, 1536x864 from a 2560x1440 screen of text and a
// gradient: level 6 70 ms, level 1 36 ms, JPEG 4 ms. Level 1 would save a third of the total
// but makes PNGs of typical UI screenshots 15–40 % larger, which tips most of them into the
// (lossy, worse for small text) JPEG; with level 6 the whole path stays near 90 ms, well
// within the 150 ms budget, so the files are kept small instead.
constexpr int PngCompression = -1;

QString tr(const char *text)
{
    return QCoreApplication::translate("ImageAttachment", text);
}

QString shown(const QString &path)
{
    return QDir::toNativeSeparators(path);
}

QString megabytes(qint64 bytes)
{
    return QString::number(static_cast<double>(bytes) / (1024.0 * 1024.0), 'f', 1);
}

QString notReadable(const QString &subject)
{
    return tr("%1 is not a picture Llamadesk can read (PNG, JPEG, WebP, BMP, GIF).").arg(subject);
}

ImageResult failure(const QString &message, QSize originalSize = {})
{
    ImageResult result;
    result.error = message;
    result.originalSize = originalSize;
    return result;
}

// Smooth scaling works in RGB32 and premultiplied ARGB32; everything else (indexed GIFs,
// grayscale, 16-bit PNGs) is brought to one of them. The device pixel ratio is dropped: the
// model gets pixels, whatever the screen's scale factor.
QImage normalized(const QImage &image)
{
    QImage out = image.convertToFormat(image.hasAlphaChannel() ? QImage::Format_ARGB32_Premultiplied
                                                               : QImage::Format_RGB32);
    out.setDevicePixelRatio(1.0);
    return out;
}

bool hasTransparentPixel(const QImage &premultiplied)
{
    const int width = premultiplied.width();
    for (int y = 0; y < premultiplied.height(); ++y) {
        const auto *line = reinterpret_cast<const QRgb *>(premultiplied.constScanLine(y));
        for (int x = 0; x < width; ++x) {
            if (qAlpha(line[x]) != 255)
                return true;
        }
    }
    return false;
}

QByteArray encode(const QImage &image, const char *format, int quality, int compression)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, format);
    if (quality >= 0)
        writer.setQuality(quality);
    if (compression >= 0)
        writer.setCompression(compression);
    if (!writer.write(image))
        return {};
    buffer.close();
    return bytes;
}

QByteArray encodePng(const QImage &image)
{
    return encode(image, "png", -1, PngCompression);
}

QByteArray encodeJpeg(const QImage &opaque, int quality)
{
    return encode(opaque, "jpeg", quality, -1);
}

// The JPEG on a pool thread while the PNG is written on this one: with two cores the pair costs
// what the PNG alone costs. tryStart() either runs the job at once on a free thread or
// refuses, so waiting for it can never deadlock a pool whose threads all wait (encodeAsync
// runs this on the same pool); refused, the JPEG is written here afterwards.
std::pair<QByteArray, QByteArray> encodePngAndJpeg(const QImage &opaque, int quality)
{
    struct JpegJob
    {
        QByteArray bytes;
        QSemaphore done;
    };
    auto job = std::make_shared<JpegJob>();
    const bool concurrent = QThreadPool::globalInstance()->tryStart([job, opaque, quality] {
        job->bytes = encodeJpeg(opaque, quality);
        job->done.release();
    });
    QByteArray png = encodePng(opaque);
    QByteArray jpeg;
    if (concurrent) {
        job->done.acquire();
        jpeg = std::move(job->bytes);
    } else {
        jpeg = encodeJpeg(opaque, quality);
    }
    return {std::move(png), std::move(jpeg)};
}

// Reads what the reader points at, refusing pictures too large to hold, and encodes it.
ImageResult readAndEncode(QImageReader &reader, const QString &subject, const ImageEncodeOptions &options,
                          const QString &name)
{
    reader.setAutoTransform(true);
    reader.setAllocationLimit(AllocationLimitMiB);
    const QSize size = reader.size();
    if (size.isValid() && static_cast<qint64>(size.width()) * size.height() > MaxPixels) {
        return failure(tr("%1 is too large to send (%2 × %3 pixels; at most 100 megapixels).")
                           .arg(subject)
                           .arg(size.width())
                           .arg(size.height()),
                       size);
    }
    const QImage image = reader.read();
    if (image.isNull())
        return failure(notReadable(subject));
    return fromImage(image, options, name);
}
} // namespace

QSize scaledSize(QSize size, int maxEdge)
{
    if (!size.isValid() || size.isEmpty() || maxEdge <= 0)
        return size;
    const int longest = std::max(size.width(), size.height());
    if (longest <= maxEdge)
        return size;
    const double factor = static_cast<double>(maxEdge) / longest;
    const auto shorter = [factor](int edge) {
        return std::max(1, static_cast<int>(std::lround(edge * factor)));
    };
    return size.width() >= size.height() ? QSize(maxEdge, shorter(size.height()))
                                         : QSize(shorter(size.width()), maxEdge);
}

ImageResult fromImage(const QImage &image, const ImageEncodeOptions &options, const QString &name)
{
    if (image.isNull())
        return failure(tr("The picture is empty."));

    const QSize original = image.size(); // pixels, whatever the device pixel ratio
    const QSize target = scaledSize(original, options.maxEdge);
    QImage scaled = normalized(image);
    if (target != original)
        scaled = scaled.scaled(target, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);

    QByteArray bytes;
    QString mimeType;
    if (scaled.hasAlphaChannel() && hasTransparentPixel(scaled)) {
        // JPEG has no alpha: transparency would turn black.
        bytes = encodePng(scaled.convertToFormat(QImage::Format_ARGB32));
        mimeType = QStringLiteral("image/png");
    } else {
        const QImage opaque = scaled.convertToFormat(QImage::Format_RGB32);
        auto [png, jpeg] = encodePngAndJpeg(opaque, std::clamp(options.jpegQuality, 1, 100));
        const bool jpegSmaller = !jpeg.isEmpty() && (png.isEmpty() || jpeg.size() < png.size());
        bytes = jpegSmaller ? std::move(jpeg) : std::move(png);
        mimeType = jpegSmaller ? QStringLiteral("image/jpeg") : QStringLiteral("image/png");
    }
    if (bytes.isEmpty())
        return failure(tr("The picture could not be encoded."), original);

    ImageResult result;
    result.attachment =
        MessageAttachment::image(std::move(bytes), mimeType, scaled.width(), scaled.height(), name);
    result.originalSize = original;
    return result;
}

ImageResult fromData(const QByteArray &bytes, const ImageEncodeOptions &options, const QString &name)
{
    const QString subject = name.isEmpty() ? tr("The pasted or dropped data") : name;
    if (bytes.isEmpty())
        return failure(tr("%1 is empty.").arg(subject));
    if (bytes.size() > MaxEncodedBytes) {
        return failure(tr("%1 is too large to send (%2 MB; at most 64 MB).")
                           .arg(subject, megabytes(bytes.size())));
    }
    QBuffer buffer;
    buffer.setData(bytes);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer);
    return readAndEncode(reader, subject, options, name);
}

ImageResult fromFile(const QString &path, const ImageEncodeOptions &options)
{
    const QFileInfo info(path);
    const QString subject = shown(path);
    if (!info.exists())
        return failure(tr("The file %1 does not exist.").arg(subject));
    if (info.isDir())
        return failure(tr("%1 is a folder, not a picture.").arg(subject));
    if (!info.isReadable())
        return failure(tr("Llamadesk is not allowed to read %1.").arg(subject));
    if (info.size() == 0)
        return failure(tr("%1 is empty.").arg(subject));
    if (info.size() > MaxEncodedBytes) {
        return failure(tr("%1 is too large to send (%2 MB; at most 64 MB).")
                           .arg(subject, megabytes(info.size())));
    }
    // Where the suffix's handler cannot read the content, QImageReader asks the others: a
    // JPEG saved as .png is still read.
    QImageReader reader(path);
    return readAndEncode(reader, subject, options, info.fileName());
}

QImage decode(const MessageAttachment &attachment)
{
    if (!attachment.isImage() || attachment.data.isEmpty())
        return {};
    return QImage::fromData(attachment.data);
}

namespace
{
// Runs work on a worker thread (QThreadPool::globalInstance()) and hands its result to done on
// context's thread. The result is posted to a relay that lives on the context's thread and that
// only the posted call deletes, so the worker never touches an object that may be gone; whether
// the context still lives is asked there, on its own thread, where the answer cannot change
// under our feet.
void runAsync(std::function<ImageResult()> work, QObject *context, std::function<void(ImageResult)> done)
{
    if (!context || !done)
        return;
    auto *relay = new QObject;
    relay->moveToThread(context->thread());
    QPointer<QObject> guard(context);
    QThreadPool::globalInstance()->start([work = std::move(work), relay, guard = std::move(guard),
                                          done = std::move(done)]() mutable {
        ImageResult result = work();
        QMetaObject::invokeMethod(
            relay,
            [relay, guard = std::move(guard), done = std::move(done), result = std::move(result)]() mutable {
                if (guard)
                    done(std::move(result));
                relay->deleteLater();
            },
            Qt::QueuedConnection);
    });
}
} // namespace

void encodeAsync(const QImage &image, const ImageEncodeOptions &options, const QString &name,
                 QObject *context, std::function<void(ImageResult)> done)
{
    runAsync([image, options, name] { return fromImage(image, options, name); }, context, std::move(done));
}

void fromDataAsync(const QByteArray &bytes, const ImageEncodeOptions &options, const QString &name,
                   QObject *context, std::function<void(ImageResult)> done)
{
    runAsync([bytes, options, name] { return fromData(bytes, options, name); }, context, std::move(done));
}

void fromFileAsync(const QString &path, const ImageEncodeOptions &options, QObject *context,
                   std::function<void(ImageResult)> done)
{
    runAsync([path, options] { return fromFile(path, options); }, context, std::move(done));
}
} // namespace Llamadesk::ImageAttachment
