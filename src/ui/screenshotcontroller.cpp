#include "ui/screenshotcontroller.h"

#include "image/imageattachment.h"
#include "ui/regionoverlay.h"
#include "core/settings.h"

#include <QTimer>
#include <QWidget>

#include <spdlog/spdlog.h>

namespace Llamadesk
{
ScreenshotController::ScreenshotController(ScreenGrabber &grabber, const Settings &settings, QWidget *window,
                                           QObject *parent)
    : QObject(parent)
    , m_grabber(grabber)
    , m_settings(settings)
    , m_window(window)
{
    connect(&m_grabber, &ScreenGrabber::captured, this, &ScreenshotController::onCaptured);
    connect(&m_grabber, &ScreenGrabber::failed, this, [this](const QString &message) {
        if (!m_busy)
            return;
        spdlog::warn("Screenshot failed: {}", message.toStdString());
        finish();
        Q_EMIT failed(message);
    });
    connect(&m_grabber, &ScreenGrabber::cancelled, this, [this] {
        if (!m_busy)
            return;
        finish();
        Q_EMIT cancelled();
    });
}

void ScreenshotController::setSettleDelay(int milliseconds)
{
    m_settleMs = std::max(0, milliseconds);
}

bool ScreenshotController::isBusy() const
{
    return m_busy;
}

QWidget *ScreenshotController::overlay() const
{
    return m_overlay;
}

namespace
{
ScreenGrabber::Target targetFor(ScreenshotMode mode)
{
    return mode == ScreenshotMode::Window ? ScreenGrabber::Target::Window : ScreenGrabber::Target::Screen;
}
} // namespace

bool ScreenshotController::supports(ScreenshotMode mode) const
{
    return m_grabber.supports(targetFor(mode)) || m_grabber.supports(ScreenGrabber::Target::Interactive);
}

QString ScreenshotController::unsupportedReason(ScreenshotMode mode) const
{
    return supports(mode) ? QString() : m_grabber.unsupportedReason(targetFor(mode));
}

void ScreenshotController::capture(ScreenshotMode mode)
{
    if (m_busy)
        return;
    if (!supports(mode)) {
        // Said through the event loop like every other outcome.
        const QString reason = unsupportedReason(mode);
        QTimer::singleShot(0, this, [this, reason] { Q_EMIT failed(reason); });
        return;
    }
    m_mode = mode;
    setBusy(true);
    // Not from inside the key or click that asked: the window is hidden once that event is done.
    QTimer::singleShot(0, this, [this] {
        // Our own window must not be in the picture.
        if (m_window && m_window->isVisible()) {
            m_window->hide();
            m_hidden = true;
        }
        QTimer::singleShot(m_hidden ? m_settleMs : 0, this, &ScreenshotController::grab);
    });
}

void ScreenshotController::grab()
{
    using Target = ScreenGrabber::Target;
    // Where the platform has its own picker (the Wayland portal), it replaces the overlay: a
    // Wayland client cannot cover the screen with a frozen picture of it anyway.
    const bool interactive = m_grabber.supports(Target::Interactive)
                             && (m_mode == ScreenshotMode::Region || !m_grabber.supports(Target::Screen));
    if (interactive)
        m_grabber.grab(Target::Interactive);
    else
        m_grabber.grab(m_mode == ScreenshotMode::Window ? Target::Window : Target::Screen);
}

void ScreenshotController::onCaptured(const QImage &image, const QRect &geometry)
{
    if (!m_busy)
        return;
    const bool ownOverlay = m_mode == ScreenshotMode::Region && !geometry.isEmpty();
    if (!ownOverlay) {
        restoreWindow();
        encode(image);
        return;
    }
    auto *overlay = new RegionOverlay(image, geometry);
    m_overlay = overlay;
    connect(overlay, &RegionOverlay::selected, this, [this](const QImage &cropped, const QRect &) {
        restoreWindow();
        encode(cropped);
    });
    connect(overlay, &RegionOverlay::cancelled, this, [this] {
        finish();
        Q_EMIT cancelled();
    });
    overlay->start();
}

void ScreenshotController::encode(const QImage &image)
{
    ImageAttachment::encodeAsync(image, ImageEncodeOptions::from(m_settings), pictureName(), this, [this](ImageResult result) {
        finish();
        if (!result.attachment) {
            Q_EMIT failed(result.error);
            return;
        }
        spdlog::info("Screenshot {}x{} sent as {}x{} {} ({} bytes)", result.originalSize.width(),
                     result.originalSize.height(), result.attachment->width, result.attachment->height,
                     result.attachment->mimeType.toStdString(), result.attachment->data.size());
        Q_EMIT captured(*result.attachment);
    });
}

QString ScreenshotController::pictureName() const
{
    switch (m_mode) {
    case ScreenshotMode::Region:
        return tr("Screen region");
    case ScreenshotMode::Window:
        return tr("Window");
    case ScreenshotMode::Screen:
        break;
    }
    return tr("Screenshot");
}

void ScreenshotController::finish()
{
    restoreWindow();
    setBusy(false);
}

void ScreenshotController::restoreWindow()
{
    if (!m_hidden || !m_window)
        return;
    m_hidden = false;
    m_window->show();
    m_window->raise();
    m_window->activateWindow();
}

void ScreenshotController::setBusy(bool busy)
{
    if (m_busy == busy)
        return;
    m_busy = busy;
    Q_EMIT busyChanged(busy);
}
} // namespace Llamadesk
