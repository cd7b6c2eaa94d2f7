// Screenshots on Wayland through xdg-desktop-portal, against a fake portal on a private
// dbus-daemon: the call's options, the Response signal on the request path (also when it comes
// before the reply to the call), cancel and error answers, and no portal at all.
#include "platform/linux/portalscreengrabber.h"
#include "platform/platformfactory.h"
#include "core/server/processguard.h"
#include "testsupport.h"

#include <QDBusConnection>
#include <QDBusContext>
#include <QDBusMessage>
#include <QDBusObjectPath>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>
#include <QUrl>

#include <gtest/gtest.h>

#include <memory>

using namespace Llamadesk;

namespace
{
const QString NoPortal = QStringLiteral("Screenshots on Wayland need xdg-desktop-portal with a backend for your "
                                        "desktop (xdg-desktop-portal-gnome, -kde or -wlr); none answered on the "
                                        "session bus.");

// The portal's side of org.freedesktop.portal.Screenshot, as its documentation describes it.
class FakeScreenshotPortal final : public QObject, protected QDBusContext
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.portal.Screenshot")

public:
    enum class Answer {
        Picture,               // Response 0 with the picture's URI, after the reply
        PictureBeforeTheReply, // the same, sent while the call is still being answered
        Cancelled,             // Response 1
        Failed,                // Response 2
    };

    FakeScreenshotPortal(QDBusConnection bus, QString pictureFile)
        : m_bus(std::move(bus))
        , m_pictureFile(std::move(pictureFile))
    {
    }

    Answer answer = Answer::Picture;
    QList<QVariantMap> options;
    QStringList parentWindows;

public Q_SLOTS:
    QDBusObjectPath Screenshot(const QString &parentWindow, const QVariantMap &callOptions)
    {
        parentWindows.append(parentWindow);
        options.append(callOptions);
        QString sender = message().service().mid(1);
        sender.replace(u'.', u'_');
        const QString path = u"/org/freedesktop/portal/desktop/request/" + sender + u'/'
            + callOptions.value(QStringLiteral("handle_token")).toString();
        uint code = 0;
        QVariantMap results;
        switch (answer) {
        case Answer::Picture:
        case Answer::PictureBeforeTheReply:
            results.insert(QStringLiteral("uri"), QUrl::fromLocalFile(m_pictureFile).toString());
            break;
        case Answer::Cancelled:
            code = 1;
            break;
        case Answer::Failed:
            code = 2;
            break;
        }
        const auto respond = [this, path, code, results] {
            QDBusMessage response = QDBusMessage::createSignal(path, QStringLiteral("org.freedesktop.portal.Request"),
                                                               QStringLiteral("Response"));
            response << code << results;
            m_bus.send(response);
        };
        if (answer == Answer::PictureBeforeTheReply)
            respond();
        else
            QTimer::singleShot(0, this, respond);
        return QDBusObjectPath(path);
    }

private:
    QDBusConnection m_bus;
    QString m_pictureFile;
};

QImage quadrants()
{
    QImage image(40, 30, QImage::Format_RGB32);
    QPainter painter(&image);
    painter.fillRect(0, 0, 20, 15, Qt::red);
    painter.fillRect(20, 0, 20, 15, Qt::green);
    painter.fillRect(0, 15, 20, 15, Qt::blue);
    painter.fillRect(20, 15, 20, 15, Qt::yellow);
    return image;
}

