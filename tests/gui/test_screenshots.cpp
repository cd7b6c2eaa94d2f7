// Asking about the screen, as a person does it, under Xvfb: a window with a known pattern is on
// the screen, Llamadesk's window partly covers it; the screenshot action hides Llamadesk, grabs,
// brings it back and attaches the picture; the region overlay crops to the dragged rectangle and
// Esc cancels; images are refused with a reason when the model cannot see.
#include "appfixture.h"
#include "core/chat/chatclient.h"
#include "core/chat/chatsession.h"
#include "core/chat/chatstore.h"
#include "ui/chatpane.h"
#include "ui/chat/composer.h"
#include "platform/globalhotkey.h"
#include "guitestsupport.h"
#include "image/imageattachment.h"
#include "ui/inlinebanner.h"
#include "ui/mainwindow.h"
#include "platform/platformfactory.h"
#include "platform/screengrabber.h"
#include "ui/screenshotcontroller.h"
#include "core/server/serversupervisor.h"
#include "core/settingkeys.h"
#include "core/settings.h"
#include "testsupport.h"
#include "ui/chat/transcriptview.h"

#include <QDialog>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QGuiApplication>
#include <QMenu>
#include <QPainter>
#include <QPlainTextEdit>
#include <QProcess>
#include <QScreen>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest/QTest>

#include <gtest/gtest.h>

#include <memory>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
// A 400x300 window of four coloured quadrants at (100, 100) on the screen.
class PatternWindow final : public QWidget
{
public:
    static constexpr QRect Geometry{100, 100, 400, 300};
    PatternWindow()
    {
        setWindowFlag(Qt::FramelessWindowHint);
        setGeometry(Geometry);
    }
    // The colour of each quadrant, at a point in screen coordinates.
    static QColor expectedAt(QPoint screen)
    {
        const QPoint p = screen - Geometry.topLeft();
        const bool right = p.x() >= Geometry.width() / 2;
        const bool bottom = p.y() >= Geometry.height() / 2;
        if (!bottom)
            return right ? QColor(0, 160, 0) : QColor(200, 0, 0);
        return right ? QColor(230, 200, 0) : QColor(0, 0, 200);
    }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter painter(this);
        const int w = width() / 2;
        const int h = height() / 2;
        painter.fillRect(0, 0, w, h, QColor(200, 0, 0));
        painter.fillRect(w, 0, w, h, QColor(0, 160, 0));
        painter.fillRect(0, h, w, h, QColor(0, 0, 200));
        painter.fillRect(w, h, w, h, QColor(230, 200, 0));
    }
};

bool near(QColor a, QColor b, int tolerance = 24)
{
    return std::abs(a.red() - b.red()) <= tolerance && std::abs(a.green() - b.green()) <= tolerance
           && std::abs(a.blue() - b.blue()) <= tolerance;
}

std::string describe(QColor c)
{
    return QStringLiteral("rgb(%1, %2, %3)").arg(c.red()).arg(c.green()).arg(c.blue()).toStdString();
}

class ScreenshotTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        LLAMADESK_REQUIRE_DISPLAY();
        ASSERT_EQ(QGuiApplication::platformName(), QStringLiteral("xcb"));
        // The app with the platform's own screen grabber, as main() builds it.
        m_app = std::make_unique<App>(testAppOptions(m_dir));
        m_settings = &m_app->settings();
        m_supervisor = &m_app->supervisor();
        m_session = &m_app->session();
        ASSERT_NO_FATAL_FAILURE(useFakeServer(*m_settings, 8));
        // Full size, so that screen pixels and picture pixels are the same.
        ASSERT_FALSE(m_settings->set(Keys::VisionMaxEdge, 4096));
        m_window = std::make_unique<MainWindow>(*m_app);
        m_pane = m_window->chatPane();
        m_screenshots = m_window->screenshots();
        m_app->start();

        m_pattern.show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(&m_pattern));
        // Llamadesk's window lies over the pattern's bottom-right (yellow) quadrant.
        m_window->setGeometry(OwnWindow);
        m_window->show();
        m_window->raise();
        m_window->activateWindow();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(m_window.get()));
        ASSERT_TRUE(QTest::qWaitForWindowActive(m_window.get())); // shortcuts go to the active window
    }

    void TearDown() override
    {
        if (m_app)
            stopServer(*m_app);
        m_window.reset();
        m_app.reset();
    }

    void startServer(const QString &mmproj)
    {
        if (!mmproj.isEmpty()) {
            ASSERT_FALSE(m_settings->set(Keys::ServerMmproj, QString(sharedDir() + QStringLiteral("/models/") + mmproj)));
        }
        m_supervisor->start();
        ASSERT_TRUE(waitUntil([&] { return m_supervisor->state() == ServerState::Running; }, std::chrono::seconds(10)));
        ASSERT_TRUE(waitUntil([&] { return m_pane->composer()->isSendEnabled(); }));
        // /props comes after Running: only then does the pane know whether the model can see.
        if (!mmproj.isEmpty()) {
            ASSERT_TRUE(waitUntil([&] { return m_pane->composer()->isImageInputEnabled(); }))
                    << m_pane->composer()->screenshotButton()->toolTip().toStdString();
        }
    }

    QAction *menuAction(const QString &text) const
    {
        QMenu *menu = m_pane->composer()->screenshotButton()->menu();
        if (!menu)
            return nullptr;
        for (QAction *action : menu->actions()) {
            if (action->text() == text)
                return action;
        }
        return nullptr;
    }

    QImage attachedImage(int index = 0) const
    {
        const QList<MessageAttachment> attachments = m_pane->composer()->attachments();
        if (index >= attachments.size())
            return {};
        return ImageAttachment::decode(attachments.at(index)).convertToFormat(QImage::Format_RGB32);
    }

    static constexpr QRect OwnWindow{330, 280, 700, 480};

    QTemporaryDir m_dir;
    TempXdg m_xdg;
    PatternWindow m_pattern;
    std::unique_ptr<App> m_app;
    // The app's parts, for the tests' convenience.
    Settings *m_settings = nullptr;
    ServerSupervisor *m_supervisor = nullptr;
    ChatSession *m_session = nullptr;
    ChatPane *m_pane = nullptr;                     // owned by the window
    ScreenshotController *m_screenshots = nullptr;  // the window's
    std::unique_ptr<MainWindow> m_window;
};
} // namespace

TEST_F(ScreenshotTest, TheScreenIsCapturedWithThePatternWhereItWasAndWithoutLlamadesk)
{
    startServer(QStringLiteral("tiny-mmproj-vision.gguf"));
    ASSERT_TRUE(m_pane->composer()->screenshotButton()->isEnabled()) << m_pane->composer()->screenshotButton()->toolTip().toStdString();
    // What a person sees first: Llamadesk covers the yellow quadrant's centre.
    const QPoint yellowCentre = PatternWindow::Geometry.topLeft() + QPoint(300, 225);
    ASSERT_TRUE(OwnWindow.contains(yellowCentre));
    const QImage before = QGuiApplication::primaryScreen()->grabWindow(0).toImage();
    ASSERT_FALSE(near(before.pixelColor(yellowCentre), PatternWindow::expectedAt(yellowCentre)));
    saveScreenScreenshot(QStringLiteral("screenshot-before-capture"));

    QAction *wholeScreen = menuAction(QStringLiteral("Whole screen"));
    ASSERT_NE(wholeScreen, nullptr);
    QSignalSpy captured(m_screenshots, &ScreenshotController::captured);
    wholeScreen->trigger();
    EXPECT_TRUE(m_screenshots->isBusy());
    ASSERT_TRUE(captured.wait(5000));

    const QImage picture = attachedImage();
    ASSERT_FALSE(picture.isNull());
    const QSize screen = QGuiApplication::primaryScreen()->geometry().size();
    EXPECT_EQ(picture.size(), screen);
    picture.save(artifactsDir() + QStringLiteral("/screenshot-captured.png"));
    // Every quadrant where it was on the screen, the one under Llamadesk's window included.
    for (const QPoint offset : {QPoint(100, 75), QPoint(300, 75), QPoint(100, 225), QPoint(300, 225)}) {
        const QPoint at = PatternWindow::Geometry.topLeft() + offset;
        EXPECT_TRUE(near(picture.pixelColor(at), PatternWindow::expectedAt(at)))
                << "at " << at.x() << "," << at.y() << ": " << describe(picture.pixelColor(at));
    }
    // Llamadesk came back, with the picture in its composer.
    EXPECT_TRUE(waitUntil([&] { return m_window->isVisible(); }));
    EXPECT_FALSE(m_screenshots->isBusy());
    EXPECT_EQ(m_pane->composer()->attachments().size(), 1);
    saveScreenshot(m_window.get(), QStringLiteral("screenshot-attached"));
}

