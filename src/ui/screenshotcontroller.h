#pragma once

#include "core/chat/messageattachment.h"
#include "platform/screengrabber.h"
#include "ui/screenshotmode.h"

#include <QObject>
#include <QPointer>
#include <QRect>

class QWidget;

namespace Llamadesk
{
class Settings;

// One screenshot, start to attachment: hides Llamadesk's window so that it is not in the
// picture, waits for the screen to repaint, grabs (ScreenGrabber), lets the user drag a region on
// the frozen screen (RegionOverlay; on Wayland the portal's own picker instead), brings the window
// back, and encodes the picture off the GUI thread (ImageAttachment, vision/max_edge and
// vision/jpeg_quality). Exactly one of captured(), failed() or cancelled() ends each capture().
class ScreenshotController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ScreenshotController)

public:
    // How long the screen gets to repaint what was under the hidden window before the grab. X11
    // without a compositor repaints within a frame or two; compositors animate the hiding.
    static constexpr int DefaultSettleMs = 200;

    ScreenshotController(ScreenGrabber &grabber, const Settings &settings, QWidget *window,
                         QObject *parent = nullptr);

    void setSettleDelay(int milliseconds);
    // Whether capture(mode) can work here and now, and if not why (the platform's words).
    bool supports(ScreenshotMode mode) const;
    QString unsupportedReason(ScreenshotMode mode) const;
    bool isBusy() const;
    // The region overlay while it is up (tests drive it); null otherwise.
    QWidget *overlay() const;

public Q_SLOTS:
    // Ignored while a capture is under way.
    void capture(Llamadesk::ScreenshotMode mode);

Q_SIGNALS:
    void captured(const Llamadesk::MessageAttachment &attachment);
    void failed(const QString &message);
    void cancelled();
    void busyChanged(bool busy);

private:
    void grab();
    void onCaptured(const QImage &image, const QRect &geometry);
    void encode(const QImage &image);
    void finish();
    void restoreWindow();
    void setBusy(bool busy);
    QString pictureName() const;

    ScreenGrabber &m_grabber;
    const Settings &m_settings;
    QPointer<QWidget> m_window;
    QPointer<QWidget> m_overlay;
    ScreenshotMode m_mode = ScreenshotMode::Region;
    int m_settleMs = DefaultSettleMs;
    bool m_busy = false;
    bool m_hidden = false; // we hid the window and owe it a show()
};
} // namespace Llamadesk
