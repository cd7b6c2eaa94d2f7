#pragma once

#include "core/chat/messageattachment.h"
#include "ui/screenshotmode.h"

#include <QList>
#include <QPointer>
#include <QStringList>
#include <QWidget>

class QDragEnterEvent;
class QDragMoveEvent;
class QDropEvent;
class QFileDialog;
class QImage;
class QLabel;
class QMimeData;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QToolButton;

namespace Llamadesk
{
class AttachmentStrip;
class ComposerEdit;

// Where the user writes. Enter sends, Shift+Enter starts a new line. While an answer is being
// written the Send button becomes Stop (Escape too). Below it a thin meter shows how much of
// the model's context the conversation uses.
//
// Images go with the next message: the screenshot button, the attach button (a file dialog),
// a paste or a drop. The composer does not encode anything: it offers what it got
// (imagePasted, imageFilesOffered, screenshotRequested) and whoever owns it encodes the images
// and hands them back with addAttachment(); they wait in the strip above the field.
class Composer final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Composer)

public:
    // The field grows with its text up to this many lines, then scrolls.
    static constexpr int MaxLines = 8;

    explicit Composer(QWidget *parent = nullptr);

    // Busy: an answer is streaming; the button stops it and Enter does not send.
    void setBusy(bool busy);
    bool isBusy() const;
    // Disabled: the reason goes in the field's placeholder and the button's tooltip. What the
    // user has typed stays.
    void setSendEnabled(bool enabled, const QString &reasonWhenDisabled = {});
    bool isSendEnabled() const;
    // "1,234 / 4,096 tokens"; contextTokens 0 hides the meter.
    void setContextUsage(int usedTokens, int contextTokens);
    QString contextText() const;
    // For edit-and-resend: replaces the text, cursor at the end, focus in the field.
    void setText(const QString &text);
    QString text() const;
    QPlainTextEdit *editor() const;

    // The images waiting to be sent with the next message (images only; others are ignored).
    void addAttachment(const MessageAttachment &attachment);
    QList<MessageAttachment> attachments() const;
    // Replaces them all, e.g. to put them back after a send that failed.
    void setAttachments(const QList<MessageAttachment> &attachments);
    void clearAttachments();

    // Disabled: the screenshot and attach buttons are disabled with the reason as their tooltip,
    // and a pasted or dropped image is not taken: imageRejected(reason) instead.
    void setImageInputEnabled(bool enabled, const QString &reasonWhenDisabled = {});
    bool isImageInputEnabled() const;

    // Drops elsewhere (the conversation) handed over: whether a drag carries pictures, and taking
    // them (imageFilesOffered / imagePasted, or imageRejected while images are disabled).
    bool acceptsDrag(const QMimeData *mime) const;
    bool takeDrop(const QMimeData *mime);

    QToolButton *screenshotButton() const;
    QToolButton *attachButton() const;
    AttachmentStrip *attachmentStrip() const;

Q_SIGNALS:
    // text is trimmed; it is empty only when there are attachments. The field and the
    // attachments are cleared before this is emitted, so a receiver can put them back.
    void sendRequested(const QString &text, const QList<Llamadesk::MessageAttachment> &attachments);
    void stopRequested();
    // An attachment was added or removed (or all were replaced or cleared).
    void attachmentsChanged();
    // The screenshot button (a click: Region) or one of its menu's entries.
    void screenshotRequested(Llamadesk::ScreenshotMode mode);
    // Local image files: chosen in the attach dialog, pasted or dropped.
    void imageFilesOffered(const QStringList &paths);
    // A picture of this process pasted or dropped (already decoded).
    void imagePasted(const QImage &image);
    // Encoded picture bytes pasted or dropped (a screenshot tool's, a browser's "Copy image"),
    // to be decoded off the GUI thread.
    void imageDataPasted(const QByteArray &encoded);
    // An image was pasted or dropped while image input is disabled.
    void imageRejected(const QString &reason);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void changeEvent(QEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragMoveEvent(QDragMoveEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void trySend();
    void updateButton();
    void updateHeight();
    void updateMeterStyle();
    void updateIcons();
    void updateImageTooltips();
    void openAttachDialog();
    void offerImage(const QImage &image);
    void offerImageData(const QByteArray &encoded);
    // Encoded bytes when the mime data has them, else the decoded image: to offerImageData/offerImage.
    void offerMimeImage(const QMimeData *mime);
    void offerFiles(const QStringList &paths);
    // True when the drag or drop carries image data or local image files.
    static bool carriesImages(const QMimeData *mime);

    ComposerEdit *m_edit;
    QPushButton *m_send;
    QToolButton *m_screenshot;
    QToolButton *m_attach;
    AttachmentStrip *m_strip;
    QPointer<QFileDialog> m_attachDialog;
    QString m_imageReason;
    bool m_imageInput = true;
    QProgressBar *m_meter;
    QLabel *m_meterLabel;
    QString m_placeholder;
    QString m_reason;
    int m_used = 0;
    int m_context = 0;
    bool m_busy = false;
    bool m_sendEnabled = true;
};
} // namespace Llamadesk
