// Images in the chat: the composer's attachment strip, screenshot and attach buttons, paste and
// drop; thumbnails in the transcript; the image viewer.
#include "ui/chat/attachmentstrip.h"
#include "core/chat/messageattachment.h"
#include "chatwidgetsfixture.h"
#include "storedattachments.h"
#include "ui/imageviewer.h"

#include <QBuffer>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QImageReader>
#include <QMimeData>
#include <QPainter>
#include <QPointer>
#include <QScrollArea>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QToolButton>
#include <QUrl>

namespace
{
// A picture that is not one flat colour, so that a wrong crop or a wrong scale shows.
QImage picture(QSize size, QColor color)
{
    QImage image(size, QImage::Format_RGB32);
    image.fill(color);
    QPainter painter(&image);
    painter.fillRect(QRect(0, 0, size.width() / 4, size.height() / 4), Qt::white);
    painter.setPen(QPen(Qt::black, 3));
    painter.drawEllipse(QRect(QPoint(size.width() / 3, size.height() / 3), size / 3));
    return image;
}

QByteArray png(const QImage &image)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return bytes;
}

MessageAttachment imageAttachment(QSize size, QColor color, const QString &name)
{
    return MessageAttachment::image(png(picture(size, color)), QStringLiteral("image/png"), size.width(), size.height(), name);
}

bool samePixels(const QImage &a, const QImage &b)
{
    return a.convertToFormat(QImage::Format_ARGB32) == b.convertToFormat(QImage::Format_ARGB32);
}

QToolButton *removeButton(Composer &composer, int index)
{
    QWidget *thumbnail = composer.attachmentStrip()->thumbnailAt(index);
    return thumbnail ? thumbnail->findChild<QToolButton *>(QStringLiteral("removeAttachmentButton")) : nullptr;
}

QPushButton *sendButton(Composer &composer)
{
    return composer.findChild<QPushButton *>(QStringLiteral("sendButton"));
}

