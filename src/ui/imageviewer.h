#pragma once

#include <QDialog>
#include <QImage>

class QLabel;
class QPushButton;
class QScrollArea;

namespace Llamadesk
{
// An image attached to a message, at a size one can read: fitted to the window at first (never
// enlarged), or at 100% with scroll bars. "Save as…" writes it as PNG or JPEG, by the suffix
// chosen. Not modal, deletes itself when closed; Esc closes it.
class ImageViewer final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ImageViewer)

public:
    ImageViewer(const QImage &image, const QString &title, QWidget *parent = nullptr);

    const QImage &image() const;
    // Fitted to the window (the default) or at 100%: one pixel of the image per pixel of the
    // screen.
    void setActualSize(bool actual);
    bool isActualSize() const;
    // Writes the image; the format follows the suffix (.jpg/.jpeg: JPEG, anything else: PNG).
    // On failure the dialog shows why and this returns false.
    bool saveTo(const QString &path);
    // The last save's result, as shown ("Saved as …" or the error); empty before any.
    QString statusText() const;

protected:
    void resizeEvent(QResizeEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    void updatePixmap();
    void openSaveDialog();
    void showStatus(const QString &text, bool error);

    QImage m_image;
    QScrollArea *m_scroll;
    QLabel *m_label;
    QPushButton *m_actualSize;
    QPushButton *m_save;
    QLabel *m_status;
    bool m_actual = false;
};
} // namespace Llamadesk
