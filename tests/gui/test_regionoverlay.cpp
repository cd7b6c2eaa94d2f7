// The region picker over a frozen screenshot: what a drag selects, in the image's own pixels,
// and that it always ends with exactly one answer and deletes itself.
#include "guitestsupport.h"
#include "ui/regionoverlay.h"
#include "testsupport.h"

#include <QGuiApplication>
#include <QPainter>
#include <QPointer>
#include <QScreen>
#include <QSignalSpy>
#include <QtTest/QTest>

#include <gtest/gtest.h>

using namespace Llamadesk;

namespace
{
// A stand-in for a desktop: a gradient with a grid and, in the lower right, a red block, so a
// wrong crop, a wrong scale or a wrong offset all show. size in device pixels.
QImage desktop(QSize size, qreal dpr)
{
    QImage image(size, QImage::Format_RGB32);
    QPainter painter(&image);
    QLinearGradient gradient(0, 0, size.width(), size.height());
    gradient.setColorAt(0, QColor(0x2e, 0x3b, 0x55));
    gradient.setColorAt(1, QColor(0x6b, 0x8e, 0xb8));
    painter.fillRect(image.rect(), gradient);
    painter.setPen(QColor(255, 255, 255, 60));
    for (int x = 0; x < size.width(); x += 37)
        painter.drawLine(x, 0, x, size.height());
    for (int y = 0; y < size.height(); y += 29)
        painter.drawLine(0, y, size.width(), y);
    // A window to pick.
    const QRect window(size.width() / 10, size.height() / 10, size.width() * 4 / 10, size.height() * 4 / 10);
    painter.fillRect(window, QColor(0xf5, 0xf5, 0xf5));
    painter.fillRect(window.adjusted(0, 0, 0, -window.height() + size.height() / 25), QColor(0x37, 0x47, 0x4f));
    painter.setPen(Qt::black);
    QFont font = painter.font();
    font.setPixelSize(size.height() / 30);
    painter.setFont(font);
    painter.drawText(window.adjusted(20, size.height() / 20, -20, -20), Qt::TextWordWrap,
                     QStringLiteral("error: undefined reference to `Llamadesk::RegionOverlay::start()'"));
    painter.fillRect(QRect(size.width() * 6 / 10, size.height() * 6 / 10, size.width() / 10, size.height() / 10),
                     QColor(0xd3, 0x2f, 0x2f));
    painter.end();
    image.setDevicePixelRatio(dpr);
    return image;
}

QRect screenGeometry()
{
    return QGuiApplication::primaryScreen()->geometry();
}

bool samePixels(const QImage &a, const QImage &b)
{
    return a.convertToFormat(QImage::Format_RGB32) == b.convertToFormat(QImage::Format_RGB32);
}

class RegionOverlayTest : public ::testing::Test
{
protected:
    // Shows an overlay over the (Xvfb) screen with a desktop of the screen's size times dpr.
    void open(qreal dpr)
    {
        m_geometry = screenGeometry();
        m_frozen = desktop(m_geometry.size() * dpr, dpr);
        m_overlay = new RegionOverlay(m_frozen, m_geometry);
        m_selected = std::make_unique<QSignalSpy>(m_overlay.data(), &RegionOverlay::selected);
        m_cancelled = std::make_unique<QSignalSpy>(m_overlay.data(), &RegionOverlay::cancelled);
        m_overlay->start();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(m_overlay));
        ASSERT_EQ(m_overlay->geometry(), m_geometry);
    }
    void drag(QPoint from, QPoint to)
    {
        QTest::mousePress(m_overlay, Qt::LeftButton, {}, from);
        QTest::mouseMove(m_overlay, (from + to) / 2);
        QTest::mouseMove(m_overlay, to);
        QTest::mouseRelease(m_overlay, Qt::LeftButton, {}, to);
    }
    // The overlay deletes itself once it has answered.
    void expectGone()
    {
        EXPECT_TRUE(TestSupport::waitUntil([&] { return m_overlay.isNull(); }));
    }
    void TearDown() override { delete m_overlay.data(); }

    QRect m_geometry;
    QImage m_frozen;
    QPointer<RegionOverlay> m_overlay;
    std::unique_ptr<QSignalSpy> m_selected;
    std::unique_ptr<QSignalSpy> m_cancelled;
};
} // namespace

