// Capture, downscale and encode of a 2560x1440 screen: target under 150 ms.
// A full-screen window paints screenshot-like content (a sidebar, lines of text, a gradient
// picture, buttons); each run grabs the screen (QScreen::grabWindow) and turns the grab into
// the attachment the model gets (ImageAttachment::fromImage, longest edge 1536, JPEG 85).
// Baseline, measured in the same run: the grab alone. Then each step of the encoding on its
// own, to show where the time goes (and why PNG and JPEG are encoded concurrently).
//   bench_screenshot [runs, default 15] [file to save the sent picture to, to look at]
// Needs an X display of 2560x1440: bench/run_bench_screenshot.sh starts one.
#include "image/imageattachment.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QFile>
#include <QGuiApplication>
#include <QImageWriter>
#include <QLinearGradient>
#include <QPainter>
#include <QRadialGradient>
#include <QRasterWindow>
#include <QScreen>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace
{
double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n == 0 ? 0 : (n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2);
}

double msSince(const QElapsedTimer &timer)
{
    return static_cast<double>(timer.nsecsElapsed()) / 1e6;
}

const QColor Sidebar(0xf0, 0xf0, 0xf4);

// What a screenshot of a desktop app looks like: flat areas, thin lines, a lot of text, one
// picture with smooth gradients.
class ScreenLikeWindow final : public QRasterWindow
{
public:
    bool painted = false;

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter painter(this);
        const int w = width();
        const int h = height();
        painter.fillRect(0, 0, w, h, Qt::white);
        painter.fillRect(0, 0, w, 48, QColor(0x30, 0x30, 0x38));
        painter.fillRect(0, 48, 360, h - 48, Sidebar);
        painter.setPen(QColor(0xc8, 0xc8, 0xd0));
        painter.drawLine(360, 48, 360, h);

        QFont font = painter.font();
        font.setPixelSize(15);
        painter.setFont(font);
        painter.setPen(Qt::white);
        painter.drawText(QRect(16, 0, 800, 48), Qt::AlignVCenter,
                         QStringLiteral("Llamadesk — bench_screenshot"));
        painter.setPen(QColor(0x20, 0x20, 0x28));
        for (int i = 0; i < 40; ++i) {
            painter.drawText(QRect(20, 64 + i * 32, 330, 28), Qt::AlignVCenter,
                             QStringLiteral("Conversation %1 about images").arg(i + 1));
        }

        // A picture in the page: smooth gradients, the part where JPEG would shine.
        const QRect picture(w - 980, 80, 900, 560);
        QLinearGradient sky(picture.topLeft(), picture.bottomLeft());
        sky.setColorAt(0, QColor(0x3b, 0x82, 0xf6));
        sky.setColorAt(0.6, QColor(0xfd, 0xe6, 0x8a));
        sky.setColorAt(1, QColor(0x16, 0xa3, 0x4a));
        painter.fillRect(picture, sky);
        QRadialGradient sun(picture.center() + QPoint(200, -120), 160);
        sun.setColorAt(0, QColor(255, 250, 220, 255));
        sun.setColorAt(1, QColor(255, 250, 220, 0));
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setBrush(sun);
        painter.setPen(Qt::NoPen);
        painter.drawEllipse(picture.center() + QPoint(200, -120), 160, 160);

        const QString paragraph = QStringLiteral(
            "The quick brown fox jumps over the lazy dog while llama-server streams its answer token by "
            "token; Llamadesk keeps the transcript responsive and the screenshot small enough to send. ");
        painter.setPen(QColor(0x20, 0x20, 0x28));
        for (int line = 0; line < 38; ++line) {
            const int y = 80 + line * 34;
            const int right = y < picture.bottom() + 20 ? picture.left() - 30 : w - 60;
            painter.drawText(QRect(400, y, right - 400, 30), Qt::AlignVCenter,
                             paragraph.mid((line * 17) % 60) + paragraph);
        }
        painter.setBrush(QColor(0x25, 0x63, 0xeb));
        painter.drawRoundedRect(QRect(w - 240, h - 90, 180, 44), 8, 8);
        painter.setPen(Qt::white);
        painter.drawText(QRect(w - 240, h - 90, 180, 44), Qt::AlignCenter, QStringLiteral("Send"));
        painted = true;
    }
};

QByteArray jpegAt(const QImage &image, int quality)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, "jpeg");
    writer.setQuality(quality);
    writer.write(image);
    return bytes;
}

// Qt 6.4 takes PNG compression on a 0-100 scale and hands zlib compression * 9 / 91.
QByteArray pngAtZlibLevel(const QImage &image, int level)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, "png");
    writer.setCompression((level * 91 + 8) / 9);
    writer.write(image);
    return bytes;
}

