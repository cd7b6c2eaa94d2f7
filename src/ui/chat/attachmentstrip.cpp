#include "ui/chat/attachmentstrip.h"

#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QScrollArea>
#include <QScrollBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace Llamadesk
{
namespace
{
constexpr int MinThumbWidth = 40;
constexpr int RemoveButtonSize = 18;
constexpr int Spacing = 6;

// The picture a thumbnail shows: the image fitted into the tile, rounded corners, a hairline
// border. Drawn at the screen's pixel density so that it stays sharp on HiDPI screens.
QPixmap thumbnailPixmap(const QImage &image, const QPalette &palette, qreal dpr)
{
    QSize fitted(AttachmentStrip::MaxThumbWidth, AttachmentStrip::ThumbHeight);
    if (!image.isNull())
        fitted = image.size().scaled(fitted, Qt::KeepAspectRatio).expandedTo(QSize(1, 1));
    const QSize tile(std::max(MinThumbWidth, fitted.width()), AttachmentStrip::ThumbHeight);
    QPixmap pixmap(tile * dpr);
    pixmap.setDevicePixelRatio(dpr);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    QPainterPath clip;
    clip.addRoundedRect(QRectF(QPointF(0, 0), QSizeF(tile)).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6);
    painter.setClipPath(clip);
    painter.fillRect(QRect(QPoint(0, 0), tile), palette.color(QPalette::AlternateBase));
    if (image.isNull()) {
        painter.setPen(palette.color(QPalette::PlaceholderText));
        painter.drawText(QRect(QPoint(0, 0), tile), Qt::AlignCenter, QStringLiteral("?"));
    } else {
        const QImage scaled = image.scaled(fitted * dpr, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        const QSizeF logical = QSizeF(scaled.size()) / dpr;
        const QPointF at((tile.width() - logical.width()) / 2, (tile.height() - logical.height()) / 2);
        painter.drawImage(QRectF(at, logical), scaled);
    }
    painter.setClipping(false);
    QColor border = palette.color(QPalette::WindowText);
    border.setAlphaF(0.25f);
    painter.setPen(QPen(border, 1));
    painter.setBrush(Qt::NoBrush);
    painter.drawPath(clip);
    return pixmap;
}
} // namespace

AttachmentStrip::AttachmentStrip(QWidget *parent)
    : QWidget(parent)
    , m_scroll(new QScrollArea(this))
    , m_row(new QWidget)
    , m_layout(new QHBoxLayout(m_row))
{
    setObjectName(QStringLiteral("attachmentStrip"));
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setSpacing(Spacing);
    m_layout->addStretch(1);
    m_scroll->setObjectName(QStringLiteral("attachmentScroll"));
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setWidgetResizable(true);
    m_scroll->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_scroll->setWidget(m_row);
    // The composer's background shows through (setWidget() turns filling on).
    m_scroll->viewport()->setAutoFillBackground(false);
    m_row->setAutoFillBackground(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_scroll);
    // Room for the scroll bar only while there is something to scroll.
    connect(m_scroll->horizontalScrollBar(), &QScrollBar::rangeChanged, this, [this](int, int maximum) {
        setFixedHeight(ThumbHeight + (maximum > 0 ? m_scroll->horizontalScrollBar()->sizeHint().height() + 2 : 0));
    });
    setFixedHeight(ThumbHeight);
    updateVisibility();
}

void AttachmentStrip::addAttachment(const MessageAttachment &attachment)
{
    if (!attachment.isImage())
        return;
    m_attachments.append(attachment);
    QWidget *thumbnail = makeThumbnail(attachment);
    m_layout->insertWidget(static_cast<int>(m_thumbnails.size()), thumbnail);
    m_thumbnails.append(thumbnail);
    // Now, not on the layout's next turn: the strip may already be on screen.
    thumbnail->show();
    updateVisibility();
    // The newest one in view.
    m_scroll->ensureWidgetVisible(thumbnail, 0, 0);
    Q_EMIT attachmentsChanged();
}

void AttachmentStrip::setAttachments(const QList<MessageAttachment> &attachments)
{
    QSignalBlocker blocker(this);
    clear();
    for (const MessageAttachment &attachment : attachments)
        addAttachment(attachment);
    blocker.unblock();
    Q_EMIT attachmentsChanged();
}

QList<MessageAttachment> AttachmentStrip::attachments() const
{
    return m_attachments;
}

void AttachmentStrip::removeAt(int index)
{
    if (index < 0 || index >= m_attachments.size())
        return;
    m_attachments.removeAt(index);
    QWidget *thumbnail = m_thumbnails.takeAt(index);
    // Later: this may run inside the click of the thumbnail's own remove button.
    thumbnail->hide();
    m_layout->removeWidget(thumbnail);
    thumbnail->deleteLater();
    updateVisibility();
    Q_EMIT attachmentsChanged();
}

void AttachmentStrip::clear()
{
    if (m_attachments.isEmpty())
        return;
    m_attachments.clear();
    for (QWidget *thumbnail : std::as_const(m_thumbnails)) {
        thumbnail->hide();
        m_layout->removeWidget(thumbnail);
        thumbnail->deleteLater();
    }
    m_thumbnails.clear();
    updateVisibility();
    Q_EMIT attachmentsChanged();
}

int AttachmentStrip::count() const
{
    return static_cast<int>(m_attachments.size());
}

bool AttachmentStrip::isEmpty() const
{
    return m_attachments.isEmpty();
}

QWidget *AttachmentStrip::thumbnailAt(int index) const
{
    return index >= 0 && index < m_thumbnails.size() ? m_thumbnails.at(index) : nullptr;
}

QString AttachmentStrip::toolTipFor(const MessageAttachment &attachment)
{
    const QString name = attachment.name.isEmpty() ? tr("Image") : attachment.name;
    if (attachment.width <= 0 || attachment.height <= 0)
        return name;
    return tr("%1 — %2 × %3").arg(name).arg(attachment.width).arg(attachment.height);
}

QWidget *AttachmentStrip::makeThumbnail(const MessageAttachment &attachment)
{
    auto *thumbnail = new QLabel(m_row);
    thumbnail->setObjectName(QStringLiteral("attachmentThumbnail"));
    MessageAttachment described = attachment;
    const QImage image = QImage::fromData(attachment.data);
    if (described.width <= 0 || described.height <= 0) {
        described.width = image.width();
        described.height = image.height();
    }
    thumbnail->setToolTip(toolTipFor(described));
    const QPixmap pixmap = thumbnailPixmap(image, palette(), devicePixelRatioF());
    thumbnail->setPixmap(pixmap);
    thumbnail->setFixedSize(pixmap.deviceIndependentSize().toSize());

    auto *remove = new QToolButton(thumbnail);
    remove->setObjectName(QStringLiteral("removeAttachmentButton"));
    remove->setText(QStringLiteral("×"));
    remove->setToolTip(tr("Remove this image"));
    remove->setAccessibleName(tr("Remove image"));
    remove->setCursor(Qt::PointingHandCursor);
    remove->setFixedSize(RemoveButtonSize, RemoveButtonSize);
    remove->setStyleSheet(QStringLiteral("QToolButton { border: none; border-radius: %1px; padding: 0 0 2px 0;"
                                         " background: rgba(0, 0, 0, 150); color: white; font-weight: bold; }"
                                         " QToolButton:hover { background: rgba(200, 40, 40, 230); }")
                              .arg(RemoveButtonSize / 2));
    remove->move(thumbnail->width() - RemoveButtonSize - 3, 3);
    connect(remove, &QToolButton::clicked, this, [this, thumbnail] {
        removeAt(static_cast<int>(m_thumbnails.indexOf(thumbnail)));
    });
    return thumbnail;
}

void AttachmentStrip::updateVisibility()
{
    // A strip on its own (no parent) would become a window of its own.
    if (parentWidget())
        setVisible(!m_attachments.isEmpty());
}
} // namespace Llamadesk
