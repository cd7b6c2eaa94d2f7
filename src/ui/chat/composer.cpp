#include "ui/chat/composer.h"

#include "ui/chat/attachmentstrip.h"
#include "ui/chat/composeredit.h"

#include <QAbstractTextDocumentLayout>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QIcon>
#include <QImage>
#include <QKeyEvent>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMimeData>
#include <QPainter>
#include <QPainterPath>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardPaths>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace Llamadesk
{
namespace
{
constexpr int IconSize = 20;

// The two icons are drawn rather than taken from the icon theme: they must exist everywhere
// (no theme on Windows, none under Xvfb) and follow the palette's text colour.
QIcon drawnIcon(const QColor &color, void (*draw)(QPainter &, const QColor &))
{
    QIcon icon;
    for (const int scale : {1, 2}) {
        QPixmap pixmap(IconSize * scale, IconSize * scale);
        pixmap.setDevicePixelRatio(scale);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        draw(painter, color);
        painter.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

// Corner brackets of a region with a crosshair in it.
void drawScreenshot(QPainter &painter, const QColor &color)
{
    painter.setPen(QPen(color, 1.6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    painter.setBrush(Qt::NoBrush);
    const double a = 2.5;
    const double b = IconSize - 2.5;
    const double l = 5;
    QPainterPath corners;
    for (const auto &[x, y, dx, dy] : {std::tuple{a, a, 1, 1}, std::tuple{b, a, -1, 1}, std::tuple{a, b, 1, -1},
                                       std::tuple{b, b, -1, -1}}) {
        corners.moveTo(x + dx * l, y);
        corners.lineTo(x, y);
        corners.lineTo(x, y + dy * l);
    }
    painter.drawPath(corners);
    const QPointF c(IconSize / 2.0, IconSize / 2.0);
    painter.drawEllipse(c, 3.2, 3.2);
    painter.drawLine(c + QPointF(0, -6), c + QPointF(0, -3.2));
    painter.drawLine(c + QPointF(0, 3.2), c + QPointF(0, 6));
    painter.drawLine(c + QPointF(-6, 0), c + QPointF(-3.2, 0));
    painter.drawLine(c + QPointF(3.2, 0), c + QPointF(6, 0));
}

// A picture (a mountain and the sun) with a plus.
void drawAttach(QPainter &painter, const QColor &color)
{
    painter.setPen(QPen(color, 1.6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    painter.setBrush(Qt::NoBrush);
    painter.drawRoundedRect(QRectF(2, 3.5, 13, 11), 2, 2);
    QPainterPath mountain;
    mountain.moveTo(3, 13.5);
    mountain.lineTo(7, 8.5);
    mountain.lineTo(10, 11.5);
    mountain.lineTo(11.5, 10);
    mountain.lineTo(14, 13);
    painter.drawPath(mountain);
    painter.setBrush(color);
    painter.drawEllipse(QPointF(11.2, 6.8), 1.1, 1.1);
    painter.setBrush(Qt::NoBrush);
    painter.drawLine(QPointF(16, 13), QPointF(16, 19));
    painter.drawLine(QPointF(13, 16), QPointF(19, 16));
}
} // namespace

Composer::Composer(QWidget *parent)
    : QWidget(parent)
    , m_edit(new ComposerEdit(this))
    , m_send(new QPushButton(this))
    , m_screenshot(new QToolButton(this))
    , m_attach(new QToolButton(this))
    , m_strip(new AttachmentStrip(this))
    , m_meter(new QProgressBar(this))
    , m_meterLabel(new QLabel(this))
    , m_placeholder(tr("Ask the model (Shift+Enter: new line)"))
{
    setObjectName(QStringLiteral("composer"));
    m_edit->setObjectName(QStringLiteral("composerEdit"));
    m_edit->setPlaceholderText(m_placeholder);
    m_edit->setTabChangesFocus(true);
    m_edit->setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_edit->installEventFilter(this);
    m_send->setObjectName(QStringLiteral("sendButton"));
    m_send->setMinimumWidth(std::max(m_send->fontMetrics().horizontalAdvance(tr("Send")),
                                     m_send->fontMetrics().horizontalAdvance(tr("Stop")))
                            + 40);
    m_meter->setObjectName(QStringLiteral("contextMeter"));
    m_meter->setTextVisible(false);
    m_meter->setFixedHeight(4);
    m_meterLabel->setObjectName(QStringLiteral("contextLabel"));
    QFont small = m_meterLabel->font();
    if (small.pointSizeF() > 0)
        small.setPointSizeF(small.pointSizeF() * 0.88);
    m_meterLabel->setFont(small);
    m_meterLabel->setForegroundRole(QPalette::PlaceholderText);
    m_meter->hide();
    m_meterLabel->hide();

    m_screenshot->setObjectName(QStringLiteral("screenshotButton"));
    m_screenshot->setAccessibleName(tr("Screenshot"));
    m_screenshot->setPopupMode(QToolButton::MenuButtonPopup);
    m_screenshot->setAutoRaise(true);
    m_screenshot->setIconSize(QSize(IconSize, IconSize));
    auto *menu = new QMenu(m_screenshot);
    menu->setObjectName(QStringLiteral("screenshotMenu"));
    const struct
    {
        QString text;
        const char *name;
        ScreenshotMode mode;
    } entries[] = {{tr("Region…"), "screenshotRegionAction", ScreenshotMode::Region},
                   {tr("Whole screen"), "screenshotScreenAction", ScreenshotMode::Screen},
                   {tr("Active window"), "screenshotWindowAction", ScreenshotMode::Window}};
    for (const auto &entry : entries) {
        QAction *action = menu->addAction(entry.text);
        action->setObjectName(QString::fromLatin1(entry.name));
        const ScreenshotMode mode = entry.mode;
        connect(action, &QAction::triggered, this, [this, mode] { Q_EMIT screenshotRequested(mode); });
    }
    m_screenshot->setMenu(menu);
    connect(m_screenshot, &QToolButton::clicked, this, [this] { Q_EMIT screenshotRequested(ScreenshotMode::Region); });
    m_attach->setObjectName(QStringLiteral("attachButton"));
    m_attach->setAccessibleName(tr("Attach images"));
    m_attach->setAutoRaise(true);
    m_attach->setIconSize(QSize(IconSize, IconSize));
    connect(m_attach, &QToolButton::clicked, this, &Composer::openAttachDialog);
    connect(m_strip, &AttachmentStrip::attachmentsChanged, this, [this] {
        updateButton();
        Q_EMIT attachmentsChanged();
    });
    connect(m_edit, &ComposerEdit::imagePasted, this, &Composer::offerImage);
    connect(m_edit, &ComposerEdit::imageDataPasted, this, &Composer::offerImageData);
    connect(m_edit, &ComposerEdit::imageFilesOffered, this, &Composer::offerFiles);
    setAcceptDrops(true);
    updateIcons();
    updateImageTooltips();

    auto *input = new QHBoxLayout;
    input->setSpacing(8);
    auto *tools = new QHBoxLayout;
    tools->setSpacing(0);
    tools->addWidget(m_screenshot);
    tools->addWidget(m_attach);
    input->addLayout(tools);
    input->setAlignment(tools, Qt::AlignBottom);
    input->addWidget(m_edit, 1);
    input->addWidget(m_send, 0, Qt::AlignBottom);
    auto *meter = new QHBoxLayout;
    meter->setSpacing(8);
    meter->addWidget(m_meter, 1, Qt::AlignVCenter);
    meter->addWidget(m_meterLabel);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 6, 12, 8);
    layout->setSpacing(4);
    layout->addWidget(m_strip);
    layout->addLayout(input);
    layout->addLayout(meter);

    connect(m_edit, &QPlainTextEdit::textChanged, this, [this] {
        updateButton();
        updateHeight();
    });
    connect(m_send, &QPushButton::clicked, this, [this] {
        if (m_busy)
            Q_EMIT stopRequested();
        else
            trySend();
        // The click took the focus to the button; the next question is typed in the field.
        m_edit->setFocus(Qt::OtherFocusReason);
    });
    updateButton();
    updateHeight();
    updateMeterStyle();
}

void Composer::setBusy(bool busy)
{
    m_busy = busy;
    updateButton();
}

bool Composer::isBusy() const
{
    return m_busy;
}

void Composer::setSendEnabled(bool enabled, const QString &reasonWhenDisabled)
{
    m_sendEnabled = enabled;
    m_reason = enabled ? QString() : reasonWhenDisabled;
    m_edit->setPlaceholderText(enabled || m_reason.isEmpty() ? m_placeholder : m_reason);
    updateButton();
}

bool Composer::isSendEnabled() const
{
    return m_sendEnabled;
}

void Composer::setContextUsage(int usedTokens, int contextTokens)
{
    m_used = std::max(0, usedTokens);
    m_context = std::max(0, contextTokens);
    const bool shown = m_context > 0;
    m_meter->setVisible(shown);
    m_meterLabel->setVisible(shown);
    if (!shown)
        return;
    m_meter->setRange(0, m_context);
    m_meter->setValue(std::min(m_used, m_context));
    const QLocale locale;
    m_meterLabel->setText(tr("%1 / %2 tokens").arg(locale.toString(m_used), locale.toString(m_context)));
    const int percent = static_cast<int>(std::lround(100.0 * m_used / m_context));
    m_meter->setToolTip(tr("The conversation uses %1% of the model's context").arg(percent));
    m_meterLabel->setToolTip(m_meter->toolTip());
    updateMeterStyle();
}

QString Composer::contextText() const
{
    return m_meterLabel->isHidden() ? QString() : m_meterLabel->text();
}

void Composer::setText(const QString &text)
{
    m_edit->setPlainText(text);
    m_edit->moveCursor(QTextCursor::End);
    m_edit->setFocus(Qt::OtherFocusReason);
}

QString Composer::text() const
{
    return m_edit->toPlainText();
}

QPlainTextEdit *Composer::editor() const
{
    return m_edit;
}

void Composer::addAttachment(const MessageAttachment &attachment)
{
    m_strip->addAttachment(attachment);
}

QList<MessageAttachment> Composer::attachments() const
{
    return m_strip->attachments();
}

void Composer::setAttachments(const QList<MessageAttachment> &attachments)
{
    m_strip->setAttachments(attachments);
}

void Composer::clearAttachments()
{
    m_strip->clear();
}

void Composer::setImageInputEnabled(bool enabled, const QString &reasonWhenDisabled)
{
    m_imageInput = enabled;
    m_imageReason = enabled ? QString() : reasonWhenDisabled;
    m_screenshot->setEnabled(enabled);
    m_attach->setEnabled(enabled);
    updateImageTooltips();
    if (!enabled && m_attachDialog)
        m_attachDialog->reject();
}

bool Composer::isImageInputEnabled() const
{
    return m_imageInput;
}

QToolButton *Composer::screenshotButton() const
{
    return m_screenshot;
}

QToolButton *Composer::attachButton() const
{
    return m_attach;
}

AttachmentStrip *Composer::attachmentStrip() const
{
    return m_strip;
}

void Composer::openAttachDialog()
{
    if (!m_imageInput)
        return;
    if (m_attachDialog) {
        m_attachDialog->raise();
        m_attachDialog->activateWindow();
        return;
    }
    const QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    auto *dialog = new QFileDialog(this, tr("Attach images"), pictures);
    dialog->setObjectName(QStringLiteral("attachDialog"));
    dialog->setFileMode(QFileDialog::ExistingFiles);
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    dialog->setNameFilter(tr("Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif)"));
    connect(dialog, &QFileDialog::filesSelected, this, [this](const QStringList &paths) {
        if (!paths.isEmpty())
            offerFiles(paths);
    });
    connect(dialog, &QDialog::finished, dialog, &QObject::deleteLater);
    m_attachDialog = dialog;
    dialog->open();
}

void Composer::offerImage(const QImage &image)
{
    if (image.isNull())
        return;
    if (!m_imageInput) {
        Q_EMIT imageRejected(m_imageReason.isEmpty() ? tr("Images cannot be sent right now") : m_imageReason);
        return;
    }
    Q_EMIT imagePasted(image);
}

void Composer::offerImageData(const QByteArray &encoded)
{
    if (encoded.isEmpty())
        return;
    if (!m_imageInput) {
        Q_EMIT imageRejected(m_imageReason.isEmpty() ? tr("Images cannot be sent right now") : m_imageReason);
        return;
    }
    Q_EMIT imageDataPasted(encoded);
}

void Composer::offerMimeImage(const QMimeData *mime)
{
    if (const QByteArray encoded = ComposerEdit::encodedImage(mime); !encoded.isEmpty())
        offerImageData(encoded);
    else
        offerImage(qvariant_cast<QImage>(mime->imageData()));
}

void Composer::offerFiles(const QStringList &paths)
{
    if (paths.isEmpty())
        return;
    if (!m_imageInput) {
        Q_EMIT imageRejected(m_imageReason.isEmpty() ? tr("Images cannot be sent right now") : m_imageReason);
        return;
    }
    Q_EMIT imageFilesOffered(paths);
}

bool Composer::carriesImages(const QMimeData *mime)
{
    const ComposerEdit::Offer offer = ComposerEdit::classify(mime);
    return offer == ComposerEdit::Offer::Image || offer == ComposerEdit::Offer::ImageFiles;
}

void Composer::dragEnterEvent(QDragEnterEvent *event)
{
    // Taken even while images are disabled: the drop then says why they are not.
    if (carriesImages(event->mimeData()))
        event->acceptProposedAction();
    else
        event->ignore();
}

void Composer::dragMoveEvent(QDragMoveEvent *event)
{
    if (carriesImages(event->mimeData()))
        event->acceptProposedAction();
    else
        event->ignore();
}

void Composer::dropEvent(QDropEvent *event)
{
    if (takeDrop(event->mimeData()))
        event->acceptProposedAction();
    else
        event->ignore();
}

bool Composer::acceptsDrag(const QMimeData *mime) const
{
    return carriesImages(mime);
}

bool Composer::takeDrop(const QMimeData *mime)
{
    switch (ComposerEdit::classify(mime)) {
    case ComposerEdit::Offer::Image:
        offerMimeImage(mime);
        return true;
    case ComposerEdit::Offer::ImageFiles:
        offerFiles(ComposerEdit::imageFiles(mime));
        return true;
    case ComposerEdit::Offer::OtherFiles:
    case ComposerEdit::Offer::None:
        break;
    }
    return false;
}

bool Composer::eventFilter(QObject *watched, QEvent *event)
{
    if (watched != m_edit || event->type() != QEvent::KeyPress)
        return QWidget::eventFilter(watched, event);
    const auto *key = static_cast<QKeyEvent *>(event);
    if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
        if (key->modifiers() & Qt::ShiftModifier)
            m_edit->textCursor().insertText(QStringLiteral("\n"));
        else
            trySend();
        return true;
    }
    if (key->key() == Qt::Key_Escape && m_busy) {
        Q_EMIT stopRequested();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void Composer::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
        updateHeight();
        updateMeterStyle();
        if (event->type() == QEvent::PaletteChange)
            updateIcons();
    }
}

void Composer::trySend()
{
    if (m_busy || !m_sendEnabled)
        return;
    const QString text = m_edit->toPlainText().trimmed();
    const QList<MessageAttachment> attachments = m_strip->attachments();
    if (text.isEmpty() && attachments.isEmpty())
        return;
    // Cleared first: a receiver whose send fails puts the text and images back at once.
    m_edit->clear();
    m_strip->clear();
    Q_EMIT sendRequested(text, attachments);
}

void Composer::updateButton()
{
    const bool hasContent = !m_edit->toPlainText().trimmed().isEmpty() || !m_strip->isEmpty();
    m_send->setText(m_busy ? tr("Stop") : tr("Send"));
    m_send->setEnabled(m_busy || (m_sendEnabled && hasContent));
    if (m_busy)
        m_send->setToolTip(tr("Stop the answer (Esc)"));
    else if (!m_sendEnabled)
        m_send->setToolTip(m_reason);
    else
        m_send->setToolTip(tr("Send (Enter)"));
}

void Composer::updateHeight()
{
    // QPlainTextEdit's layout counts lines, wrapped ones included.
    const int lines = std::clamp(static_cast<int>(m_edit->document()->documentLayout()->documentSize().height()), 1, MaxLines);
    const int margins = 2 * (m_edit->frameWidth() + static_cast<int>(std::ceil(m_edit->document()->documentMargin())));
    m_edit->setFixedHeight(lines * m_edit->fontMetrics().lineSpacing() + margins + 4);
}

void Composer::updateMeterStyle()
{
    const double used = m_context > 0 ? static_cast<double>(m_used) / m_context : 0;
    const QColor chunk = used >= 0.95  ? QColor(0xd3, 0x2f, 0x2f)
                         : used >= 0.8 ? QColor(0xe0, 0x9a, 0x00)
                                       : palette().color(QPalette::Highlight);
    const QColor window = palette().color(QPalette::Window);
    const QColor text = palette().color(QPalette::WindowText);
    const QColor groove = QColor::fromRgbF(window.redF() * 0.85f + text.redF() * 0.15f,
                                           window.greenF() * 0.85f + text.greenF() * 0.15f,
                                           window.blueF() * 0.85f + text.blueF() * 0.15f);
    m_meter->setStyleSheet(QStringLiteral("QProgressBar { border: none; border-radius: 2px; background: %1; }"
                                          " QProgressBar::chunk { border-radius: 2px; background: %2; }")
                               .arg(groove.name(), chunk.name()));
}

void Composer::updateIcons()
{
    const QColor color = palette().color(QPalette::ButtonText);
    m_screenshot->setIcon(drawnIcon(color, drawScreenshot));
    m_attach->setIcon(drawnIcon(color, drawAttach));
}

void Composer::updateImageTooltips()
{
    const bool showReason = !m_imageInput && !m_imageReason.isEmpty();
    m_screenshot->setToolTip(showReason ? m_imageReason : tr("Ask about the screen: capture a region (Ctrl+Shift+S)"));
    m_attach->setToolTip(showReason ? m_imageReason : tr("Attach images"));
}
} // namespace Llamadesk