TEST_F(ScreenshotTest, CtrlShiftSOpensTheRegionOverlayAndTheDraggedRectangleIsAttached)
{
    startServer(QStringLiteral("tiny-mmproj-vision.gguf"));
    m_pane->composer()->editor()->setFocus();
    QTest::keyClick(m_pane->composer()->editor(), Qt::Key_S, Qt::ControlModifier | Qt::ShiftModifier);
    ASSERT_TRUE(waitUntil([&] { return m_screenshots->overlay() && m_screenshots->overlay()->isVisible(); }));
    QWidget *overlay = m_screenshots->overlay();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(overlay));
    EXPECT_FALSE(m_window->isVisible()); // not in the picture, not in the way
    saveScreenScreenshot(QStringLiteral("screenshot-region-overlay"));

    // From the red quadrant into the green one: 300 x 80 screen pixels.
    const QPoint from(150, 120);
    const QPoint to(450, 200);
    QSignalSpy captured(m_screenshots, &ScreenshotController::captured);
    QTest::mousePress(overlay, Qt::LeftButton, {}, overlay->mapFromGlobal(from));
    QTest::mouseMove(overlay, overlay->mapFromGlobal(QPoint(300, 160)));
    QTest::mouseMove(overlay, overlay->mapFromGlobal(to));
    QTest::mouseRelease(overlay, Qt::LeftButton, {}, overlay->mapFromGlobal(to));
    ASSERT_TRUE(captured.wait(5000));

    const QImage picture = attachedImage();
    ASSERT_FALSE(picture.isNull());
    picture.save(artifactsDir() + QStringLiteral("/screenshot-region.png"));
    EXPECT_NEAR(picture.width(), 300, 1);
    EXPECT_NEAR(picture.height(), 80, 1);
    EXPECT_TRUE(near(picture.pixelColor(10, 40), QColor(200, 0, 0))) << describe(picture.pixelColor(10, 40));
    EXPECT_TRUE(near(picture.pixelColor(picture.width() - 10, 40), QColor(0, 160, 0)))
            << describe(picture.pixelColor(picture.width() - 10, 40));
    // The red/green border is at x = 300 on the screen: 150 pixels into the region.
    EXPECT_TRUE(near(picture.pixelColor(147, 40), QColor(200, 0, 0)));
    EXPECT_TRUE(near(picture.pixelColor(153, 40), QColor(0, 160, 0)));
    EXPECT_TRUE(waitUntil([&] { return m_window->isVisible(); }));
}

TEST_F(ScreenshotTest, EscapeInTheOverlayCancelsAndAttachesNothing)
{
    startServer(QStringLiteral("tiny-mmproj-vision.gguf"));
    QSignalSpy cancelled(m_screenshots, &ScreenshotController::cancelled);
    QSignalSpy captured(m_screenshots, &ScreenshotController::captured);
    m_pane->composer()->screenshotButton()->click();
    ASSERT_TRUE(waitUntil([&] { return m_screenshots->overlay() && m_screenshots->overlay()->isVisible(); }));
    QPointer<QWidget> overlay = m_screenshots->overlay();
    QTest::keyClick(overlay, Qt::Key_Escape);
    ASSERT_TRUE(cancelled.count() == 1 || cancelled.wait(3000));
    EXPECT_TRUE(waitUntil([&] { return overlay.isNull(); }));
    EXPECT_TRUE(m_window->isVisible());
    EXPECT_FALSE(m_screenshots->isBusy());
    EXPECT_EQ(captured.count(), 0);
    EXPECT_TRUE(m_pane->composer()->attachments().isEmpty());
}