class PortalScreenGrabberTest : public ::testing::Test
{
protected:
    // One private session bus for the suite: no service on it can be started on demand, so
    // "no portal" really means none. The policy is session.conf's: without its receive rule,
    // Qt 6.4 aborts in libdbus when it closes the connection.
    static void SetUpTestSuite()
    {
        s_dir = std::make_unique<QTemporaryDir>();
        const QString config = s_dir->filePath(QStringLiteral("bus.conf"));
        QFile file(config);
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral(R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=%1</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
)")
                       .arg(s_dir->path())
                       .toUtf8());
        file.close();
        s_daemon = std::make_unique<QProcess>();
        s_daemon->setProcessChannelMode(QProcess::SeparateChannels);
        s_guard = Platform::createProcessGuard(); // the daemon dies with the test, even on a crash
        s_guard->prepare(*s_daemon);
        s_daemon->start(QStringLiteral("dbus-daemon"), {u"--config-file=" + config, QStringLiteral("--print-address"),
                                                        QStringLiteral("--nofork")});
        ASSERT_TRUE(s_daemon->waitForStarted()) << "dbus-daemon: " << s_daemon->errorString().toStdString();
        ASSERT_TRUE(TestSupport::waitUntil([] { return s_daemon->canReadLine(); }))
            << s_daemon->readAllStandardError().toStdString();
        s_address = QString::fromUtf8(s_daemon->readLine().trimmed());
        ASSERT_FALSE(s_address.isEmpty());
    }

    static void TearDownTestSuite()
    {
        if (s_daemon) {
            s_daemon->kill();
            s_daemon->waitForFinished();
        }
        s_daemon.reset();
        s_guard.reset();
        s_dir.reset();
    }

    void SetUp() override
    {
        ASSERT_FALSE(s_address.isEmpty()) << "the private dbus-daemon did not start";
        ASSERT_TRUE(m_pictures.isValid());
        m_picturePath = m_pictures.filePath(QStringLiteral("Screenshot.png"));
        ASSERT_TRUE(quadrants().save(m_picturePath, "PNG"));
    }

    void TearDown() override
    {
        m_grabber.reset();
        m_portal.reset();
        for (const QString &name : std::as_const(m_connections))
            QDBusConnection::disconnectFromBus(name);
    }

    QDBusConnection connect(const QString &role)
    {
        static int counter = 0;
        const QString name = QStringLiteral("%1-%2").arg(role).arg(++counter);
        m_connections.append(name);
        return QDBusConnection::connectToBus(s_address, name);
    }

    // The fake portal on a connection of its own, and the grabber on another.
    void startPortal()
    {
        QDBusConnection bus = connect(QStringLiteral("portal"));
        ASSERT_TRUE(bus.isConnected()) << bus.lastError().message().toStdString();
        m_portal = std::make_unique<FakeScreenshotPortal>(bus, m_picturePath);
        ASSERT_TRUE(bus.registerObject(QStringLiteral("/org/freedesktop/portal/desktop"), m_portal.get(),
                                       QDBusConnection::ExportAllSlots));
        ASSERT_TRUE(bus.registerService(QStringLiteral("org.freedesktop.portal.Desktop")));
    }

    void createGrabber()
    {
        QDBusConnection bus = connect(QStringLiteral("app"));
        ASSERT_TRUE(bus.isConnected()) << bus.lastError().message().toStdString();
        m_grabber = std::make_unique<PortalScreenGrabber>(bus);
    }

    static std::unique_ptr<QTemporaryDir> s_dir;
    static std::unique_ptr<ProcessGuard> s_guard;
    static std::unique_ptr<QProcess> s_daemon;
    static QString s_address;

    QTemporaryDir m_pictures;
    QString m_picturePath;
    QStringList m_connections;
    std::unique_ptr<FakeScreenshotPortal> m_portal;
    std::unique_ptr<PortalScreenGrabber> m_grabber;
};

std::unique_ptr<QTemporaryDir> PortalScreenGrabberTest::s_dir;
std::unique_ptr<ProcessGuard> PortalScreenGrabberTest::s_guard;
std::unique_ptr<QProcess> PortalScreenGrabberTest::s_daemon;
QString PortalScreenGrabberTest::s_address;
} // namespace

