#pragma once

#include <QPlainTextEdit>
#include <QStringList>

class QImage;
class QMimeData;

namespace Llamadesk
{
// The composer's text field. Pasting or dropping a picture (image data, or local image files)
// does not insert text: the field hands it on as a signal, and the composer decides whether
// images are taken. Anything else pastes as plain text, as in any QPlainTextEdit.
class ComposerEdit final : public QPlainTextEdit
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ComposerEdit)

public:
    // What a paste or a drop carries, as far as images are concerned.
    enum class Offer {
        None,       // text or nothing: the normal behaviour
        Image,      // image data (a screenshot tool, "Copy image" in a browser)
        ImageFiles, // local files with an image suffix (a file manager)
        OtherFiles, // local files, none of them an image: refused
    };
    static Offer classify(const QMimeData *mime);
    // The encoded picture (PNG, JPEG, WebP, GIF, BMP) another program put on the clipboard or in
    // a drag, as raw bytes: decoding it is left to a worker thread. Empty when the data holds no
    // encoded picture (an image of this process, which is already decoded).
    static QByteArray encodedImage(const QMimeData *mime);
    // The local image files among the mime data's URLs, in order.
    static QStringList imageFiles(const QMimeData *mime);
    static bool isImageFile(const QString &path);
    // The suffixes taken: png jpg jpeg webp bmp gif.
    static const QStringList &imageSuffixes();

    explicit ComposerEdit(QWidget *parent = nullptr);

Q_SIGNALS:
    void imagePasted(const QImage &image);
    void imageDataPasted(const QByteArray &encoded);
    void imageFilesOffered(const QStringList &paths);

protected:
    bool canInsertFromMimeData(const QMimeData *source) const override;
    void insertFromMimeData(const QMimeData *source) override;
};
} // namespace Llamadesk