TEST_F(ScreenshotTest, AModelWithoutAVisionProjectorDisablesScreenshotsAndAttachments)
{
    startServer({}); // text only
    // /props arrives after Running.
    Composer *composer = m_pane->composer();
    ASSERT_TRUE(waitUntil([&] { return composer->screenshotButton()->toolTip() == ChatClient::imageInputUnsupportedMessage(); }));
    EXPECT_FALSE(composer->screenshotButton()->isEnabled());
    EXPECT_FALSE(composer->attachButton()->isEnabled());
    EXPECT_EQ(composer->attachButton()->toolTip(), ChatClient::imageInputUnsupportedMessage());
    EXPECT_TRUE(ChatClient::imageInputUnsupportedMessage().contains(u"vision projector (mmproj)"));
    // The shortcut does nothing either.
    composer->editor()->setFocus();
    QTest::keyClick(composer->editor(), Qt::Key_S, Qt::ControlModifier | Qt::ShiftModifier);
    EXPECT_FALSE(m_screenshots->isBusy());
    EXPECT_TRUE(m_window->isVisible());
    saveScreenshot(m_window.get(), QStringLiteral("screenshot-no-vision"));
}

TEST_F(ScreenshotTest, ImageFilesAreAttachedAndSentAndShownFullSizeFromTheTranscript)
{
    startServer(QStringLiteral("tiny-mmproj-vision.gguf"));
    Composer *composer = m_pane->composer();
    ASSERT_TRUE(waitUntil([&] { return composer->isImageInputEnabled(); }));
    const QString png = sharedDir() + QStringLiteral("/media/test.png");
    Q_EMIT composer->imageFilesOffered({png, m_dir.filePath(QStringLiteral("missing.png"))});
    ASSERT_TRUE(waitUntil([&] { return composer->attachments().size() == 1; }));
    EXPECT_EQ(composer->attachments().constFirst().width, 64);
    EXPECT_EQ(composer->attachments().constFirst().height, 48);
    // The file that is not there is named in the banner; the good one is attached anyway.
    ASSERT_TRUE(waitUntil([&] { return m_pane->banner()->isVisible(); }));
    EXPECT_TRUE(m_pane->banner()->text().contains(u"missing.png")) << m_pane->banner()->text().toStdString();

    composer->editor()->setFocus();
    QTest::keyClicks(composer->editor(), QStringLiteral("What colours are these?"));
    QTest::keyClick(composer->editor(), Qt::Key_Return);
    EXPECT_TRUE(composer->attachments().isEmpty());
    ASSERT_TRUE(waitUntil([&] { return !m_session->isBusy() && m_session->messages().size() == 2; }, std::chrono::seconds(10)));
    const StoredMessage question = m_session->messages().constFirst();
    EXPECT_EQ(question.attachments.size(), 1);
    EXPECT_EQ(m_session->messages().constLast().state, MessageState::Complete) << m_session->messages().constLast().error.toStdString();
    saveScreenshot(m_window.get(), QStringLiteral("screenshot-sent-with-image"));

    Q_EMIT m_pane->transcript()->imageActivated(question.id, 0);
    QDialog *viewer = nullptr;
    ASSERT_TRUE(waitUntil([&] {
        viewer = m_pane->findChild<QDialog *>(QStringLiteral("imageViewer"));
        return viewer && viewer->isVisible();
    }));
    saveScreenshot(viewer, QStringLiteral("screenshot-image-viewer"));
    viewer->close();
}