// A drag that enters the widget and, when accepted, is dropped on it. Returns whether the
// widget accepted the drag.
bool dragAndDrop(QWidget *target, QMimeData *mime)
{
    const QPoint pos = target->rect().center();
    QDragEnterEvent enter(pos, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    enter.setAccepted(false);
    QCoreApplication::sendEvent(target, &enter);
    if (!enter.isAccepted())
        return false;
    QDragMoveEvent move(pos, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    move.setAccepted(false);
    QCoreApplication::sendEvent(target, &move);
    if (!move.isAccepted())
        return false;
    QDropEvent drop(QPointF(pos), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    drop.setAccepted(false);
    QCoreApplication::sendEvent(target, &drop);
    return drop.isAccepted();
}

QString writeImageFile(const QTemporaryDir &dir, const QString &name, QColor color)
{
    const QString path = dir.filePath(name);
    picture(QSize(120, 90), color).save(path);
    return path;
}

using AttachmentsTest = ChatWidgetsTest;
} // namespace

// ---- Composer: the strip -------------------------------------------------------------------

TEST_F(AttachmentsTest, StripShowsOneThumbnailPerImageAndRemovesTheOneClicked)
{
    LLAMADESK_REQUIRE_DISPLAY();
    Composer composer;
    show(composer, {700, 180});
    AttachmentStrip *strip = composer.attachmentStrip();
    EXPECT_FALSE(strip->isVisible());
    const MessageAttachment red = imageAttachment({800, 600}, QColor(0xd3, 0x2f, 0x2f), QStringLiteral("red.png"));
    const MessageAttachment green = imageAttachment({300, 600}, QColor(0x38, 0x8e, 0x3c), QStringLiteral("green.png"));
    const MessageAttachment blue = imageAttachment({1000, 200}, QColor(0x19, 0x76, 0xd2), QStringLiteral("blue.png"));
    QSignalSpy changed(&composer, &Composer::attachmentsChanged);
    composer.addAttachment(red);
    composer.addAttachment(green);
    composer.addAttachment(blue);
    EXPECT_EQ(changed.count(), 3);
    ASSERT_TRUE(TestSupport::waitUntil([&] { return strip->isVisible(); }));
    ASSERT_EQ(strip->count(), 3);
    for (int i = 0; i < 3; ++i) {
        QWidget *thumbnail = strip->thumbnailAt(i);
        ASSERT_NE(thumbnail, nullptr);
        EXPECT_TRUE(thumbnail->isVisible());
        EXPECT_GE(thumbnail->height(), 56);
        EXPECT_LE(thumbnail->height(), 64);
        EXPECT_NE(removeButton(composer, i), nullptr);
    }
    // Aspect kept: the tall image is narrower than the wide one.
    EXPECT_LT(strip->thumbnailAt(1)->width(), strip->thumbnailAt(0)->width());
    EXPECT_LT(strip->thumbnailAt(0)->width(), strip->thumbnailAt(2)->width());
    EXPECT_EQ(strip->thumbnailAt(0)->toolTip(), QStringLiteral("red.png — 800 × 600"));
    composer.setText(QStringLiteral("Which of these is the odd one out?"));
    EXPECT_FALSE(snap(&composer, QStringLiteral("attachments-composer-strip")).isEmpty());

    QTest::mouseClick(removeButton(composer, 1), Qt::LeftButton);
    EXPECT_EQ(changed.count(), 4);
    EXPECT_EQ(composer.attachments(), (QList<MessageAttachment>{red, blue}));
    ASSERT_EQ(strip->count(), 2);
    EXPECT_EQ(strip->thumbnailAt(1)->toolTip(), QStringLiteral("blue.png — 1000 × 200"));

    composer.clearAttachments();
    EXPECT_TRUE(composer.attachments().isEmpty());
    EXPECT_FALSE(strip->isVisible());
}

TEST_F(AttachmentsTest, SendWithOnlyAnImageSendsEmptyTextAndTheImageThenClears)
{
    LLAMADESK_REQUIRE_DISPLAY();
    Composer composer;
    show(composer, {700, 180});
    const MessageAttachment shot = imageAttachment({640, 400}, Qt::darkCyan, QStringLiteral("Screenshot"));
    composer.addAttachment(shot);
    QSignalSpy sent(&composer, &Composer::sendRequested);
    ASSERT_TRUE(sent.isValid());
    QTest::mouseClick(sendButton(composer), Qt::LeftButton);
    ASSERT_EQ(sent.count(), 1);
    EXPECT_EQ(sent.at(0).at(0).toString(), QString());
    EXPECT_EQ(qvariant_cast<QList<MessageAttachment>>(sent.at(0).at(1)), QList<MessageAttachment>{shot});
    EXPECT_TRUE(composer.attachments().isEmpty());
    EXPECT_FALSE(composer.attachmentStrip()->isVisible());
    EXPECT_FALSE(sendButton(composer)->isEnabled());
}

TEST_F(AttachmentsTest, EnterSendsTheTextWithTheImages)
{
    LLAMADESK_REQUIRE_DISPLAY();
    Composer composer;
    const MessageAttachment one = imageAttachment({64, 48}, Qt::red, QStringLiteral("one.png"));
    const MessageAttachment two = imageAttachment({48, 64}, Qt::blue, QStringLiteral("two.png"));
    composer.setAttachments({one, two});
    QSignalSpy sent(&composer, &Composer::sendRequested);
    QTest::keyClicks(composer.editor(), QStringLiteral("  What changed?  "));
    QTest::keyClick(composer.editor(), Qt::Key_Return);
    ASSERT_EQ(sent.count(), 1);
    EXPECT_EQ(sent.at(0).at(0).toString(), QStringLiteral("What changed?"));
    EXPECT_EQ(qvariant_cast<QList<MessageAttachment>>(sent.at(0).at(1)), (QList<MessageAttachment>{one, two}));
    EXPECT_TRUE(composer.text().isEmpty());
    EXPECT_TRUE(composer.attachments().isEmpty());
}

TEST_F(AttachmentsTest, AReceiverCanPutBackWhatAFailedSendTook)
{
    LLAMADESK_REQUIRE_DISPLAY();
    Composer composer;
    const MessageAttachment shot = imageAttachment({64, 48}, Qt::red, QStringLiteral("shot.png"));
    composer.addAttachment(shot);
    QObject receiver;
    QObject::connect(&composer, &Composer::sendRequested, &receiver,
                     [&](const QString &text, const QList<MessageAttachment> &attachments) {
                         composer.setText(text);
                         composer.setAttachments(attachments);
                     });
    QTest::keyClicks(composer.editor(), QStringLiteral("Why?"));
    QTest::keyClick(composer.editor(), Qt::Key_Return);
    EXPECT_EQ(composer.text(), QStringLiteral("Why?"));
    EXPECT_EQ(composer.attachments(), QList<MessageAttachment>{shot});
}

TEST_F(AttachmentsTest, SendIsEnabledByTextOrAnAttachment)
{
    LLAMADESK_REQUIRE_DISPLAY();
    Composer composer;
    show(composer, {700, 180});
    QPushButton *send = sendButton(composer);
    EXPECT_FALSE(send->isEnabled());
    composer.addAttachment(imageAttachment({64, 48}, Qt::red, QStringLiteral("a.png")));
    EXPECT_TRUE(send->isEnabled());
    QTest::mouseClick(removeButton(composer, 0), Qt::LeftButton);
    EXPECT_FALSE(send->isEnabled());
    QTest::keyClicks(composer.editor(), QStringLiteral("text"));
    EXPECT_TRUE(send->isEnabled());
    composer.setText({});
    EXPECT_FALSE(send->isEnabled());
    // An audio attachment never waits in the composer.
    composer.addAttachment(MessageAttachment::audio(QByteArrayLiteral("RIFF"), 1.0));
    EXPECT_TRUE(composer.attachments().isEmpty());
    EXPECT_FALSE(send->isEnabled());
}

// ---- Composer: paste, drop, the buttons ----------------------------------------------------

TEST_F(AttachmentsTest, PastingAnImageEmitsImagePasted)
{
    LLAMADESK_REQUIRE_DISPLAY();
    Composer composer;
    show(composer, {700, 180});
    const QImage image = picture({200, 120}, QColor(0x7b, 0x1f, 0xa2));
    QGuiApplication::clipboard()->setImage(image);
    QSignalSpy pasted(&composer, &Composer::imagePasted);
    QSignalSpy files(&composer, &Composer::imageFilesOffered);
    composer.editor()->setFocus();
    QTest::keyClick(composer.editor(), Qt::Key_V, Qt::ControlModifier);
    ASSERT_EQ(pasted.count(), 1);
    EXPECT_TRUE(samePixels(qvariant_cast<QImage>(pasted.at(0).at(0)), image));
    EXPECT_EQ(files.count(), 0);
    EXPECT_TRUE(composer.text().isEmpty());
}

// Another program's picture arrives as encoded bytes: they are handed on undecoded (the GUI
// thread must not decode a picture that may claim any number of pixels).
TEST_F(AttachmentsTest, PastingAnotherProgramsPictureHandsOnItsBytesUndecoded)
{
    LLAMADESK_REQUIRE_DISPLAY();
    Composer composer;
    show(composer, {700, 180});
    QByteArray png;
    QBuffer buffer(&png);
    ASSERT_TRUE(buffer.open(QIODevice::WriteOnly));
    ASSERT_TRUE(picture({200, 120}, QColor(0x1f, 0x7b, 0xa2)).save(&buffer, "PNG"));
    auto *mime = new QMimeData;
    mime->setData(QStringLiteral("image/png"), png);
    QGuiApplication::clipboard()->setMimeData(mime);
    QSignalSpy decoded(&composer, &Composer::imagePasted);
    QSignalSpy encoded(&composer, &Composer::imageDataPasted);
    composer.editor()->setFocus();
    QTest::keyClick(composer.editor(), Qt::Key_V, Qt::ControlModifier);
    ASSERT_EQ(encoded.count(), 1);
    EXPECT_EQ(encoded.at(0).at(0).toByteArray(), png);
    EXPECT_EQ(decoded.count(), 0);

    // Dropped, the same.
    QMimeData dropped;
    dropped.setData(QStringLiteral("image/png"), png);
    EXPECT_TRUE(dragAndDrop(&composer, &dropped));
    ASSERT_EQ(encoded.count(), 2);
    EXPECT_EQ(encoded.at(1).at(0).toByteArray(), png);
    EXPECT_EQ(decoded.count(), 0);
}

TEST_F(AttachmentsTest, PastingImageFilesOffersTheirPaths)
{
    LLAMADESK_REQUIRE_DISPLAY();
    Composer composer;
    auto *mime = new QMimeData;
    mime->setUrls({QUrl::fromLocalFile(QStringLiteral("/tmp/screens/one.png")),
                   QUrl::fromLocalFile(QStringLiteral("/tmp/screens/Two.JPG"))});
    mime->setText(QStringLiteral("/tmp/screens/one.png\n/tmp/screens/Two.JPG"));
    QGuiApplication::clipboard()->setMimeData(mime);
    QSignalSpy files(&composer, &Composer::imageFilesOffered);
    QTest::keyClick(composer.editor(), Qt::Key_V, Qt::ControlModifier);
    ASSERT_EQ(files.count(), 1);
    EXPECT_EQ(files.at(0).at(0).toStringList(),
              (QStringList{QStringLiteral("/tmp/screens/one.png"), QStringLiteral("/tmp/screens/Two.JPG")}));
    EXPECT_TRUE(composer.text().isEmpty());
}

TEST_F(AttachmentsTest, PastingTextStillPastesText)
{
    LLAMADESK_REQUIRE_DISPLAY();
    Composer composer;
    QSignalSpy pasted(&composer, &Composer::imagePasted);
    QGuiApplication::clipboard()->setText(QStringLiteral("plain words"));
    QTest::keyClick(composer.editor(), Qt::Key_V, Qt::ControlModifier);
    EXPECT_EQ(composer.text(), QStringLiteral("plain words"));
    // An office program's copy: the text and a picture of it. The text is what was meant.
    auto *mime = new QMimeData;
    mime->setText(QStringLiteral(" and cells"));
    mime->setImageData(picture({50, 20}, Qt::white));
    QGuiApplication::clipboard()->setMimeData(mime);
    QTest::keyClick(composer.editor(), Qt::Key_V, Qt::ControlModifier);
    EXPECT_EQ(composer.text(), QStringLiteral("plain words and cells"));
    EXPECT_EQ(pasted.count(), 0);
}

TEST_F(AttachmentsTest, DroppingImageFilesOffersThemAndOtherFilesAreRefused)
{
    LLAMADESK_REQUIRE_DISPLAY();
    Composer composer;
    show(composer, {700, 180});
    QSignalSpy files(&composer, &Composer::imageFilesOffered);
    const QString photo = QStringLiteral("/tmp/holiday/photo.webp");
    // On the composer itself (its buttons and margins), and on the text field.
    for (QWidget *target : {static_cast<QWidget *>(&composer), composer.editor()->viewport()}) {
        QMimeData images;
        images.setUrls({QUrl::fromLocalFile(photo)});
        EXPECT_TRUE(dragAndDrop(target, &images)) << target->metaObject()->className();
        QMimeData text;
        text.setUrls({QUrl::fromLocalFile(QStringLiteral("/tmp/holiday/notes.txt"))});
        EXPECT_FALSE(dragAndDrop(target, &text)) << target->metaObject()->className();
    }
    ASSERT_EQ(files.count(), 2);
    EXPECT_EQ(files.at(0).at(0).toStringList(), QStringList{photo});
    EXPECT_EQ(files.at(1).at(0).toStringList(), QStringList{photo});
    EXPECT_TRUE(composer.text().isEmpty());
}

TEST_F(AttachmentsTest, DroppingImageDataEmitsImagePasted)
{
    LLAMADESK_REQUIRE_DISPLAY();
    Composer composer;
    show(composer, {700, 180});
    QSignalSpy pasted(&composer, &Composer::imagePasted);
    const QImage image = picture({90, 60}, Qt::darkYellow);
    QMimeData mime;
    mime.setImageData(image);
    EXPECT_TRUE(dragAndDrop(&composer, &mime));
    ASSERT_EQ(pasted.count(), 1);
    EXPECT_TRUE(samePixels(qvariant_cast<QImage>(pasted.at(0).at(0)), image));
}

TEST_F(AttachmentsTest, AttachDialogOffersTheChosenFiles)
{
    LLAMADESK_REQUIRE_DISPLAY();
    // The widget dialog, whatever the desktop's platform theme would offer.
    QCoreApplication::setAttribute(Qt::AA_DontUseNativeDialogs, true);
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString first = writeImageFile(dir, QStringLiteral("first.png"), Qt::red);
    const QString second = writeImageFile(dir, QStringLiteral("second.jpg"), Qt::green);
    Composer composer;
    show(composer, {700, 180});
    EXPECT_EQ(composer.attachButton()->toolTip(), QStringLiteral("Attach images"));
    QSignalSpy files(&composer, &Composer::imageFilesOffered);
    QTest::mouseClick(composer.attachButton(), Qt::LeftButton);
    auto *dialog = composer.findChild<QFileDialog *>(QStringLiteral("attachDialog"));
    ASSERT_NE(dialog, nullptr);
    ASSERT_TRUE(TestSupport::waitUntil([&] { return dialog->isVisible(); }));
    EXPECT_FALSE(dialog->isModal() && dialog->windowModality() == Qt::ApplicationModal);
    EXPECT_EQ(dialog->fileMode(), QFileDialog::ExistingFiles);
    EXPECT_EQ(dialog->nameFilters(), QStringList{QStringLiteral("Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif)")});
    dialog->setDirectory(dir.path());
    dialog->selectFile(QStringLiteral("\"first.png\" \"second.jpg\""));
    ASSERT_TRUE(QTest::qWaitForWindowExposed(dialog));
    dialog->repaint();
    EXPECT_FALSE(TestSupport::saveScreenScreenshot(QStringLiteral("attachments-attach-dialog")).isEmpty());
    QPointer<QFileDialog> guard(dialog);
    // QFileDialog::accept() is protected; through QDialog it is the same virtual.
    static_cast<QDialog *>(dialog)->accept();
    ASSERT_EQ(files.count(), 1);
    QStringList offered = files.at(0).at(0).toStringList();
    offered.sort();
    EXPECT_EQ(offered, (QStringList{first, second}));
    // Closed and gone afterwards; a second click opens a fresh one.
    EXPECT_TRUE(TestSupport::waitUntil([&] { return guard.isNull(); }));
    QCoreApplication::setAttribute(Qt::AA_DontUseNativeDialogs, false);
}

TEST_F(AttachmentsTest, DisabledImageInputDisablesTheButtonsAndRejectsPastedImages)
{
    LLAMADESK_REQUIRE_DISPLAY();
    Composer composer;
    show(composer, {700, 180});
    const QString reason = QStringLiteral("Images need a model with a vision projector (mmproj)");
    EXPECT_TRUE(composer.isImageInputEnabled());
    composer.setImageInputEnabled(false, reason);
    EXPECT_FALSE(composer.isImageInputEnabled());
    EXPECT_FALSE(composer.screenshotButton()->isEnabled());
    EXPECT_FALSE(composer.attachButton()->isEnabled());
    EXPECT_EQ(composer.screenshotButton()->toolTip(), reason);
    EXPECT_EQ(composer.attachButton()->toolTip(), reason);
    EXPECT_FALSE(snap(&composer, QStringLiteral("attachments-composer-images-disabled")).isEmpty());

    QSignalSpy pasted(&composer, &Composer::imagePasted);
    QSignalSpy files(&composer, &Composer::imageFilesOffered);
    QSignalSpy rejected(&composer, &Composer::imageRejected);
    QGuiApplication::clipboard()->setImage(picture({40, 40}, Qt::red));
    QTest::keyClick(composer.editor(), Qt::Key_V, Qt::ControlModifier);
    QMimeData dropped;
    dropped.setUrls({QUrl::fromLocalFile(QStringLiteral("/tmp/a.png"))});
    dragAndDrop(&composer, &dropped);
    EXPECT_EQ(pasted.count(), 0);
    EXPECT_EQ(files.count(), 0);
    ASSERT_EQ(rejected.count(), 2);
    EXPECT_EQ(rejected.at(0).at(0).toString(), reason);
    EXPECT_EQ(rejected.at(1).at(0).toString(), reason);
    EXPECT_TRUE(composer.text().isEmpty());

    composer.setImageInputEnabled(true);
    EXPECT_TRUE(composer.screenshotButton()->isEnabled());
    EXPECT_TRUE(composer.attachButton()->isEnabled());
    EXPECT_EQ(composer.screenshotButton()->toolTip(), QStringLiteral("Ask about the screen: capture a region (Ctrl+Shift+S)"));
    QTest::keyClick(composer.editor(), Qt::Key_V, Qt::ControlModifier);
    EXPECT_EQ(pasted.count(), 1);
}

TEST_F(AttachmentsTest, ScreenshotButtonAndMenuAskForTheChosenMode)
{
    LLAMADESK_REQUIRE_DISPLAY();
    Composer composer;
    show(composer, {700, 180});
    QToolButton *button = composer.screenshotButton();
    EXPECT_EQ(button->objectName(), QStringLiteral("screenshotButton"));
    EXPECT_EQ(button->popupMode(), QToolButton::MenuButtonPopup);
    EXPECT_FALSE(button->icon().isNull());
    QSignalSpy requested(&composer, &Composer::screenshotRequested);
    // The button's main part (not its arrow): a region.
    QTest::mouseClick(button, Qt::LeftButton, {}, QPoint(6, button->height() / 2));
    ASSERT_EQ(requested.count(), 1);
    EXPECT_EQ(qvariant_cast<ScreenshotMode>(requested.at(0).at(0)), ScreenshotMode::Region);

    QMenu *menu = button->menu();
    ASSERT_NE(menu, nullptr);
    QStringList texts;
    for (QAction *action : menu->actions())
        texts.append(action->text());
    EXPECT_EQ(texts, (QStringList{QStringLiteral("Region…"), QStringLiteral("Whole screen"), QStringLiteral("Active window")}));
    menu->popup(button->mapToGlobal(QPoint(0, button->height())));
    ASSERT_TRUE(QTest::qWaitForWindowExposed(menu));
    menu->repaint();
    EXPECT_FALSE(TestSupport::saveScreenScreenshot(QStringLiteral("attachments-screenshot-menu")).isEmpty());
    menu->hide();
    const QList<QAction *> actions = menu->actions();
    actions.at(1)->trigger();
    actions.at(2)->trigger();
    actions.at(0)->trigger();
    ASSERT_EQ(requested.count(), 4);
    EXPECT_EQ(qvariant_cast<ScreenshotMode>(requested.at(1).at(0)), ScreenshotMode::Screen);
    EXPECT_EQ(qvariant_cast<ScreenshotMode>(requested.at(2).at(0)), ScreenshotMode::Window);
    EXPECT_EQ(qvariant_cast<ScreenshotMode>(requested.at(3).at(0)), ScreenshotMode::Region);
}

// ---- Transcript ----------------------------------------------------------------------------

namespace
{
// The bytes of the messages these tests show: a transcript reads them through its source.
MemoryAttachments &shownBytes()
{
    static MemoryAttachments bytes;
    return bytes;
}

StoredMessage questionWithAttachments(qint64 id)
{
    StoredMessage m = message(id, QStringLiteral("user"), QStringLiteral("What is different between these two windows?"));
    m.attachments = shownBytes().add({imageAttachment({640, 480}, QColor(0xd3, 0x2f, 0x2f), QStringLiteral("before.png")),
                                       imageAttachment({300, 500}, QColor(0x19, 0x76, 0xd2), QStringLiteral("after.png")),
                                       MessageAttachment::audio(QByteArrayLiteral("RIFF----WAVEfmt "), 3.2,
                                                                QStringLiteral("Spoken question"))});
    return m;
}

// The colour in the middle of the top-right quarter of a rect (the picture's own colour: its
// top-left quarter is white and an ellipse sits in the middle).
QColor colourIn(const QImage &image, const QRect &rect)
{
    return image.pixelColor(rect.left() + rect.width() * 7 / 8, rect.top() + rect.height() / 8);
}
} // namespace

TEST_F(AttachmentsTest, UserMessageShowsItsImagesAsThumbnailsAndItsRecordingAsAChip)
{
    LLAMADESK_REQUIRE_DISPLAY();
    TranscriptView view;
    view.setAttachmentSource(shownBytes().source());
    show(view, {760, 560});
    view.setMessages({questionWithAttachments(1), answer(2, QStringLiteral("The second window has lost its toolbar."))});
    settle(view);
    const MessageLayout *card = layout(view, 0);
    ASSERT_NE(card, nullptr);
    EXPECT_EQ(card->imageCount(), 2);
    EXPECT_EQ(card->audioChipTexts(), QStringList{QStringLiteral("Spoken question · 3.2 s")});
    const QRect first = view.imageRect(0, 0);
    const QRect second = view.imageRect(0, 1);
    ASSERT_FALSE(first.isEmpty());
    ASSERT_FALSE(second.isEmpty());
    EXPECT_TRUE(view.imageRect(0, 2).isEmpty()); // the recording is a chip, not a thumbnail
    // At most 160 × 120, aspect kept, side by side, below the text.
    EXPECT_LE(first.width(), 161);
    EXPECT_LE(first.height(), 121);
    EXPECT_NEAR(double(first.width()) / first.height(), 640.0 / 480.0, 0.05);
    EXPECT_NEAR(double(second.width()) / second.height(), 300.0 / 500.0, 0.05);
    EXPECT_EQ(first.top(), second.top());
    EXPECT_GT(second.left(), first.right());
    // Under the text, above the links.
    const int cardTop = view.visualRect(view.transcript()->index(0)).top() + card->cardRect().top();
    ASSERT_FALSE(card->bodyDocuments().isEmpty());
    EXPECT_GT(first.top(), cardTop + card->bodyHeight());
    EXPECT_GT(view.anchorRect(0, MessageAnchor::Edit).top(), first.bottom());
    EXPECT_EQ(card->imageToolTip(0), QStringLiteral("before.png — 640 × 480"));

    const QImage shown = view.viewport()->grab().toImage();
    const QColor red = colourIn(shown, first);
    const QColor blue = colourIn(shown, second);
    EXPECT_GT(red.red(), red.blue() + 80) << red.name().toStdString();
    EXPECT_GT(blue.blue(), blue.red() + 80) << blue.name().toStdString();
    EXPECT_FALSE(snap(&view, QStringLiteral("attachments-transcript-thumbnails")).isEmpty());
}

TEST_F(AttachmentsTest, ClickingAThumbnailActivatesThatImage)
{
    LLAMADESK_REQUIRE_DISPLAY();
    TranscriptView view;
    view.setAttachmentSource(shownBytes().source());
    show(view, {760, 560});
    view.setMessages({questionWithAttachments(41), answer(42, QStringLiteral("Yes."))});
    settle(view);
    QSignalSpy activated(&view, &TranscriptView::imageActivated);
    const QRect second = view.imageRect(0, 1);
    ASSERT_FALSE(second.isEmpty());
    // From elsewhere first: a move to where the pointer already is delivers nothing.
    QTest::mouseMove(view.viewport(), QPoint(2, 2));
    QTest::mouseMove(view.viewport(), second.center());
    ASSERT_TRUE(TestSupport::waitUntil([&] { return view.viewport()->cursor().shape() == Qt::PointingHandCursor; }));
    EXPECT_EQ(view.viewport()->toolTip(), QStringLiteral("after.png — 300 × 500"));
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, second.center());
    ASSERT_EQ(activated.count(), 1);
    EXPECT_EQ(activated.at(0).at(0).toLongLong(), 41);
    EXPECT_EQ(activated.at(0).at(1).toInt(), 1);
    // Beside the thumbnails: nothing.
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, QPoint(second.right() + 30, second.center().y()));
    EXPECT_EQ(activated.count(), 1);
}

