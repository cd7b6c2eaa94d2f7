// ImageAttachment: pictures as the model gets them. Runs under a QCoreApplication: QImage's
// scaling, encoding and decoding (and QPainter on a QImage, without text) need no
// QGuiApplication.
#include "image/imageattachment.h"
#include "testsupport.h"

#include <QBuffer>
#include <QFile>
#include <QImageWriter>
#include <QPainter>
#include <QPointer>
#include <QTemporaryDir>
#include <QThread>
#include <QThreadPool>
#include <QtEndian>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <optional>

using namespace Llamadesk;

namespace
{
const ImageEncodeOptions Defaults{1536, 85};

// Smooth gradients with per-pixel noise, like a camera photo: JPEG's home ground.
QImage photoLike(int width, int height, quint32 seed = 1)
{
    QImage image(width, height, QImage::Format_RGB32);
    quint32 state = seed;
    for (int y = 0; y < height; ++y) {
        auto *line = reinterpret_cast<QRgb *>(image.scanLine(y));
        for (int x = 0; x < width; ++x) {
            state = state * 1664525u + 1013904223u;
            const int noise = static_cast<int>((state >> 24) % 41) - 20;
            const auto channel = [noise](int value) { return std::clamp(value + noise, 0, 255); };
            line[x] = qRgb(channel(x * 255 / width), channel(y * 255 / height), channel(128 + (x - y) % 64));
        }
    }
    return image;
}

// Solid areas, thin lines and rows of glyph-sized marks, like a screenshot of an editor: PNG's.
QImage screenshotLike(int width, int height)
{
    QImage image(width, height, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.fillRect(0, 0, width, 40, QColor(0x30, 0x30, 0x38));
    painter.fillRect(0, 40, 220, height - 40, QColor(0xf0, 0xf0, 0xf4));
    painter.setPen(QColor(0xc8, 0xc8, 0xd0));
    painter.drawLine(220, 40, 220, height);
    for (int y = 60; y + 12 < height; y += 22) {
        int x = 240;
        for (int word = 0; x < width - 80; ++word) {
            const int length = 18 + (word * 37 + y) % 60;
            for (int glyph = 0; glyph < length; glyph += 8)
                painter.fillRect(x + glyph, y + (glyph % 3), 6, 11 - (glyph % 3), QColor(0x20, 0x20, 0x28));
            x += length + 10;
        }
    }
    painter.fillRect(width - 160, height - 60, 120, 32, QColor(0x25, 0x63, 0xeb));
    painter.end();
    return image;
}

QByteArray pngBytes(const QImage &image)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    EXPECT_TRUE(image.save(&buffer, "PNG"));
    return bytes;
}

QByteArray jpegBytes(const QImage &image, int quality = 95)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    EXPECT_TRUE(image.save(&buffer, "JPEG", quality));
    return bytes;
}

// Four quadrants: red, blue / green, white (top-left, top-right / bottom-left, bottom-right).
QImage quadrants(int width, int height)
{
    QImage image(width, height, QImage::Format_RGB32);
    QPainter painter(&image);
    painter.fillRect(0, 0, width / 2, height / 2, Qt::red);
    painter.fillRect(width / 2, 0, width - width / 2, height / 2, Qt::blue);
    painter.fillRect(0, height / 2, width / 2, height - height / 2, Qt::green);
    painter.fillRect(width / 2, height / 2, width - width / 2, height - height / 2, Qt::white);
    painter.end();
    return image;
}

::testing::AssertionResult near(QRgb actual, QColor expected, int tolerance)
{
    const int dr = std::abs(qRed(actual) - expected.red());
    const int dg = std::abs(qGreen(actual) - expected.green());
    const int db = std::abs(qBlue(actual) - expected.blue());
    if (dr <= tolerance && dg <= tolerance && db <= tolerance)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got " << QColor(actual).name().toStdString() << ", expected "
                                         << expected.name().toStdString() << " within " << tolerance;
}

// The colour at the middle of each quadrant, in the order of quadrants().
void expectQuadrants(const QImage &image, QColor topLeft, QColor topRight, QColor bottomLeft,
                     QColor bottomRight, int tolerance)
{
    const int w = image.width();
    const int h = image.height();
    EXPECT_TRUE(near(image.pixel(w / 4, h / 4), topLeft, tolerance)) << "top left";
    EXPECT_TRUE(near(image.pixel(3 * w / 4, h / 4), topRight, tolerance)) << "top right";
    EXPECT_TRUE(near(image.pixel(w / 4, 3 * h / 4), bottomLeft, tolerance)) << "bottom left";
    EXPECT_TRUE(near(image.pixel(3 * w / 4, 3 * h / 4), bottomRight, tolerance)) << "bottom right";
}