// vision/global_hotkey: Ctrl+Shift+S from any application opens the overlay; off, it is left alone.
TEST_F(ScreenshotTest, WithTheGlobalShortcutOnCtrlShiftSCapturesFromAnywhere)
{
    startServer(QStringLiteral("tiny-mmproj-vision.gguf"));
    GlobalHotkey *hotkey = &m_app->screenshotHotkey().hotkey(); // the platform's, for Ctrl+Shift+S
    EXPECT_FALSE(hotkey->isEnabled()) << "off by default";
    ASSERT_FALSE(m_settings->set(Keys::VisionGlobalHotkey, true));
    ASSERT_TRUE(hotkey->isEnabled()) << hotkey->lastError().toStdString();

    // The keys go to the X server, as another application's keys would; the grab brings them here.
    QSignalSpy pressed(hotkey, &GlobalHotkey::pressed);
    ASSERT_EQ(QProcess::execute(QStringLiteral("xdotool"), {QStringLiteral("key"), QStringLiteral("ctrl+shift+s")}), 0);
    ASSERT_TRUE(pressed.count() > 0 || pressed.wait(3000));
    ASSERT_TRUE(waitUntil([&] { return m_screenshots->overlay() && m_screenshots->overlay()->isVisible(); }));
    QSignalSpy cancelled(m_screenshots, &ScreenshotController::cancelled);
    QTest::keyClick(m_screenshots->overlay(), Qt::Key_Escape);
    ASSERT_TRUE(cancelled.count() == 1 || cancelled.wait(3000));
    EXPECT_TRUE(waitUntil([&] { return m_window->isVisible() && !m_screenshots->isBusy(); }));

    ASSERT_FALSE(m_settings->set(Keys::VisionGlobalHotkey, false));
    EXPECT_FALSE(hotkey->isEnabled());
}

// Bare Xvfb has no window manager to say which window is active: the menu says so instead of
// offering a capture that cannot work.
TEST_F(ScreenshotTest, ActiveWindowIsOfferedOnlyWhereTheWindowManagerTellsIt)
{
    startServer(QStringLiteral("tiny-mmproj-vision.gguf"));
    QMenu *menu = m_pane->composer()->screenshotButton()->menu();
    ASSERT_NE(menu, nullptr);
    QAction *window = menuAction(QStringLiteral("Active window"));
    ASSERT_NE(window, nullptr);
    Q_EMIT menu->aboutToShow();
    EXPECT_EQ(window->isEnabled(), m_screenshots->supports(ScreenshotMode::Window));
    EXPECT_FALSE(m_screenshots->supports(ScreenshotMode::Window)) << "no window manager under the test's Xvfb";
    EXPECT_EQ(window->toolTip(),
              QStringLiteral("Capturing a single window needs a window manager that reports the active window."));
    EXPECT_TRUE(menuAction(QStringLiteral("Whole screen"))->isEnabled());
    // Asked anyway (the global shortcut has no menu), it fails with the same sentence.
    QSignalSpy failed(m_screenshots, &ScreenshotController::failed);
    m_screenshots->capture(ScreenshotMode::Window);
    ASSERT_TRUE(failed.wait(3000));
    EXPECT_EQ(failed.at(0).at(0).toString(), window->toolTip());
    EXPECT_TRUE(m_window->isVisible());
}