TEST_F(RegionOverlayTest, DragSelectsExactlyThePixelsUnderIt)
{
    LLAMADESK_REQUIRE_DISPLAY();
    ASSERT_NO_FATAL_FAILURE(open(1));
    const QPoint from(128, 80);
    const QPoint to(640, 400);
    QTest::mousePress(m_overlay, Qt::LeftButton, {}, from);
    QTest::mouseMove(m_overlay, QPoint(300, 200));
    QTest::mouseMove(m_overlay, to);
    EXPECT_EQ(m_overlay->selection(), QRect(from, to - QPoint(1, 1)));
    m_overlay->repaint();
    EXPECT_FALSE(TestSupport::saveScreenScreenshot(QStringLiteral("region-overlay-dragging")).isEmpty());
    // Dimmed outside the selection, as it was inside.
    const QImage shown = m_overlay->grab().toImage();
    const QPoint inside(200, 300);
    const QPoint outside(900, 120);
    EXPECT_EQ(shown.pixelColor(inside), m_frozen.pixelColor(inside));
    EXPECT_LT(shown.pixelColor(outside).lightness(), m_frozen.pixelColor(outside).lightness() - 20);
    QTest::mouseRelease(m_overlay, Qt::LeftButton, {}, to);

    ASSERT_EQ(m_selected->count(), 1);
    EXPECT_EQ(m_cancelled->count(), 0);
    const QRect expected(128, 80, 512, 320);
    const QImage cropped = qvariant_cast<QImage>(m_selected->at(0).at(0));
    EXPECT_EQ(m_selected->at(0).at(1).toRect(), expected);
    EXPECT_EQ(cropped.size(), expected.size());
    EXPECT_EQ(cropped.devicePixelRatio(), 1.0);
    EXPECT_TRUE(samePixels(cropped, m_frozen.copy(expected)));
    expectGone();
}

TEST_F(RegionOverlayTest, OnAHiDpiScreenThePixelRectIsTheLogicalRectDoubled)
{
    LLAMADESK_REQUIRE_DISPLAY();
    ASSERT_NO_FATAL_FAILURE(open(2));
    ASSERT_EQ(m_frozen.size(), m_geometry.size() * 2);
    // The 2x image fills the screen at its logical size: the red block, at 60% of the image's
    // width and height, is at 60% of the screen's.
    const QImage shown = m_overlay->grab().toImage();
    const QColor block = shown.pixelColor(QPoint(m_geometry.width() * 65 / 100, m_geometry.height() * 65 / 100) *
                                          shown.devicePixelRatio());
    EXPECT_GT(block.red(), block.green() + 40) << block.name().toStdString();
    EXPECT_FALSE(TestSupport::saveScreenScreenshot(QStringLiteral("region-overlay-2x")).isEmpty());

    drag(QPoint(100, 80), QPoint(400, 300));
    ASSERT_EQ(m_selected->count(), 1);
    const QRect expected(200, 160, 600, 440);
    EXPECT_EQ(m_selected->at(0).at(1).toRect(), expected);
    const QImage cropped = qvariant_cast<QImage>(m_selected->at(0).at(0));
    EXPECT_EQ(cropped.devicePixelRatio(), 1.0);
    EXPECT_TRUE(samePixels(cropped, m_frozen.copy(expected)));
    expectGone();
}

TEST_F(RegionOverlayTest, DraggingUpAndLeftSelectsTheSameRect)
{
    LLAMADESK_REQUIRE_DISPLAY();
    ASSERT_NO_FATAL_FAILURE(open(1));
    drag(QPoint(500, 300), QPoint(100, 100));
    ASSERT_EQ(m_selected->count(), 1);
    EXPECT_EQ(m_selected->at(0).at(1).toRect(), QRect(100, 100, 400, 200));
    expectGone();
}

