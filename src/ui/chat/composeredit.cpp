#include "ui/chat/composeredit.h"

#include <QFileInfo>
#include <QImage>
#include <QMimeData>
#include <QUrl>

#include <algorithm>

namespace Llamadesk
{
namespace
{
bool looksLikeUrl(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.contains(u'\n') || trimmed.contains(u' '))
        return false;
    return trimmed.startsWith(u"http://") || trimmed.startsWith(u"https://") || trimmed.startsWith(u"file://")
           || trimmed.startsWith(u"data:");
}
// The picture formats taken as raw bytes, in order of preference.
const QStringList &encodedImageFormats()
{
    static const QStringList Formats{QStringLiteral("image/png"), QStringLiteral("image/jpeg"),
                                     QStringLiteral("image/webp"), QStringLiteral("image/gif"),
                                     QStringLiteral("image/bmp")};
    return Formats;
}

bool hasEncodedImage(const QMimeData *mime)
{
    const QStringList &formats = encodedImageFormats();
    return std::any_of(formats.cbegin(), formats.cend(), [mime](const QString &format) { return mime->hasFormat(format); });
}
} // namespace

const QStringList &ComposerEdit::imageSuffixes()
{
    static const QStringList suffixes{QStringLiteral("png"),  QStringLiteral("jpg"), QStringLiteral("jpeg"),
                                      QStringLiteral("webp"), QStringLiteral("bmp"), QStringLiteral("gif")};
    return suffixes;
}

bool ComposerEdit::isImageFile(const QString &path)
{
    return imageSuffixes().contains(QFileInfo(path).suffix(), Qt::CaseInsensitive);
}

QStringList ComposerEdit::imageFiles(const QMimeData *mime)
{
    QStringList paths;
    if (!mime || !mime->hasUrls())
        return paths;
    const QList<QUrl> urls = mime->urls();
    for (const QUrl &url : urls) {
        if (url.isLocalFile() && isImageFile(url.toLocalFile()))
            paths.append(url.toLocalFile());
    }
    return paths;
}

ComposerEdit::Offer ComposerEdit::classify(const QMimeData *mime)
{
    if (!mime)
        return Offer::None;
    if (mime->hasUrls()) {
        if (!imageFiles(mime).isEmpty())
            return Offer::ImageFiles;
        const QList<QUrl> urls = mime->urls();
        if (std::all_of(urls.cbegin(), urls.cend(), [](const QUrl &url) { return url.isLocalFile(); }))
            return Offer::OtherFiles;
    }
    if (mime->hasImage() || hasEncodedImage(mime)) {
        // Office programs put a picture of the copied cells or text beside the text itself:
        // the text is what was meant. A browser's "Copy image" gives at most the image's
        // address as text.
        if (mime->hasText() && !mime->text().trimmed().isEmpty() && !looksLikeUrl(mime->text()))
            return Offer::None;
        return Offer::Image;
    }
    return Offer::None;
}

QByteArray ComposerEdit::encodedImage(const QMimeData *mime)
{
    const QStringList offered = mime->formats();
    for (const QString &format : encodedImageFormats()) {
        if (!offered.contains(format))
            continue;
        QByteArray bytes = mime->data(format);
        if (!bytes.isEmpty())
            return bytes;
    }
    return {};
}

ComposerEdit::ComposerEdit(QWidget *parent)
    : QPlainTextEdit(parent)
{
}

bool ComposerEdit::canInsertFromMimeData(const QMimeData *source) const
{
    switch (classify(source)) {
    case Offer::Image:
    case Offer::ImageFiles:
        return true;
    case Offer::OtherFiles:
        return false;
    case Offer::None:
        break;
    }
    return QPlainTextEdit::canInsertFromMimeData(source);
}

void ComposerEdit::insertFromMimeData(const QMimeData *source)
{
    switch (classify(source)) {
    case Offer::Image:
        // QMimeData::imageData() would decode a foreign picture here, on the GUI thread, however
        // many pixels it claims: its bytes go to a worker instead.
        if (QByteArray encoded = encodedImage(source); !encoded.isEmpty())
            Q_EMIT imageDataPasted(encoded);
        else
            Q_EMIT imagePasted(qvariant_cast<QImage>(source->imageData()));
        return;
    case Offer::ImageFiles:
        Q_EMIT imageFilesOffered(imageFiles(source));
        return;
    case Offer::OtherFiles:
        // Pasted (not dropped) file names are text like any other.
        break;
    case Offer::None:
        break;
    }
    QPlainTextEdit::insertFromMimeData(source);
}
} // namespace Llamadesk
