// Screenshots on X11 through QScreen: the screen under the pointer as it is shown, the active
// window where a window manager names one (the test plays that window manager by setting
// _NET_ACTIVE_WINDOW on the root window itself), and every answer through the event loop.
#include "guitestsupport.h"
#include "platform/platformfactory.h"
#include "platform/qscreengrabber.h"
#include "platform/screengrabber.h"
#include "testsupport.h"

#include <QCursor>
#include <QGuiApplication>
#include <QPainter>
#include <QRasterWindow>
#include <QScreen>
#include <QSignalSpy>
#include <QtTest/QTest>

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

#include <xcb/xcb.h>

using namespace Llamadesk;

namespace
{
const QString NoWindowManager =
    QStringLiteral("Capturing a single window needs a window manager that reports the active window.");

// Four quadrants: red, green / blue, yellow.
class QuadrantWindow final : public QRasterWindow
{
public:
    bool painted = false;

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter painter(this);
        const int w = width() / 2;
        const int h = height() / 2;
        painter.fillRect(0, 0, w, h, Qt::red);
        painter.fillRect(w, 0, width() - w, h, Qt::green);
        painter.fillRect(0, h, w, height() - h, Qt::blue);
        painter.fillRect(w, h, width() - w, height() - h, Qt::yellow);
        painted = true;
    }
};

// A second X client: the "other program" and the fake window manager.
class OtherClient final
{
    Q_DISABLE_COPY_MOVE(OtherClient)

public:
    OtherClient()
        : m_connection(xcb_connect(nullptr, nullptr))
    {
        if (xcb_connection_has_error(m_connection) == 0) {
            const xcb_screen_t *screen = xcb_setup_roots_iterator(xcb_get_setup(m_connection)).data;
            m_root = screen->root;
            m_visual = screen->root_visual;
            static constexpr char Name[] = "_NET_ACTIVE_WINDOW";
            xcb_intern_atom_reply_t *atom = xcb_intern_atom_reply(
                m_connection, xcb_intern_atom(m_connection, 0, sizeof(Name) - 1, Name), nullptr);
            m_activeAtom = atom ? atom->atom : xcb_atom_t{XCB_ATOM_NONE};
            std::free(atom);
        }
    }
    ~OtherClient()
    {
        clearActiveWindow();
        xcb_disconnect(m_connection);
    }

    bool isValid() const { return xcb_connection_has_error(m_connection) == 0 && m_activeAtom != XCB_ATOM_NONE; }

    // A plain window filled by the X server with one colour (0xRRGGBB on a TrueColor root).
    xcb_window_t createWindow(const QRect &geometry, uint32_t rgb)
    {
        const xcb_window_t window = xcb_generate_id(m_connection);
        const uint32_t values[] = {rgb, 1}; // background pixel, override-redirect
        xcb_create_window(m_connection, XCB_COPY_FROM_PARENT, window, m_root, static_cast<int16_t>(geometry.x()),
                          static_cast<int16_t>(geometry.y()), static_cast<uint16_t>(geometry.width()),
                          static_cast<uint16_t>(geometry.height()), 0, XCB_WINDOW_CLASS_INPUT_OUTPUT, m_visual,
                          XCB_CW_BACK_PIXEL | XCB_CW_OVERRIDE_REDIRECT, values);
        xcb_map_window(m_connection, window);
        sync();
        return window;
    }

    void setActiveWindow(xcb_window_t window)
    {
        xcb_change_property(m_connection, XCB_PROP_MODE_REPLACE, m_root, m_activeAtom, XCB_ATOM_WINDOW, 32, 1,
                            &window);
        sync();
    }

    void clearActiveWindow()
    {
        xcb_delete_property(m_connection, m_root, m_activeAtom);
        sync();
    }

private:
    // Waits until the X server has handled everything sent on the connection, so that Qt's own
    // connection sees it.
    void sync() { std::free(xcb_get_input_focus_reply(m_connection, xcb_get_input_focus(m_connection), nullptr)); }

    xcb_connection_t *m_connection;
    xcb_window_t m_root = 0;
    xcb_visualid_t m_visual = 0;
    xcb_atom_t m_activeAtom = XCB_ATOM_NONE;
};

QColor pixelAt(const QImage &image, const QPoint &logical)
{
    const QPoint device = (QPointF(logical) * image.devicePixelRatio()).toPoint();
    return image.pixelColor(device);
}

void saveArtifact(const QImage &image, const QString &name)
{
    EXPECT_TRUE(image.save(TestSupport::artifactsDir() + u'/' + name + u".png", "PNG"));
}

class ScreenGrabberTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        LLAMADESK_REQUIRE_DISPLAY();
        ASSERT_EQ(QGuiApplication::platformName(), QStringLiteral("xcb"));
        m_grabber = Platform::createScreenGrabber();
        ASSERT_TRUE(m_grabber);
        ASSERT_TRUE(m_other.isValid());
        m_other.clearActiveWindow(); // bare Xvfb: no window manager has set it
    }

    std::unique_ptr<ScreenGrabber> m_grabber;
    OtherClient m_other;
};
} // namespace

TEST_F(ScreenGrabberTest, ScreenHoldsWhatTheScreenShowsWhereItShowsIt)
{
    QuadrantWindow window;
    window.setFlag(Qt::FramelessWindowHint);
    window.setGeometry(140, 110, 240, 160);
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    ASSERT_TRUE(TestSupport::waitUntil([&] { return window.painted; }));
    QCursor::setPos(window.geometry().center());

    QSignalSpy captured(m_grabber.get(), &ScreenGrabber::captured);
    QSignalSpy failed(m_grabber.get(), &ScreenGrabber::failed);
    ASSERT_TRUE(m_grabber->supports(ScreenGrabber::Target::Screen));
    m_grabber->grab(ScreenGrabber::Target::Screen);
    ASSERT_TRUE(captured.wait(5000)) << (failed.isEmpty() ? "" : failed.first().first().toString().toStdString());
    const auto image = captured.first().at(0).value<QImage>();
    const auto geometry = captured.first().at(1).value<QRect>();
    saveArtifact(image, QStringLiteral("screengrabber_screen"));

    const QScreen *screen = window.screen();
    EXPECT_EQ(geometry, screen->geometry());
    EXPECT_EQ(image.devicePixelRatio(), screen->devicePixelRatio());
    EXPECT_EQ(image.size(), (QSizeF(geometry.size()) * screen->devicePixelRatio()).toSize());
    // The quadrants' centres, from the window's place on the screen.
    const QPoint origin = window.geometry().topLeft() - geometry.topLeft();
    EXPECT_EQ(pixelAt(image, origin + QPoint(60, 40)), QColor(Qt::red));
    EXPECT_EQ(pixelAt(image, origin + QPoint(180, 40)), QColor(Qt::green));
    EXPECT_EQ(pixelAt(image, origin + QPoint(60, 120)), QColor(Qt::blue));
    EXPECT_EQ(pixelAt(image, origin + QPoint(180, 120)), QColor(Qt::yellow));
    // Just outside the window: not the window's colours.
    const QColor outside = pixelAt(image, origin + QPoint(-5, -5));
    EXPECT_NE(outside, QColor(Qt::red));
    EXPECT_FALSE(looksBlank(image));
}

TEST_F(ScreenGrabberTest, AnswersComeThroughTheEventLoopNeverFromInsideGrab)
{
    QSignalSpy before(m_grabber.get(), &ScreenGrabber::captured);
    QSignalSpy failedBefore(m_grabber.get(), &ScreenGrabber::failed);
    m_grabber->grab(ScreenGrabber::Target::Screen);
    m_grabber->grab(ScreenGrabber::Target::Interactive);
    EXPECT_EQ(before.count(), 0);
    EXPECT_EQ(failedBefore.count(), 0);
    // A listener connected after grab() returned still hears both.
    QSignalSpy after(m_grabber.get(), &ScreenGrabber::captured);
    QSignalSpy failedAfter(m_grabber.get(), &ScreenGrabber::failed);
    EXPECT_TRUE(after.wait(5000));
    EXPECT_TRUE(failedAfter.count() == 1 || failedAfter.wait(5000));
    EXPECT_EQ(after.count(), 1);
    EXPECT_EQ(failedAfter.count(), 1);
}

TEST_F(ScreenGrabberTest, WindowNeedsAWindowManagerThatReportsTheActiveWindow)
{
    EXPECT_FALSE(m_grabber->supports(ScreenGrabber::Target::Window));
    EXPECT_EQ(m_grabber->unsupportedReason(ScreenGrabber::Target::Window), NoWindowManager);
    QSignalSpy failed(m_grabber.get(), &ScreenGrabber::failed);
    QSignalSpy captured(m_grabber.get(), &ScreenGrabber::captured);
    m_grabber->grab(ScreenGrabber::Target::Window);
    ASSERT_TRUE(failed.wait(5000));
    EXPECT_EQ(failed.first().first().toString(), NoWindowManager);
    EXPECT_EQ(captured.count(), 0);
}

