#pragma once

#include <QImage>
#include <QObject>
#include <QRect>
#include <QString>

namespace Llamadesk
{
// A screenshot of what the user sees. One interface; the implementation for the platform comes
// from Platform::createScreenGrabber(): QScreen grabs on X11, Windows and macOS,
// xdg-desktop-portal's Screenshot interface over D-Bus on Wayland.
//
// grab() is asynchronous; exactly one of captured(), failed() or cancelled() follows, always
// through the event loop (never from inside grab()). Hiding Llamadesk's own window first is the
// caller's job (ScreenshotController), so that the grabber stays a thin platform shell.
class ScreenGrabber : public QObject
{
    Q_OBJECT

public:
    enum class Target {
        Screen,      // the whole screen under the mouse pointer
        Window,      // the active window (before Llamadesk's own), where the platform tells it
        Interactive, // the platform's own picker (the portal's dialog); Llamadesk's overlay is not used
    };
    Q_ENUM(Target)

    using QObject::QObject;
    ~ScreenGrabber() override = default;

    virtual bool supports(Target target) const = 0;
    // Why supports(target) is false, as a sentence for the user.
    virtual QString unsupportedReason(Target target) const = 0;
    virtual void grab(Target target) = 0;

Q_SIGNALS:
    // image: in device pixels (its devicePixelRatio set); geometry: where it was on the virtual
    // desktop, in device-independent pixels (empty when the platform does not say, as the portal).
    void captured(const QImage &image, const QRect &geometry);
    void failed(const QString &message);
    void cancelled();
};
} // namespace Llamadesk
