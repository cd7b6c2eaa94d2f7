#include "ui/imageviewer.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImageWriter>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QPushButton>
#include <QRegularExpression>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QStandardPaths>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace Llamadesk
{
ImageViewer::ImageViewer(const QImage &image, const QString &title, QWidget *parent)
    : QDialog(parent)
    , m_image(image)
    , m_scroll(new QScrollArea(this))
    , m_label(new QLabel)
    , m_actualSize(new QPushButton(tr("Actual size (100%)"), this))
    , m_save(new QPushButton(tr("Save as…"), this))
    , m_status(new QLabel(this))
{
    setObjectName(QStringLiteral("imageViewer"));
    setAttribute(Qt::WA_DeleteOnClose);
    setModal(false);
    setWindowTitle(title.isEmpty() ? tr("Image") : title);
    // A window of its own with the usual buttons, so it can be maximised.
    setWindowFlag(Qt::WindowMaximizeButtonHint);
    setWindowFlag(Qt::WindowContextHelpButtonHint, false);

    m_label->setObjectName(QStringLiteral("imageLabel"));
    m_label->setAlignment(Qt::AlignCenter);
    m_label->setBackgroundRole(QPalette::Dark);
    m_scroll->setObjectName(QStringLiteral("imageScroll"));
    m_scroll->setWidget(m_label);
    m_scroll->setAlignment(Qt::AlignCenter);
    m_scroll->setWidgetResizable(false);
    m_scroll->setBackgroundRole(QPalette::Dark);

    m_actualSize->setObjectName(QStringLiteral("actualSizeButton"));
    m_actualSize->setCheckable(true);
    m_actualSize->setToolTip(tr("Show every pixel (unchecked: fit the window)"));
    m_save->setObjectName(QStringLiteral("saveButton"));
    m_status->setObjectName(QStringLiteral("statusLabel"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setWordWrap(true);
    m_status->hide();
    auto *size = new QLabel(tr("%1 × %2 pixels").arg(QLocale().toString(image.width()), QLocale().toString(image.height())),
                            this);
    size->setObjectName(QStringLiteral("sizeLabel"));
    size->setForegroundRole(QPalette::PlaceholderText);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_actualSize);
    bar->addWidget(m_save);
    bar->addSpacing(12);
    bar->addWidget(size);
    bar->addStretch(1);
    bar->addWidget(buttons);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addWidget(m_scroll, 1);
    layout->addWidget(m_status);
    layout->addLayout(bar);

    connect(m_actualSize, &QPushButton::toggled, this, &ImageViewer::setActualSize);
    connect(m_save, &QPushButton::clicked, this, &ImageViewer::openSaveDialog);

    // Big enough for the image where the screen allows, small enough to leave the screen usable.
    QSize wanted = (image.size() / std::max(1.0, devicePixelRatioF())) + QSize(40, 90);
    if (const QScreen *screen = parent ? parent->screen() : this->screen()) {
        const QSize room = screen->availableSize() * 0.8;
        wanted = wanted.boundedTo(room);
    }
    resize(wanted.expandedTo(QSize(480, 360)));
    updatePixmap();
}

const QImage &ImageViewer::image() const
{
    return m_image;
}

void ImageViewer::setActualSize(bool actual)
{
    m_actual = actual;
    if (m_actualSize->isChecked() != actual)
        m_actualSize->setChecked(actual);
    updatePixmap();
}

bool ImageViewer::isActualSize() const
{
    return m_actual;
}

void ImageViewer::updatePixmap()
{
    if (m_image.isNull()) {
        m_label->setText(tr("The image cannot be shown."));
        m_label->adjustSize();
        return;
    }
    const qreal dpr = devicePixelRatioF();
    QPixmap pixmap;
    if (m_actual) {
        pixmap = QPixmap::fromImage(m_image);
    } else {
        // Fitted into the visible area, in screen pixels, never enlarged.
        const QSize room = (m_scroll->viewport()->size() - QSize(2, 2)).expandedTo(QSize(1, 1)) * dpr;
        const QSize fitted = m_image.size().scaled(room, Qt::KeepAspectRatio);
        pixmap = fitted.width() >= m_image.width() ? QPixmap::fromImage(m_image)
                                                   : QPixmap::fromImage(m_image.scaled(fitted, Qt::KeepAspectRatio,
                                                                                       Qt::SmoothTransformation));
    }
    pixmap.setDevicePixelRatio(dpr);
    m_label->setPixmap(pixmap);
    m_label->resize(pixmap.deviceIndependentSize().toSize());
}

void ImageViewer::resizeEvent(QResizeEvent *event)
{
    QDialog::resizeEvent(event);
    if (!m_actual)
        updatePixmap();
}

void ImageViewer::showEvent(QShowEvent *event)
{
    QDialog::showEvent(event);
    // The viewport has its real size only now.
    updatePixmap();
}

void ImageViewer::openSaveDialog()
{
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    QString name = windowTitle();
    name.replace(QRegularExpression(QStringLiteral(R"([\\/:*?"<>|]+)")), QStringLiteral("-"));
    if (QFileInfo(name).suffix().isEmpty())
        name += QStringLiteral(".png");
    auto *dialog = new QFileDialog(this, tr("Save image"), QDir(folder).filePath(name));
    dialog->setObjectName(QStringLiteral("saveImageDialog"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setFileMode(QFileDialog::AnyFile);
    dialog->setNameFilters({tr("PNG image (*.png)"), tr("JPEG image (*.jpg *.jpeg)")});
    dialog->setDefaultSuffix(QStringLiteral("png"));
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) { saveTo(path); });
    connect(dialog, &QDialog::finished, dialog, &QObject::deleteLater);
    dialog->open();
}

bool ImageViewer::saveTo(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    const QByteArray format = suffix == u"jpg" || suffix == u"jpeg" ? QByteArrayLiteral("jpeg") : QByteArrayLiteral("png");
    QImageWriter writer(path, format);
    if (format == "jpeg")
        writer.setQuality(92);
    // JPEG has no alpha: transparent parts become white rather than black.
    QImage image = m_image;
    if (format == "jpeg" && image.hasAlphaChannel()) {
        QImage flat(image.size(), QImage::Format_RGB32);
        flat.fill(Qt::white);
        QPainter painter(&flat);
        painter.drawImage(0, 0, image);
        painter.end();
        image = flat;
    }
    if (!writer.write(image)) {
        showStatus(tr("Could not save %1: %2").arg(QDir::toNativeSeparators(path), writer.errorString()), true);
        return false;
    }
    showStatus(tr("Saved as %1").arg(QDir::toNativeSeparators(path)), false);
    return true;
}

QString ImageViewer::statusText() const
{
    return m_status->text();
}

void ImageViewer::showStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
    m_status->show();
}
} // namespace Llamadesk