TEST_F(ScreenGrabberTest, WindowIsTheActiveWindowAsTheScreenShowsIt)
{
    const QRect place(300, 200, 120, 90);
    const xcb_window_t other = m_other.createWindow(place, 0xff8000);
    m_other.setActiveWindow(other);
    EXPECT_TRUE(m_grabber->supports(ScreenGrabber::Target::Window));
    EXPECT_EQ(m_grabber->unsupportedReason(ScreenGrabber::Target::Window), QString());

    QSignalSpy captured(m_grabber.get(), &ScreenGrabber::captured);
    QSignalSpy failed(m_grabber.get(), &ScreenGrabber::failed);
    m_grabber->grab(ScreenGrabber::Target::Window);
    ASSERT_TRUE(captured.wait(5000)) << (failed.isEmpty() ? "" : failed.first().first().toString().toStdString());
    const auto image = captured.first().at(0).value<QImage>();
    saveArtifact(image, QStringLiteral("screengrabber_window"));
    // place is in the X server's (device) pixels; the geometry is device-independent.
    const qreal ratio = QGuiApplication::primaryScreen()->devicePixelRatio();
    EXPECT_EQ(captured.first().at(1).value<QRect>(),
              QRect((QPointF(place.topLeft()) / ratio).toPoint(), (QSizeF(place.size()) / ratio).toSize()));
    EXPECT_EQ(image.devicePixelRatio(), ratio);
    EXPECT_EQ(image.size(), place.size());
    const QColor orange(0xff, 0x80, 0x00);
    EXPECT_EQ(image.pixelColor(0, 0), orange);
    EXPECT_EQ(image.pixelColor(60, 45), orange);
    EXPECT_EQ(image.pixelColor(119, 89), orange);
}

TEST_F(ScreenGrabberTest, WindowRefusesLlamadesksOwnWindow)
{
    QuadrantWindow window;
    window.setGeometry(100, 100, 100, 100);
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    m_other.setActiveWindow(static_cast<xcb_window_t>(window.winId()));
    EXPECT_TRUE(m_grabber->supports(ScreenGrabber::Target::Window)); // a window manager answers

    QSignalSpy failed(m_grabber.get(), &ScreenGrabber::failed);
    m_grabber->grab(ScreenGrabber::Target::Window);
    ASSERT_TRUE(failed.wait(5000));
    EXPECT_EQ(failed.first().first().toString(),
              QStringLiteral("No other program's window is active; click the window to capture first."));

    m_other.setActiveWindow(XCB_WINDOW_NONE); // the window manager says: none
    m_grabber->grab(ScreenGrabber::Target::Window);
    ASSERT_TRUE(failed.wait(5000));
    EXPECT_EQ(failed.at(1).first().toString(), failed.at(0).first().toString());
}

TEST_F(ScreenGrabberTest, InteractiveIsLeftToLlamadesksOwnOverlay)
{
    EXPECT_FALSE(m_grabber->supports(ScreenGrabber::Target::Interactive));
    const QString reason = m_grabber->unsupportedReason(ScreenGrabber::Target::Interactive);
    EXPECT_FALSE(reason.isEmpty());
    QSignalSpy failed(m_grabber.get(), &ScreenGrabber::failed);
    m_grabber->grab(ScreenGrabber::Target::Interactive);
    ASSERT_TRUE(failed.wait(5000));
    EXPECT_EQ(failed.first().first().toString(), reason);
}

TEST(LooksBlank, NullAndAllBlackPicturesAreBlank)
{
    EXPECT_TRUE(looksBlank(QImage()));
    QImage black(64, 48, QImage::Format_RGB32);
    black.fill(Qt::black);
    EXPECT_TRUE(looksBlank(black));
    QImage transparentBlack(8, 8, QImage::Format_ARGB32_Premultiplied);
    transparentBlack.fill(Qt::transparent);
    EXPECT_TRUE(looksBlank(transparentBlack));
    QImage grey(8, 8, QImage::Format_Grayscale8);
    grey.fill(0);
    EXPECT_TRUE(looksBlank(grey));
}

TEST(LooksBlank, OneLitPixelAnywhereIsEnough)
{
    QImage image(64, 48, QImage::Format_RGB32);
    image.fill(Qt::black);
    image.setPixelColor(63, 47, QColor(0, 0, 1));
    EXPECT_FALSE(looksBlank(image));
    QImage rgb888(16, 16, QImage::Format_RGB888);
    rgb888.fill(Qt::black);
    rgb888.setPixelColor(3, 9, Qt::white);
    EXPECT_FALSE(looksBlank(rgb888));
}