// A picture dropped on the conversation, not only on the message box, is attached.
TEST_F(ScreenshotTest, APictureDroppedOnTheConversationIsAttached)
{
    startServer(QStringLiteral("tiny-mmproj-vision.gguf"));
    QWidget *viewport = m_pane->transcript()->viewport();
    auto *mime = new QMimeData;
    mime->setUrls({QUrl::fromLocalFile(sharedDir() + QStringLiteral("/media/test.png"))});
    const QPoint pos = viewport->rect().center();
    QDragEnterEvent enter(pos, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    enter.setAccepted(false);
    QCoreApplication::sendEvent(viewport, &enter);
    EXPECT_TRUE(enter.isAccepted());
    QDropEvent drop(QPointF(pos), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    drop.setAccepted(false);
    QCoreApplication::sendEvent(viewport, &drop);
    EXPECT_TRUE(drop.isAccepted());
    ASSERT_TRUE(waitUntil([&] { return m_pane->composer()->attachments().size() == 1; }));
    EXPECT_EQ(m_pane->composer()->attachments().constFirst().name, QStringLiteral("test.png"));

    // Text is not a picture: refused, as on the message box.
    auto *text = new QMimeData;
    text->setText(QStringLiteral("just words"));
    QDragEnterEvent words(pos, Qt::CopyAction, text, Qt::LeftButton, Qt::NoModifier);
    words.setAccepted(false);
    QCoreApplication::sendEvent(viewport, &words);
    EXPECT_FALSE(words.isAccepted());
    delete mime;
    delete text;
}

// Held down, Ctrl+Shift+S repeats like any key: one press is one screenshot. (Found with the real
// app: a capture ended and at once another began, 25 times a second, while the keys were held.)
TEST_F(ScreenshotTest, HoldingCtrlShiftSTakesOneScreenshotNotOnePerRepeat)
{
    startServer(QStringLiteral("tiny-mmproj-vision.gguf"));
    QPlainTextEdit *editor = m_pane->composer()->editor();
    editor->setFocus();
    QTest::simulateEvent(editor, true, Qt::Key_S, Qt::ControlModifier | Qt::ShiftModifier, QString(), false, -1);
    ASSERT_TRUE(waitUntil([&] { return m_screenshots->overlay() && m_screenshots->overlay()->isVisible(); }));
    QSignalSpy cancelled(m_screenshots, &ScreenshotController::cancelled);
    QTest::keyClick(m_screenshots->overlay(), Qt::Key_Escape);
    ASSERT_TRUE(cancelled.count() == 1 || cancelled.wait(3000));
    ASSERT_TRUE(waitUntil([&] { return m_window->isVisible(); }));
    ASSERT_TRUE(QTest::qWaitForWindowActive(m_window.get())); // shortcuts reach the active window only

    // The keys are still down: the X server repeats the press.
    editor->setFocus();
    for (int i = 0; i < 3; ++i)
        QTest::simulateEvent(editor, true, Qt::Key_S, Qt::ControlModifier | Qt::ShiftModifier, QString(), true, -1);
    EXPECT_FALSE(m_screenshots->isBusy());
    QTest::simulateEvent(editor, false, Qt::Key_S, Qt::ControlModifier | Qt::ShiftModifier, QString(), false, -1);
    EXPECT_FALSE(m_screenshots->isBusy());
    EXPECT_TRUE(m_window->isVisible());
}

// Edit puts a question's pictures back in the composer with its words; what is sent is what the
// composer then holds.
TEST_F(ScreenshotTest, EditingAQuestionBringsItsPicturesToTheComposer)
{
    startServer(QStringLiteral("tiny-mmproj-vision.gguf"));
    Composer *composer = m_pane->composer();
    const QString png = sharedDir() + QStringLiteral("/media/test.png");
    Q_EMIT composer->imageFilesOffered({png, png});
    ASSERT_TRUE(waitUntil([&] { return composer->attachments().size() == 2; }));
    composer->editor()->setFocus();
    QTest::keyClicks(composer->editor(), QStringLiteral("Two of them"));
    QTest::keyClick(composer->editor(), Qt::Key_Return);
    ASSERT_TRUE(waitUntil([&] { return !m_session->isBusy() && m_session->messages().size() == 2; }, std::chrono::seconds(10)));

    Q_EMIT m_pane->transcript()->editRequested(m_session->messages().constFirst().id);
    EXPECT_EQ(composer->text(), QStringLiteral("Two of them"));
    ASSERT_EQ(composer->attachments().size(), 2);
    saveScreenshot(m_window.get(), QStringLiteral("screenshot-editing-with-pictures"));
    QList<MessageAttachment> one = composer->attachments();
    one.removeLast();
    composer->setAttachments(one); // what the remove button does
    composer->setText(QStringLiteral("Just one"));
    composer->editor()->setFocus();
    QTest::keyClick(composer->editor(), Qt::Key_Return);
    ASSERT_TRUE(waitUntil([&] { return !m_session->isBusy() && m_session->messages().size() == 2
                                       && m_session->messages().constFirst().content == u"Just one"; },
                          std::chrono::seconds(10)));
    EXPECT_EQ(m_session->messages().constFirst().attachments.size(), 1);
    EXPECT_TRUE(composer->attachments().isEmpty());
}