bool isPng(const QByteArray &bytes)
{
    return bytes.startsWith("\x89PNG\r\n\x1a\n");
}

bool isJpeg(const QByteArray &bytes)
{
    return bytes.startsWith("\xff\xd8\xff");
}

// A minimal APP1 segment: "Exif\0\0", a big-endian TIFF header and one IFD holding only
// Orientation (tag 0x0112, SHORT, 1 value).
QByteArray exifOrientationSegment(quint16 orientation)
{
    QByteArray tiff;
    tiff.append("MM\x00\x2a", 4);       // big endian, TIFF magic 42
    tiff.append("\x00\x00\x00\x08", 4); // the first IFD right after the header
    tiff.append("\x00\x01", 2);         // one entry
    tiff.append("\x01\x12\x00\x03", 4); // Orientation, SHORT
    tiff.append("\x00\x00\x00\x01", 4); // one value
    tiff.append(static_cast<char>(orientation >> 8));
    tiff.append(static_cast<char>(orientation & 0xff));
    tiff.append("\x00\x00", 2);         // padding of the 4-byte value field
    tiff.append("\x00\x00\x00\x00", 4); // no next IFD
    const QByteArray payload = QByteArray("Exif\x00\x00", 6) + tiff;
    const auto length = static_cast<quint16>(payload.size() + 2);
    QByteArray segment("\xff\xe1", 2);
    segment.append(static_cast<char>(length >> 8));
    segment.append(static_cast<char>(length & 0xff));
    return segment + payload;
}

QByteArray withExifOrientation(const QByteArray &jpeg, quint16 orientation)
{
    EXPECT_TRUE(isJpeg(jpeg));
    return jpeg.first(2) + exifOrientationSegment(orientation) + jpeg.sliced(2);
}