TEST_F(AttachmentsTest, WhatScrollsUnderAStillPointerSetsTheCursor)
{
    // The view does not ask the display where the pointer is at every scroll (a round trip to
    // the X server per frame of a streaming answer): it knows where it last moved.
    LLAMADESK_REQUIRE_DISPLAY();
    TranscriptView view;
    view.setAttachmentSource(shownBytes().source());
    show(view, {760, 400});
    QStringList paragraphs;
    for (int i = 0; i < 40; ++i)
        paragraphs.append(QStringLiteral("Paragraph %1 of a long answer.").arg(i));
    view.setMessages({questionWithAttachments(51), answer(52, paragraphs.join(QStringLiteral("\n\n")))});
    settle(view);
    view.verticalScrollBar()->setValue(0);
    settle(view);
    const QRect first = view.imageRect(0, 0);
    ASSERT_FALSE(first.isEmpty());
    QTest::mouseMove(view.viewport(), QPoint(2, 2));
    QTest::mouseMove(view.viewport(), first.center());
    ASSERT_TRUE(TestSupport::waitUntil([&] { return view.viewport()->cursor().shape() == Qt::PointingHandCursor; }));
    ASSERT_TRUE(view.viewport()->underMouse());
    // The thumbnail scrolls away from under the pointer, which stays where it is.
    view.verticalScrollBar()->setValue(first.bottom() + 20);
    EXPECT_EQ(view.viewport()->cursor().shape(), Qt::ArrowCursor);
    EXPECT_TRUE(view.viewport()->toolTip().isEmpty());
    // And back under it.
    view.verticalScrollBar()->setValue(0);
    EXPECT_EQ(view.viewport()->cursor().shape(), Qt::PointingHandCursor);
    EXPECT_EQ(view.viewport()->toolTip(), QStringLiteral("before.png — 640 × 480"));
}