TEST_F(PortalScreenGrabberTest, CapturedPictureIsThePortalsFileWhichStaysWithTheUser)
{
    ASSERT_NO_FATAL_FAILURE(startPortal());
    ASSERT_NO_FATAL_FAILURE(createGrabber());
    QSignalSpy captured(m_grabber.get(), &ScreenGrabber::captured);
    QSignalSpy failed(m_grabber.get(), &ScreenGrabber::failed);
    m_grabber->grab(ScreenGrabber::Target::Screen);
    EXPECT_EQ(captured.count(), 0); // never from inside grab()
    ASSERT_TRUE(captured.wait(5000)) << (failed.isEmpty() ? "" : failed.first().first().toString().toStdString());
    const auto image = captured.first().at(0).value<QImage>();
    EXPECT_EQ(image.convertToFormat(QImage::Format_RGB32), quadrants());
    EXPECT_EQ(captured.first().at(1).value<QRect>(), QRect()); // the portal does not say where
    EXPECT_TRUE(QFile::exists(m_picturePath));
    EXPECT_EQ(failed.count(), 0);
}

TEST_F(PortalScreenGrabberTest, AnswerSentBeforeTheReplyToTheCallIsHeard)
{
    ASSERT_NO_FATAL_FAILURE(startPortal());
    m_portal->answer = FakeScreenshotPortal::Answer::PictureBeforeTheReply;
    ASSERT_NO_FATAL_FAILURE(createGrabber());
    QSignalSpy captured(m_grabber.get(), &ScreenGrabber::captured);
    m_grabber->grab(ScreenGrabber::Target::Screen);
    ASSERT_TRUE(captured.wait(5000));
    EXPECT_EQ(captured.first().at(0).value<QImage>().convertToFormat(QImage::Format_RGB32), quadrants());
}

TEST_F(PortalScreenGrabberTest, OptionsAskForTheDialogOnlyWhenTheUserMustPick)
{
    ASSERT_NO_FATAL_FAILURE(startPortal());
    ASSERT_NO_FATAL_FAILURE(createGrabber());
    QSignalSpy captured(m_grabber.get(), &ScreenGrabber::captured);
    m_grabber->grab(ScreenGrabber::Target::Screen);
    m_grabber->grab(ScreenGrabber::Target::Window);
    m_grabber->grab(ScreenGrabber::Target::Interactive);
    ASSERT_TRUE(TestSupport::waitUntil([&] { return captured.count() == 3; }));
    ASSERT_EQ(m_portal->options.size(), 3);
    EXPECT_FALSE(m_portal->options.at(0).value(QStringLiteral("interactive")).toBool());
    EXPECT_TRUE(m_portal->options.at(1).value(QStringLiteral("interactive")).toBool());
    EXPECT_TRUE(m_portal->options.at(2).value(QStringLiteral("interactive")).toBool());
    for (const QVariantMap &options : std::as_const(m_portal->options))
        EXPECT_EQ(options.value(QStringLiteral("interactive")).metaType(), QMetaType::fromType<bool>());

    // A fresh token for every call, made of the characters an object path allows.
    QStringList tokens;
    for (const QVariantMap &options : std::as_const(m_portal->options))
        tokens.append(options.value(QStringLiteral("handle_token")).toString());
    static const QRegularExpression pathElement(QStringLiteral("^[A-Za-z0-9_]+$"));
    for (const QString &token : std::as_const(tokens))
        EXPECT_TRUE(pathElement.match(token).hasMatch()) << token.toStdString();
    EXPECT_EQ(QSet<QString>(tokens.cbegin(), tokens.cend()).size(), 3);
    EXPECT_EQ(m_portal->parentWindows, QStringList(3, QString()));

    EXPECT_TRUE(m_grabber->supports(ScreenGrabber::Target::Screen));
    EXPECT_TRUE(m_grabber->supports(ScreenGrabber::Target::Window));
    EXPECT_TRUE(m_grabber->supports(ScreenGrabber::Target::Interactive));
}