TEST_F(RegionOverlayTest, EscapeCancelsAndSelectsNothing)
{
    LLAMADESK_REQUIRE_DISPLAY();
    ASSERT_NO_FATAL_FAILURE(open(1));
    EXPECT_FALSE(TestSupport::saveScreenScreenshot(QStringLiteral("region-overlay-open")).isEmpty());
    QTest::keyClick(m_overlay, Qt::Key_Escape);
    EXPECT_EQ(m_cancelled->count(), 1);
    EXPECT_EQ(m_selected->count(), 0);
    expectGone();
    EXPECT_EQ(m_cancelled->count(), 1);
}

TEST_F(RegionOverlayTest, RightClickCancels)
{
    LLAMADESK_REQUIRE_DISPLAY();
    ASSERT_NO_FATAL_FAILURE(open(1));
    QTest::mouseClick(m_overlay, Qt::RightButton, {}, QPoint(300, 300));
    EXPECT_EQ(m_cancelled->count(), 1);
    EXPECT_EQ(m_selected->count(), 0);
    expectGone();
}

TEST_F(RegionOverlayTest, EnterPicksTheWholeImage)
{
    LLAMADESK_REQUIRE_DISPLAY();
    ASSERT_NO_FATAL_FAILURE(open(2));
    QTest::keyClick(m_overlay, Qt::Key_Return);
    ASSERT_EQ(m_selected->count(), 1);
    EXPECT_EQ(m_cancelled->count(), 0);
    EXPECT_EQ(m_selected->at(0).at(1).toRect(), m_frozen.rect());
    const QImage whole = qvariant_cast<QImage>(m_selected->at(0).at(0));
    EXPECT_EQ(whole.size(), m_frozen.size());
    EXPECT_EQ(whole.devicePixelRatio(), 1.0);
    EXPECT_TRUE(samePixels(whole, m_frozen));
    expectGone();
}

TEST_F(RegionOverlayTest, AClickWithoutADragPicksTheWholeImage)
{
    LLAMADESK_REQUIRE_DISPLAY();
    ASSERT_NO_FATAL_FAILURE(open(1));
    QTest::mouseClick(m_overlay, Qt::LeftButton, {}, QPoint(640, 400));
    ASSERT_EQ(m_selected->count(), 1);
    EXPECT_EQ(m_selected->at(0).at(1).toRect(), m_frozen.rect());
    expectGone();
}

TEST_F(RegionOverlayTest, ASliverIsIgnoredAndTheOverlayStaysOpen)
{
    LLAMADESK_REQUIRE_DISPLAY();
    ASSERT_NO_FATAL_FAILURE(open(1));
    drag(QPoint(100, 100), QPoint(300, 102));
    EXPECT_EQ(m_selected->count(), 0);
    EXPECT_EQ(m_cancelled->count(), 0);
    QCoreApplication::processEvents();
    ASSERT_FALSE(m_overlay.isNull());
    EXPECT_TRUE(m_overlay->isVisible());
    // A real selection afterwards still works.
    drag(QPoint(100, 100), QPoint(104, 104));
    ASSERT_EQ(m_selected->count(), 1);
    EXPECT_EQ(m_selected->at(0).at(1).toRect(), QRect(100, 100, 4, 4));
    expectGone();
}

TEST_F(RegionOverlayTest, ClosingFromOutsideIsACancel)
{
    LLAMADESK_REQUIRE_DISPLAY();
    ASSERT_NO_FATAL_FAILURE(open(1));
    m_overlay->close();
    EXPECT_EQ(m_cancelled->count(), 1);
    EXPECT_EQ(m_selected->count(), 0);
    expectGone();
}

TEST_F(RegionOverlayTest, PixelRectsRoundOutwardAndStayInsideTheImage)
{
    LLAMADESK_REQUIRE_DISPLAY();
    const QImage frozen = desktop({300, 150}, 1.5);
    RegionOverlay overlay(frozen, QRect(0, 0, 200, 100));
    overlay.setGeometry(0, 0, 200, 100);
    EXPECT_EQ(overlay.toPixels(QRectF(10, 10, 100, 50)), QRect(15, 15, 150, 75));
    EXPECT_EQ(overlay.toPixels(QRectF(1, 1, 3, 3)), QRect(1, 1, 5, 5)); // 1.5..6 → 1..6
    EXPECT_EQ(overlay.toPixels(QRectF(150, 80, 100, 100)), QRect(225, 120, 75, 30));
}