TEST_F(AttachmentsTest, ImagesAreDecodedOnceNotAtEveryWidth)
{
    LLAMADESK_REQUIRE_DISPLAY();
    TranscriptView view;
    view.setAttachmentSource(shownBytes().source());
    show(view, {760, 560});
    view.setMessages({questionWithAttachments(1), answer(2, QStringLiteral("Fine."))});
    settle(view);
    MessageDelegate *delegate = view.messageDelegate();
    EXPECT_EQ(delegate->counters().decodes, 1);
    const int layouts = delegate->counters().layouts;
    // Narrow enough for the second thumbnail to wrap under the first.
    view.resize(300, 560);
    settle(view);
    view.resize(620, 560);
    settle(view);
    EXPECT_GT(delegate->counters().layouts, layouts);
    EXPECT_EQ(delegate->counters().decodes, 1);
}

TEST_F(AttachmentsTest, ThumbnailsWrapOnANarrowCard)
{
    LLAMADESK_REQUIRE_DISPLAY();
    TranscriptView view;
    view.setAttachmentSource(shownBytes().source());
    show(view, {300, 560});
    view.setMessages({questionWithAttachments(1)});
    settle(view);
    const QRect first = view.imageRect(0, 0);
    const QRect second = view.imageRect(0, 1);
    ASSERT_FALSE(first.isEmpty());
    EXPECT_GT(second.top(), first.bottom());
    EXPECT_EQ(second.left(), first.left());
    EXPECT_FALSE(snap(&view, QStringLiteral("attachments-transcript-narrow")).isEmpty());
}