TEST_F(PortalScreenGrabberTest, DialogClosedByTheUserIsCancelled)
{
    ASSERT_NO_FATAL_FAILURE(startPortal());
    m_portal->answer = FakeScreenshotPortal::Answer::Cancelled;
    ASSERT_NO_FATAL_FAILURE(createGrabber());
    QSignalSpy cancelled(m_grabber.get(), &ScreenGrabber::cancelled);
    QSignalSpy failed(m_grabber.get(), &ScreenGrabber::failed);
    QSignalSpy captured(m_grabber.get(), &ScreenGrabber::captured);
    m_grabber->grab(ScreenGrabber::Target::Interactive);
    ASSERT_TRUE(cancelled.wait(5000));
    EXPECT_EQ(failed.count(), 0);
    EXPECT_EQ(captured.count(), 0);
}

TEST_F(PortalScreenGrabberTest, PortalErrorFails)
{
    ASSERT_NO_FATAL_FAILURE(startPortal());
    m_portal->answer = FakeScreenshotPortal::Answer::Failed;
    ASSERT_NO_FATAL_FAILURE(createGrabber());
    QSignalSpy failed(m_grabber.get(), &ScreenGrabber::failed);
    QSignalSpy cancelled(m_grabber.get(), &ScreenGrabber::cancelled);
    m_grabber->grab(ScreenGrabber::Target::Screen);
    ASSERT_TRUE(failed.wait(5000));
    EXPECT_EQ(failed.first().first().toString(), QStringLiteral("The screenshot portal could not take the screenshot."));
    EXPECT_EQ(cancelled.count(), 0);
}

TEST_F(PortalScreenGrabberTest, NoPortalOnTheBusFailsWithWhatToInstall)
{
    ASSERT_NO_FATAL_FAILURE(createGrabber());
    QSignalSpy failed(m_grabber.get(), &ScreenGrabber::failed);
    m_grabber->grab(ScreenGrabber::Target::Screen);
    ASSERT_TRUE(failed.wait(5000));
    EXPECT_EQ(failed.first().first().toString(), NoPortal);
}

TEST_F(PortalScreenGrabberTest, NoSessionBusFailsWithWhatToInstall)
{
    const QDBusConnection noBus = QDBusConnection::connectToBus(
        u"unix:path=" + m_pictures.filePath(QStringLiteral("no-bus")), QStringLiteral("no-bus"));
    m_connections.append(QStringLiteral("no-bus"));
    ASSERT_FALSE(noBus.isConnected());
    m_grabber = std::make_unique<PortalScreenGrabber>(noBus);
    QSignalSpy failed(m_grabber.get(), &ScreenGrabber::failed);
    m_grabber->grab(ScreenGrabber::Target::Screen);
    EXPECT_EQ(failed.count(), 0); // never from inside grab()
    ASSERT_TRUE(failed.wait(5000));
    EXPECT_EQ(failed.first().first().toString(), NoPortal);
}

TEST(PortalScreenGrabber, RequestPathIsTheSendersUniqueNameAndTheToken)
{
    EXPECT_EQ(PortalScreenGrabber::requestPath(QStringLiteral(":1.42"), QStringLiteral("llamadesk_7")),
              QStringLiteral("/org/freedesktop/portal/desktop/request/1_42/llamadesk_7"));
}

TEST(PortalScreenGrabber, PortalIsUsedInWaylandSessionsAlsoUnderXWayland)
{
    EXPECT_TRUE(screenshotsNeedPortal(QStringLiteral("wayland"), QStringLiteral("wayland"), QStringLiteral("wayland-0")));
    EXPECT_TRUE(screenshotsNeedPortal(QStringLiteral("wayland-egl"), QString(), QString()));
    // An app on XWayland: its X server sees only X clients.
    EXPECT_TRUE(screenshotsNeedPortal(QStringLiteral("xcb"), QStringLiteral("wayland"), QStringLiteral("wayland-0")));
    EXPECT_TRUE(screenshotsNeedPortal(QStringLiteral("xcb"), QString(), QStringLiteral("wayland-0")));
    EXPECT_FALSE(screenshotsNeedPortal(QStringLiteral("xcb"), QStringLiteral("x11"), QString()));
    EXPECT_FALSE(screenshotsNeedPortal(QStringLiteral("offscreen"), QString(), QString()));
}

#include "test_portalscreengrabber.moc"