quint32 crc32(const QByteArray &bytes)
{
    quint32 crc = 0xffffffffu;
    for (const char byte : bytes) {
        crc ^= static_cast<quint8>(byte);
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

QByteArray pngChunk(const QByteArray &type, const QByteArray &data)
{
    char be[4];
    QByteArray chunk;
    qToBigEndian(static_cast<quint32>(data.size()), be);
    chunk.append(be, 4);
    chunk.append(type + data);
    qToBigEndian(crc32(type + data), be);
    chunk.append(be, 4);
    return chunk;
}

// A PNG whose valid IHDR announces width × height, followed by an empty IDAT: readers learn
// the size without any pixels behind it.
QByteArray pngHeaderOnly(quint32 width, quint32 height)
{
    char be[4];
    QByteArray header;
    qToBigEndian(width, be);
    header.append(be, 4);
    qToBigEndian(height, be);
    header.append(be, 4);
    header.append("\x08\x02\x00\x00\x00", 5); // 8-bit RGB, deflate, adaptive filters, no interlace
    return QByteArray("\x89PNG\r\n\x1a\n", 8) + pngChunk("IHDR", header) + pngChunk("IDAT", {})
        + pngChunk("IEND", {});
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

ImageResult sent(const QImage &image)
{
    ImageResult result = ImageAttachment::fromImage(image, Defaults, QStringLiteral("test"));
    EXPECT_TRUE(result) << result.error.toStdString();
    return result;
}
} // namespace

// --- Sizes ---------------------------------------------------------------------------------------

TEST(ImageAttachmentSize, LandscapeLongestEdgeBecomesMaxEdge)
{
    EXPECT_EQ(ImageAttachment::scaledSize(QSize(3000, 1000), 1536), QSize(1536, 512));
}

TEST(ImageAttachmentSize, PortraitLongestEdgeBecomesMaxEdge)
{
    EXPECT_EQ(ImageAttachment::scaledSize(QSize(1000, 3000), 1536), QSize(512, 1536));
}

TEST(ImageAttachmentSize, SmallImagesAreNeverUpscaled)
{
    EXPECT_EQ(ImageAttachment::scaledSize(QSize(800, 600), 1536), QSize(800, 600));
    EXPECT_EQ(ImageAttachment::scaledSize(QSize(1536, 1536), 1536), QSize(1536, 1536));
    EXPECT_EQ(ImageAttachment::scaledSize(QSize(1, 1), 1536), QSize(1, 1));
}

TEST(ImageAttachmentSize, ThinImagesKeepAtLeastOnePixel)
{
    EXPECT_EQ(ImageAttachment::scaledSize(QSize(1537, 1), 1536), QSize(1536, 1));
    EXPECT_EQ(ImageAttachment::scaledSize(QSize(10000, 2), 1536), QSize(1536, 1));
    EXPECT_EQ(ImageAttachment::scaledSize(QSize(3, 20000), 1536), QSize(1, 1536));
}

TEST(ImageAttachmentSize, InvalidSizesAndLimitsChangeNothing)
{
    EXPECT_EQ(ImageAttachment::scaledSize(QSize(3000, 1000), 0), QSize(3000, 1000));
    EXPECT_EQ(ImageAttachment::scaledSize(QSize(3000, 1000), -5), QSize(3000, 1000));
    EXPECT_EQ(ImageAttachment::scaledSize(QSize(), 1536), QSize());
}

TEST(ImageAttachmentSize, AspectRatioIsKeptWithinRounding)
{
    const QList<QSize> sizes{{2560, 1440}, {1920, 1080}, {4032, 3024},
                             {3024, 4032}, {5000, 1234}, {1777, 1001}};
    for (const QSize size : sizes) {
        for (const int maxEdge : {512, 1024, 1536}) {
            const QSize scaled = ImageAttachment::scaledSize(size, maxEdge);
            EXPECT_EQ(std::max(scaled.width(), scaled.height()), maxEdge);
            // The shorter edge is the exact one rounded: within half a pixel.
            if (size.width() >= size.height())
                EXPECT_NEAR(scaled.height(), static_cast<double>(size.height()) * maxEdge / size.width(),
                            0.5);
            else
                EXPECT_NEAR(scaled.width(), static_cast<double>(size.width()) * maxEdge / size.height(), 0.5);
        }
    }
}

TEST(ImageAttachment, FromImageSendsTheScaledSizeAndRemembersTheOriginal)
{
    const ImageResult result = sent(photoLike(3000, 1000));
    ASSERT_TRUE(result);
    EXPECT_EQ(result.attachment->width, 1536);
    EXPECT_EQ(result.attachment->height, 512);
    EXPECT_EQ(result.originalSize, QSize(3000, 1000));
    EXPECT_EQ(result.attachment->name, QStringLiteral("test"));
    EXPECT_TRUE(result.attachment->isImage());
    EXPECT_EQ(ImageAttachment::decode(*result.attachment).size(), QSize(1536, 512));
}

TEST(ImageAttachment, SmallPicturesAreSentAtTheirOwnSize)
{
    const ImageResult result = sent(photoLike(300, 200));
    ASSERT_TRUE(result);
    EXPECT_EQ(QSize(result.attachment->width, result.attachment->height), QSize(300, 200));
    EXPECT_EQ(ImageAttachment::decode(*result.attachment).size(), QSize(300, 200));
}

TEST(ImageAttachment, DevicePixelRatioDoesNotChangeThePixelSize)
{
    QImage hiDpi = photoLike(3000, 1000);
    hiDpi.setDevicePixelRatio(2.0);
    const ImageResult result = sent(hiDpi);
    ASSERT_TRUE(result);
    EXPECT_EQ(QSize(result.attachment->width, result.attachment->height), QSize(1536, 512));
    EXPECT_EQ(result.originalSize, QSize(3000, 1000));

    QImage small = photoLike(1000, 500);
    small.setDevicePixelRatio(2.0);
    const ImageResult unscaled = sent(small);
    ASSERT_TRUE(unscaled);
    EXPECT_EQ(ImageAttachment::decode(*unscaled.attachment).size(), QSize(1000, 500));
}

TEST(ImageAttachment, EmptyImageIsRefused)
{
    const ImageResult result = ImageAttachment::fromImage(QImage(), Defaults);
    EXPECT_FALSE(result);
    EXPECT_EQ(result.error, QStringLiteral("The picture is empty."));
}

// --- The format ----------------------------------------------------------------------------------

TEST(ImageAttachmentFormat, PhotoLikePicturesAreSentAsTheSmallerJpeg)
{
    const QImage photo = photoLike(2000, 1500);
    const ImageResult result = sent(photo);
    ASSERT_TRUE(result);
    EXPECT_EQ(result.attachment->mimeType, QStringLiteral("image/jpeg"));
    EXPECT_TRUE(isJpeg(result.attachment->data));
    const QByteArray png =
        pngBytes(photo.scaled(1536, 1152, Qt::IgnoreAspectRatio, Qt::SmoothTransformation));
    EXPECT_LT(result.attachment->data.size(), png.size() / 2);
}

TEST(ImageAttachmentFormat, JpegQualityIsApplied)
{
    const QImage photo = photoLike(800, 600);
    const ImageResult low = ImageAttachment::fromImage(photo, {1536, 30});
    const ImageResult high = ImageAttachment::fromImage(photo, {1536, 95});
    ASSERT_TRUE(low && high);
    ASSERT_EQ(low.attachment->mimeType, QStringLiteral("image/jpeg"));
    ASSERT_EQ(high.attachment->mimeType, QStringLiteral("image/jpeg"));
    EXPECT_LT(low.attachment->data.size(), high.attachment->data.size());
    // Out of range is clamped, not refused.
    EXPECT_TRUE(ImageAttachment::fromImage(photo, {1536, 0}));
    EXPECT_TRUE(ImageAttachment::fromImage(photo, {1536, 500}));
}

TEST(ImageAttachmentFormat, ScreenshotLikePicturesAreSentAsPng)
{
    const QImage screen = screenshotLike(2560, 1440);
    const ImageResult result = sent(screen);
    ASSERT_TRUE(result);
    EXPECT_EQ(result.attachment->mimeType, QStringLiteral("image/png"));
    EXPECT_TRUE(isPng(result.attachment->data));
    EXPECT_EQ(QSize(result.attachment->width, result.attachment->height), QSize(1536, 864));
    // The other candidate really was bigger.
    const QImage scaled = screen.scaled(1536, 864, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    EXPECT_LT(result.attachment->data.size(), jpegBytes(scaled, 85).size());
}

TEST(ImageAttachmentFormat, TransparencyIsKeptAsPngEvenForPhotos)
{
    QImage image = photoLike(600, 400).convertToFormat(QImage::Format_ARGB32);
    QPainter painter(&image);
    painter.setCompositionMode(QPainter::CompositionMode_Source);
    painter.fillRect(0, 0, 300, 400, Qt::transparent);
    painter.end();
    const ImageResult result = sent(image);
    ASSERT_TRUE(result);
    EXPECT_EQ(result.attachment->mimeType, QStringLiteral("image/png"));
    const QImage back = ImageAttachment::decode(*result.attachment);
    ASSERT_TRUE(back.hasAlphaChannel());
    EXPECT_EQ(qAlpha(back.pixel(100, 200)), 0);
    EXPECT_EQ(qAlpha(back.pixel(500, 200)), 255);
}

TEST(ImageAttachmentFormat, AnAlphaChannelWithoutTransparentPixelsMayStillBeJpeg)
{
    const QImage opaqueWithAlpha = photoLike(800, 600).convertToFormat(QImage::Format_ARGB32);
    const ImageResult result = sent(opaqueWithAlpha);
    ASSERT_TRUE(result);
    EXPECT_EQ(result.attachment->mimeType, QStringLiteral("image/jpeg"));
}

TEST(ImageAttachmentFormat, IndexedAndGrayscalePicturesAreEncoded)
{
    QImage gray(2000, 1000, QImage::Format_Grayscale8);
    gray.fill(90);
    const ImageResult fromGray = sent(gray);
    ASSERT_TRUE(fromGray);
    EXPECT_EQ(QSize(fromGray.attachment->width, fromGray.attachment->height), QSize(1536, 768));

    const QImage indexed = quadrants(400, 300).convertToFormat(QImage::Format_Indexed8);
    const ImageResult fromIndexed = sent(indexed);
    ASSERT_TRUE(fromIndexed);
    expectQuadrants(ImageAttachment::decode(*fromIndexed.attachment), Qt::red, Qt::blue, Qt::green, Qt::white,
                    0);
}

// --- What is sent --------------------------------------------------------------------------------

TEST(ImageAttachmentDataUrl, PngDataUrlDecodesToTheSentPicture)
{
    const ImageResult result = sent(screenshotLike(1600, 900));
    ASSERT_TRUE(result);
    const QString url = result.attachment->dataUrl();
    const QString prefix = QStringLiteral("data:image/png;base64,");
    ASSERT_TRUE(url.startsWith(prefix)) << url.left(40).toStdString();
    const QByteArray bytes = QByteArray::fromBase64(url.sliced(prefix.size()).toLatin1());
    EXPECT_TRUE(isPng(bytes));
    EXPECT_EQ(QImage::fromData(bytes).size(), QSize(result.attachment->width, result.attachment->height));
    EXPECT_EQ(QImage::fromData(bytes).size(), QSize(1536, 864));
}

TEST(ImageAttachmentDataUrl, JpegDataUrlDecodesToTheSentPicture)
{
    const ImageResult result = sent(photoLike(1600, 1200));
    ASSERT_TRUE(result);
    const QString url = result.attachment->dataUrl();
    const QString prefix = QStringLiteral("data:image/jpeg;base64,");
    ASSERT_TRUE(url.startsWith(prefix)) << url.left(40).toStdString();
    const QByteArray bytes = QByteArray::fromBase64(url.sliced(prefix.size()).toLatin1());
    EXPECT_TRUE(isJpeg(bytes));
    EXPECT_EQ(QImage::fromData(bytes).size(), QSize(1536, 1152));
}

TEST(ImageAttachmentPixels, FlatQuadrantsSurviveTheDownscaleExactly)
{
    const ImageResult result = sent(quadrants(3000, 2000));
    ASSERT_TRUE(result);
    EXPECT_EQ(result.attachment->mimeType, QStringLiteral("image/png"));
    const QImage back = ImageAttachment::decode(*result.attachment);
    ASSERT_EQ(back.size(), QSize(1536, 1024));
    expectQuadrants(back, Qt::red, Qt::blue, Qt::green, Qt::white, 0);
}

TEST(ImageAttachmentPixels, NoisyQuadrantsSurviveAsJpegWithinTolerance)
{
    // Quadrants under photo noise, so that JPEG wins: colours stay right within JPEG's loss.
    QImage image = quadrants(3000, 2000);
    const QImage noise = photoLike(3000, 2000, 7);
    for (int y = 0; y < image.height(); ++y) {
        auto *line = reinterpret_cast<QRgb *>(image.scanLine(y));
        const auto *noiseLine = reinterpret_cast<const QRgb *>(noise.constScanLine(y));
        for (int x = 0; x < image.width(); ++x) {
            const int n = (qGreen(noiseLine[x]) & 0x1f) - 16;
            const auto c = [n](int v) { return std::clamp(v + n, 0, 255); };
            line[x] = qRgb(c(qRed(line[x])), c(qGreen(line[x])), c(qBlue(line[x])));
        }
    }
    const ImageResult result = sent(image);
    ASSERT_TRUE(result);
    EXPECT_EQ(result.attachment->mimeType, QStringLiteral("image/jpeg"));
    const QImage back = ImageAttachment::decode(*result.attachment);
    ASSERT_EQ(back.size(), QSize(1536, 1024));
    expectQuadrants(back, Qt::red, Qt::blue, Qt::green, Qt::white, 40);
}

// --- Files and data ------------------------------------------------------------------------------

class ImageAttachmentFiles : public ::testing::Test
{
protected:
    void SetUp() override { ASSERT_TRUE(m_dir.isValid()); }
    QString path(const QString &name) const { return m_dir.filePath(name); }
    QTemporaryDir m_dir;
};

TEST_F(ImageAttachmentFiles, FromFileReadsAPictureAndNamesIt)
{
    const QString file = path(QStringLiteral("holiday.png"));
    ASSERT_TRUE(quadrants(2000, 1000).save(file));
    const ImageResult result = ImageAttachment::fromFile(file, Defaults);
    ASSERT_TRUE(result) << result.error.toStdString();
    EXPECT_EQ(result.attachment->name, QStringLiteral("holiday.png"));
    EXPECT_EQ(result.originalSize, QSize(2000, 1000));
    EXPECT_EQ(QSize(result.attachment->width, result.attachment->height), QSize(1536, 768));
}

// Phones and browsers save WebP; the server reads it, and so must we (qt6-image-formats-plugins,
// installed by scripts/setup-deps.sh). What goes out is PNG or JPEG either way.
TEST_F(ImageAttachmentFiles, WebPFilesAreReadAndSentAsPngOrJpeg)
{
    const QString file = path(QStringLiteral("photo.webp"));
    ASSERT_TRUE(quadrants(400, 200).save(file, "WEBP", 100)) << "the WebP plugin is missing";
    const ImageResult result = ImageAttachment::fromFile(file, Defaults);
    ASSERT_TRUE(result) << result.error.toStdString();
    EXPECT_EQ(QSize(result.attachment->width, result.attachment->height), QSize(400, 200));
    EXPECT_TRUE(isPng(result.attachment->data) || isJpeg(result.attachment->data));
    expectQuadrants(ImageAttachment::decode(*result.attachment), Qt::red, Qt::blue, Qt::green, Qt::white, 40);
}

TEST_F(ImageAttachmentFiles, APictureIsReadByItsContentNotItsSuffix)
{
    const QString file = path(QStringLiteral("really-a-jpeg.png"));
    ASSERT_TRUE(writeFile(file, jpegBytes(quadrants(300, 200))));
    const ImageResult result = ImageAttachment::fromFile(file, Defaults);
    ASSERT_TRUE(result) << result.error.toStdString();
    expectQuadrants(ImageAttachment::decode(*result.attachment), Qt::red, Qt::blue, Qt::green, Qt::white, 40);
}

TEST_F(ImageAttachmentFiles, ExifOrientationIsAppliedToFiles)
{
    // 300 × 200 quadrants tagged "rotate 90° clockwise to display" (Orientation 6).
    const QByteArray jpeg = withExifOrientation(jpegBytes(quadrants(300, 200)), 6);
    const QString file = path(QStringLiteral("rotated.jpg"));
    ASSERT_TRUE(writeFile(file, jpeg));
    const ImageResult result = ImageAttachment::fromFile(file, Defaults);
    ASSERT_TRUE(result) << result.error.toStdString();
    EXPECT_EQ(QSize(result.attachment->width, result.attachment->height), QSize(200, 300));
    EXPECT_EQ(result.originalSize, QSize(200, 300));
    const QImage back = ImageAttachment::decode(*result.attachment);
    ASSERT_EQ(back.size(), QSize(200, 300));
    // Turned clockwise: the top-left red is now top right, the bottom-left green top left.
    expectQuadrants(back, Qt::green, Qt::red, Qt::white, Qt::blue, 40);
}

TEST_F(ImageAttachmentFiles, ExifOrientationIsAppliedToData)
{
    const QByteArray jpeg = withExifOrientation(jpegBytes(quadrants(300, 200)), 6);
    const ImageResult result = ImageAttachment::fromData(jpeg, Defaults, QStringLiteral("pasted.jpg"));
    ASSERT_TRUE(result) << result.error.toStdString();
    EXPECT_EQ(QSize(result.attachment->width, result.attachment->height), QSize(200, 300));
    expectQuadrants(ImageAttachment::decode(*result.attachment), Qt::green, Qt::red, Qt::white, Qt::blue, 40);
}

TEST_F(ImageAttachmentFiles, MissingFileIsNamed)
{
    const QString file = path(QStringLiteral("nowhere.png"));
    const ImageResult result = ImageAttachment::fromFile(file, Defaults);
    EXPECT_FALSE(result);
    EXPECT_TRUE(result.error.contains(file)) << result.error.toStdString();
    EXPECT_TRUE(result.error.contains(QStringLiteral("does not exist"))) << result.error.toStdString();
}

TEST_F(ImageAttachmentFiles, TextFileNamedPngIsRefusedByName)
{
    const QString file = path(QStringLiteral("notes.png"));
    ASSERT_TRUE(writeFile(file, "These are notes, not a picture.\n"));
    const ImageResult result = ImageAttachment::fromFile(file, Defaults);
    EXPECT_FALSE(result);
    EXPECT_EQ(result.error,
              file + QStringLiteral(" is not a picture Llamadesk can read (PNG, JPEG, WebP, BMP, GIF)."));
}

TEST_F(ImageAttachmentFiles, EmptyFileIsRefusedByName)
{
    const QString file = path(QStringLiteral("empty.jpg"));
    ASSERT_TRUE(writeFile(file, {}));
    const ImageResult result = ImageAttachment::fromFile(file, Defaults);
    EXPECT_FALSE(result);
    EXPECT_EQ(result.error, file + QStringLiteral(" is empty."));
}

TEST_F(ImageAttachmentFiles, AFolderIsRefusedByName)
{
    const ImageResult result = ImageAttachment::fromFile(m_dir.path(), Defaults);
    EXPECT_FALSE(result);
    EXPECT_TRUE(result.error.contains(m_dir.path())) << result.error.toStdString();
}

TEST_F(ImageAttachmentFiles, FilesOver64MiBAreRefusedUnread)
{
    const QString file = path(QStringLiteral("huge.png"));
    {
        QFile huge(file);
        ASSERT_TRUE(huge.open(QIODevice::WriteOnly));
        ASSERT_TRUE(huge.write(pngBytes(quadrants(10, 10))) > 0);
        ASSERT_TRUE(huge.resize(65LL * 1024 * 1024)); // sparse: costs no disk
    }
    const ImageResult result = ImageAttachment::fromFile(file, Defaults);
    EXPECT_FALSE(result);
    EXPECT_TRUE(result.error.contains(file)) << result.error.toStdString();
    EXPECT_TRUE(result.error.contains(QStringLiteral("too large"))) << result.error.toStdString();
}

TEST_F(ImageAttachmentFiles, PicturesOver100MegapixelsAreRefusedBeforeDecoding)
{
    const QString file = path(QStringLiteral("bomb.png"));
    ASSERT_TRUE(writeFile(file, pngHeaderOnly(20000, 10000)));
    const ImageResult result = ImageAttachment::fromFile(file, Defaults);
    EXPECT_FALSE(result);
    EXPECT_TRUE(result.error.contains(file)) << result.error.toStdString();
    EXPECT_TRUE(result.error.contains(QStringLiteral("100 megapixels"))) << result.error.toStdString();
    EXPECT_EQ(result.originalSize, QSize(20000, 10000));

    const ImageResult fromData = ImageAttachment::fromData(pngHeaderOnly(20000, 10000), Defaults);
    EXPECT_FALSE(fromData);
    EXPECT_TRUE(fromData.error.contains(QStringLiteral("100 megapixels"))) << fromData.error.toStdString();
}

TEST(ImageAttachmentData, FromDataReadsEncodedBytes)
{
    const ImageResult result =
        ImageAttachment::fromData(pngBytes(quadrants(400, 300)), Defaults, QStringLiteral("clip.png"));
    ASSERT_TRUE(result) << result.error.toStdString();
    EXPECT_EQ(result.attachment->name, QStringLiteral("clip.png"));
    expectQuadrants(ImageAttachment::decode(*result.attachment), Qt::red, Qt::blue, Qt::green, Qt::white, 0);
}

TEST(ImageAttachmentData, UnreadableDataIsRefusedNamingIt)
{
    const ImageResult named = ImageAttachment::fromData("plain text", Defaults, QStringLiteral("notes.txt"));
    EXPECT_FALSE(named);
    EXPECT_EQ(named.error,
              QStringLiteral("notes.txt is not a picture Llamadesk can read (PNG, JPEG, WebP, BMP, GIF)."));

    const ImageResult unnamed = ImageAttachment::fromData("plain text", Defaults);
    EXPECT_FALSE(unnamed);
    EXPECT_TRUE(unnamed.error.endsWith(
        QStringLiteral("is not a picture Llamadesk can read (PNG, JPEG, WebP, BMP, GIF).")))
        << unnamed.error.toStdString();

    EXPECT_FALSE(ImageAttachment::fromData({}, Defaults));
}

TEST(ImageAttachmentDecode, AudioAttachmentsAreNotPictures)
{
    const MessageAttachment audio = MessageAttachment::audio(QByteArray("RIFF....WAVE"), 1.0);
    EXPECT_TRUE(ImageAttachment::decode(audio).isNull());
    // The same bytes as an image would be tried, and fail for what they are.
    const MessageAttachment picture =
        MessageAttachment::image(pngBytes(quadrants(4, 4)), QStringLiteral("image/png"), 4, 4);
    EXPECT_EQ(ImageAttachment::decode(picture).size(), QSize(4, 4));
}

// --- Off the calling thread ----------------------------------------------------------------------

TEST(ImageAttachmentAsync, DeliversOnTheContextsThread)
{
    QObject context;
    std::optional<ImageResult> delivered;
    QThread *deliveredOn = nullptr;
    ImageAttachment::encodeAsync(photoLike(3000, 1000), Defaults, QStringLiteral("Screenshot"), &context,
                                 [&](ImageResult result) {
                                     deliveredOn = QThread::currentThread();
                                     delivered = std::move(result);
                                 });
    // Never synchronously: the caller gets to return to its event loop first.
    EXPECT_FALSE(delivered.has_value());
    ASSERT_TRUE(TestSupport::waitUntil([&] { return delivered.has_value(); }, std::chrono::seconds(20)));
    EXPECT_EQ(deliveredOn, context.thread());
    EXPECT_EQ(deliveredOn, QThread::currentThread());
    ASSERT_TRUE(*delivered);
    EXPECT_EQ(delivered->attachment->name, QStringLiteral("Screenshot"));
    EXPECT_EQ(QSize(delivered->attachment->width, delivered->attachment->height), QSize(1536, 512));
}

TEST(ImageAttachmentAsync, FilesAreReadOffTheCallersThreadAndDeliveredOnIt)
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("wide.png"));
    ASSERT_TRUE(quadrants(3000, 1000).save(file));
    QObject context;
    std::optional<ImageResult> delivered;
    std::optional<ImageResult> missing;
    ImageAttachment::fromFileAsync(file, Defaults, &context, [&](ImageResult result) { delivered = std::move(result); });
    ImageAttachment::fromFileAsync(dir.filePath(QStringLiteral("gone.png")), Defaults, &context,
                                   [&](ImageResult result) { missing = std::move(result); });
    EXPECT_FALSE(delivered.has_value());
    ASSERT_TRUE(TestSupport::waitUntil([&] { return delivered.has_value() && missing.has_value(); },
                                       std::chrono::seconds(20)));
    ASSERT_TRUE(*delivered) << delivered->error.toStdString();
    EXPECT_EQ(delivered->attachment->name, QStringLiteral("wide.png"));
    EXPECT_EQ(QSize(delivered->attachment->width, delivered->attachment->height), QSize(1536, 512));
    EXPECT_FALSE(*missing);
    EXPECT_TRUE(missing->error.contains(u"gone.png")) << missing->error.toStdString();
}

// What a paste hands over: encoded bytes, decoded (or refused for their size) on a worker.
TEST(ImageAttachmentAsync, PastedBytesAreDecodedOrRefusedOffTheCallersThread)
{
    QByteArray png;
    QBuffer buffer(&png);
    ASSERT_TRUE(buffer.open(QIODevice::WriteOnly));
    ASSERT_TRUE(quadrants(3000, 1000).save(&buffer, "PNG"));
    QObject context;
    std::optional<ImageResult> delivered;
    std::optional<ImageResult> bomb;
    ImageAttachment::fromDataAsync(png, Defaults, QStringLiteral("Pasted image"), &context,
                                   [&](ImageResult result) { delivered = std::move(result); });
    ImageAttachment::fromDataAsync(pngHeaderOnly(20000, 10000), Defaults, QStringLiteral("Pasted image"), &context,
                                   [&](ImageResult result) { bomb = std::move(result); });
    EXPECT_FALSE(delivered.has_value()) << "delivered inside the call: decoded on the caller's thread";
    EXPECT_FALSE(bomb.has_value());
    ASSERT_TRUE(TestSupport::waitUntil([&] { return delivered.has_value() && bomb.has_value(); },
                                       std::chrono::seconds(20)));
    ASSERT_TRUE(*delivered) << delivered->error.toStdString();
    EXPECT_EQ(QSize(delivered->attachment->width, delivered->attachment->height), QSize(1536, 512));
    EXPECT_FALSE(*bomb);
    EXPECT_TRUE(bomb->error.contains(QStringLiteral("100 megapixels"))) << bomb->error.toStdString();
}

TEST(ImageAttachmentAsync, DeliversToAContextOnAnotherThread)
{
    QThread thread;
    thread.start();
    auto *context = new QObject;
    context->moveToThread(&thread);
    std::atomic<QThread *> deliveredOn = nullptr;
    ImageAttachment::encodeAsync(photoLike(500, 400), Defaults, {}, context,
                                 [&](const ImageResult &) { deliveredOn = QThread::currentThread(); });
    EXPECT_TRUE(
        TestSupport::waitUntil([&] { return deliveredOn.load() != nullptr; }, std::chrono::seconds(20)));
    EXPECT_EQ(deliveredOn.load(), &thread);
    QMetaObject::invokeMethod(
        context, [context] { delete context; }, Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
}

TEST(ImageAttachmentAsync, NothingRunsWhenTheContextIsGoneFirst)
{
    bool calledForGone = false;
    {
        QObject gone;
        ImageAttachment::encodeAsync(photoLike(3000, 2000), Defaults, {}, &gone,
                                     [&](const ImageResult &) { calledForGone = true; });
    }
    // Its job has posted its result by now; a later job's result arrives after it.
    QThreadPool::globalInstance()->waitForDone();
    QObject alive;
    bool calledForAlive = false;
    ImageAttachment::encodeAsync(photoLike(100, 100), Defaults, {}, &alive,
                                 [&](const ImageResult &) { calledForAlive = true; });
    ASSERT_TRUE(TestSupport::waitUntil([&] { return calledForAlive; }, std::chrono::seconds(20)));
    EXPECT_FALSE(calledForGone);
}