// Median milliseconds of `runs` calls, and what the last call returned.
template<typename F>
double timed(int runs, F &&work)
{
    std::vector<double> times;
    for (int i = 0; i < runs; ++i) {
        QElapsedTimer timer;
        timer.start();
        work();
        times.push_back(msSince(timer));
    }
    return median(times);
}
} // namespace

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv);
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 15;
    QScreen *screen = QGuiApplication::primaryScreen();
    if (!screen) {
        std::fprintf(stderr, "no screen\n");
        return 1;
    }
    const QSize screenSize = screen->size() * screen->devicePixelRatio();
    std::printf("screen %dx%d (%s), %d runs\n", screenSize.width(), screenSize.height(),
                qPrintable(QGuiApplication::platformName()), runs);
    if (screenSize != QSize(2560, 1440))
        std::printf("note: not the 2560x1440 screen of the target; run bench/run_bench_screenshot.sh\n");

    ScreenLikeWindow window;
    // Without a window manager (Xvfb) full screen means nothing: the geometry is given too.
    window.setFlag(Qt::FramelessWindowHint);
    window.setGeometry(screen->geometry());
    window.showFullScreen();
    QElapsedTimer wait;
    wait.start();
    while (!(window.isExposed() && window.painted) && wait.elapsed() < 10000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    if (!window.painted) {
        std::fprintf(stderr, "the window was never painted\n");
        return 1;
    }
    // A few more rounds for the server to settle, then check that a grab
    // really shows the window (the sidebar's grey at its place).
    for (int i = 0; i < 5; ++i)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    const QImage probe = screen->grabWindow(0).toImage();
    const bool showsWindow = !probe.isNull() && probe.pixelColor(100, probe.height() - 4) == Sidebar;
    std::printf("grab shows the window: %s (format %d)\n", showsWindow ? "yes" : "NO",
                static_cast<int>(probe.format()));

    const Llamadesk::ImageEncodeOptions options{1536, 85};

    // Baseline: the grab alone.
    const double grabOnly = timed(runs, [&] { screen->grabWindow(0).toImage(); });

    // The whole path, as ScreenshotController does it.
    std::vector<double> capture;
    std::vector<double> encode;
    std::vector<double> total;
    Llamadesk::ImageResult last;
    for (int i = 0; i < runs; ++i) {
        QElapsedTimer timer;
        timer.start();
        const QImage image = screen->grabWindow(0).toImage();
        const double grabbed = msSince(timer);
        last = Llamadesk::ImageAttachment::fromImage(image, options, QStringLiteral("Screenshot"));
        const double all = msSince(timer);
        capture.push_back(grabbed);
        encode.push_back(all - grabbed);
        total.push_back(all);
    }
    if (!last) {
        std::fprintf(stderr, "encoding failed: %s\n", qPrintable(last.error));
        return 1;
    }

    // Where the encoding's time goes, step by step on the same grab.
    const QImage grab = screen->grabWindow(0).toImage();
    const QSize target = Llamadesk::ImageAttachment::scaledSize(grab.size(), options.maxEdge);
    QImage scaled;
    const double scaleMs =
        timed(runs, [&] { scaled = grab.scaled(target, Qt::IgnoreAspectRatio, Qt::SmoothTransformation); });
    std::string steps;
    double pngDefaultMs = 0;
    for (const int level : {1, 3, 6}) {
        QByteArray png;
        const double ms = timed(runs, [&] { png = pngAtZlibLevel(scaled, level); });
        if (level == 6)
            pngDefaultMs = ms;
        steps += QStringLiteral("; PNG zlib level %1%2 %3 ms, %4 bytes")
                     .arg(level)
                     .arg(level == 6 ? QStringLiteral(" (Qt's default)") : QString())
                     .arg(ms, 0, 'f', 1)
                     .arg(png.size())
                     .toStdString();
    }
    QByteArray jpeg;
    const double jpegMs = timed(runs, [&] { jpeg = jpegAt(scaled, options.jpegQuality); });
    steps += QStringLiteral("; JPEG %1 %2 ms, %3 bytes")
                 .arg(options.jpegQuality)
                 .arg(jpegMs, 0, 'f', 1)
                 .arg(jpeg.size())
                 .toStdString();

    const double captureMs = median(capture);
    const double encodeMs = median(encode);
    const double totalMs = median(total);
    if (argc > 2) {
        QFile file(QString::fromLocal8Bit(argv[2]));
        if (file.open(QIODevice::WriteOnly))
            file.write(last.attachment->data);
    }
    std::printf("sent: %s %dx%d, %lld bytes (%lld as base64)\n", qPrintable(last.attachment->mimeType),
                last.attachment->width, last.attachment->height,
                static_cast<long long>(last.attachment->data.size()),
                static_cast<long long>(last.attachment->data.toBase64().size()));
    std::printf(
        "steps (median): downscale %.1f ms%s; downscale + default PNG + JPEG one after the other %.1f ms\n",
        scaleMs, steps.c_str(), scaleMs + pngDefaultMs + jpegMs);
    std::printf(
        "capture %.1f ms, downscale+encode %.1f ms, total %.1f ms (median of %d) — target < 150 ms: %s\n",
        captureMs, encodeMs, totalMs, runs, totalMs < 150 ? "met" : "MISSED");
    std::printf("grab alone (baseline) %.1f ms; ratio total/grab %.2f\n", grabOnly, totalMs / grabOnly);
    return 0;
}