TEST_F(AttachmentsTest, AnImageWithoutAQuestionIsShownToo)
{
    LLAMADESK_REQUIRE_DISPLAY();
    TranscriptView view;
    view.setAttachmentSource(shownBytes().source());
    show(view, {760, 400});
    StoredMessage m = message(7, QStringLiteral("user"), QString());
    m.attachments = shownBytes().add({imageAttachment({1280, 800}, Qt::darkGreen, QStringLiteral("Screenshot"))});
    view.setMessages({m});
    settle(view);
    const QRect thumbnail = view.imageRect(0, 0);
    ASSERT_FALSE(thumbnail.isEmpty());
    EXPECT_EQ(thumbnail.width(), 160);
    EXPECT_EQ(thumbnail.height(), 100);
    EXPECT_TRUE(layout(view, 0)->bodyDocuments().isEmpty());
}

// ---- Image viewer --------------------------------------------------------------------------

TEST_F(AttachmentsTest, ImageViewerFitsTheImageAndShowsItAtActualSize)
{
    LLAMADESK_REQUIRE_DISPLAY();
    const QImage image = picture({1600, 1000}, QColor(0x00, 0x89, 0x7b));
    QPointer<ImageViewer> viewer = new ImageViewer(image, QStringLiteral("before.png"), nullptr);
    EXPECT_EQ(viewer->objectName(), QStringLiteral("imageViewer"));
    EXPECT_FALSE(viewer->isModal());
    EXPECT_TRUE(viewer->testAttribute(Qt::WA_DeleteOnClose));
    viewer->resize(800, 600);
    viewer->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(viewer));
    auto *label = viewer->findChild<QLabel *>(QStringLiteral("imageLabel"));
    ASSERT_NE(label, nullptr);
    // Fitted: the whole image in the window.
    ASSERT_TRUE(TestSupport::waitUntil([&] { return label->pixmap().width() < image.width(); }));
    auto *scroll = viewer->findChild<QScrollArea *>(QStringLiteral("imageScroll"));
    EXPECT_LE(label->pixmap().deviceIndependentSize().width(), scroll->viewport()->width());
    EXPECT_LE(label->pixmap().deviceIndependentSize().height(), scroll->viewport()->height());
    EXPECT_FALSE(snap(viewer, QStringLiteral("attachments-image-viewer-fit")).isEmpty());

    auto *actual = viewer->findChild<QPushButton *>(QStringLiteral("actualSizeButton"));
    ASSERT_NE(actual, nullptr);
    QTest::mouseClick(actual, Qt::LeftButton);
    EXPECT_TRUE(viewer->isActualSize());
    EXPECT_EQ(label->pixmap().size(), image.size());
    EXPECT_FALSE(snap(viewer, QStringLiteral("attachments-image-viewer-100")).isEmpty());
    QTest::mouseClick(actual, Qt::LeftButton);
    EXPECT_LT(label->pixmap().width(), image.width());

    QTest::keyClick(viewer, Qt::Key_Escape);
    EXPECT_TRUE(TestSupport::waitUntil([&] { return viewer.isNull(); }));
}

TEST_F(AttachmentsTest, ImageViewerSavesPngOrJpegAndShowsWhyASaveFailed)
{
    LLAMADESK_REQUIRE_DISPLAY();
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QImage image = picture({320, 200}, Qt::darkMagenta);
    ImageViewer viewer(image, QStringLiteral("shot"), nullptr);
    viewer.setAttribute(Qt::WA_DeleteOnClose, false);
    ASSERT_TRUE(viewer.saveTo(dir.filePath(QStringLiteral("copy.png"))));
    QImageReader png(dir.filePath(QStringLiteral("copy.png")));
    EXPECT_EQ(png.format(), QByteArrayLiteral("png"));
    EXPECT_TRUE(samePixels(png.read(), image));
    ASSERT_TRUE(viewer.saveTo(dir.filePath(QStringLiteral("copy.JPG"))));
    QImageReader jpeg(dir.filePath(QStringLiteral("copy.JPG")));
    EXPECT_EQ(jpeg.format(), QByteArrayLiteral("jpeg"));
    EXPECT_EQ(jpeg.size(), image.size());

    EXPECT_FALSE(viewer.saveTo(dir.filePath(QStringLiteral("missing/folder/copy.png"))));
    EXPECT_TRUE(viewer.statusText().startsWith(QStringLiteral("Could not save"))) << viewer.statusText().toStdString();
    auto *status = viewer.findChild<QLabel *>(QStringLiteral("statusLabel"));
    ASSERT_NE(status, nullptr);
    EXPECT_FALSE(status->isHidden());
}
