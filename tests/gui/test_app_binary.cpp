// The real llamadesk executable, driven from outside the way a person drives it: started with
// a temporary settings file and temporary XDG folders, clicked and typed at with xdotool,
// looked at with ImageMagick's import.
#include "ui/statusdot.h"
#include "testsupport.h"
#include "ui/titlebar.h"

#include <QDir>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSettings>
#include <QTemporaryDir>

#include <gtest/gtest.h>

using namespace Llamadesk;

namespace
{
struct AppRun
{
    int exitCode = -1;
    QString out;
    QString err;
};

AppRun runApp(const QStringList &arguments, const QStringList &extraEnvironment = {})
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY")); // --help and --version must not need a display
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    for (const QString &entry : extraEnvironment)
        env.insert(entry.section(u'=', 0, 0), entry.section(u'=', 1));
    process.setProcessEnvironment(env);
    process.start(QStringLiteral(LLAMADESK_APP), arguments);
    AppRun run;
    if (!process.waitForFinished(20000)) {
        process.kill();
        process.waitForFinished();
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromLocal8Bit(process.readAllStandardOutput());
    run.err = QString::fromLocal8Bit(process.readAllStandardError());
    return run;
}

// Runs a helper tool (xdotool, import) and returns its standard output, trimmed.
QString tool(const QString &program, const QStringList &arguments, int timeoutMs = 10000)
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        ADD_FAILURE() << program.toStdString() << " " << arguments.join(u' ').toStdString() << " timed out";
        return {};
    }
    EXPECT_EQ(process.exitCode(), 0) << program.toStdString() << " " << arguments.join(u' ').toStdString() << ": "
                                     << process.readAllStandardError().constData();
    return QString::fromLocal8Bit(process.readAllStandardOutput()).trimmed();
}

QString screenshot(const QString &name)
{
    const QString path = TestSupport::artifactsDir() + u'/' + name + u".png";
    tool(QStringLiteral("import"), {QStringLiteral("-window"), QStringLiteral("root"), path});
    return path;
}

QPoint windowPosition(const QString &windowId)
{
    const QString shell = tool(QStringLiteral("xdotool"),
                               {QStringLiteral("getwindowgeometry"), QStringLiteral("--shell"), windowId});
    QPoint position;
    for (const QString &line : shell.split(u'\n')) {
        if (line.startsWith(u"X="))
            position.setX(line.mid(2).toInt());
        else if (line.startsWith(u"Y="))
            position.setY(line.mid(2).toInt());
    }
    return position;
}
// A settings file that runs the fake llama-server with tiny-llama.gguf on any free port and, when
// given, one of the tiny projectors from ../shared/models.
QString writeServerSettings(const QTemporaryDir &dir, const QString &projector = {})
{
    const QString ini = dir.filePath(QStringLiteral("llamadesk.ini"));
    QSettings settings(ini, QSettings::IniFormat);
    settings.setValue(QStringLiteral("server/executable"), QStringLiteral(LLAMADESK_FAKE_LLAMA_SERVER));
    settings.setValue(QStringLiteral("server/model"),
                      QString(TestSupport::sharedDir() + QStringLiteral("/models/tiny-llama.gguf")));
    if (!projector.isEmpty())
        settings.setValue(QStringLiteral("server/mmproj"),
                          QString(TestSupport::sharedDir() + QStringLiteral("/models/") + projector));
    settings.setValue(QStringLiteral("server/port"), 0);
    settings.setValue(QStringLiteral("server/autostart"), true);
    return ini;
}

// What the fake llama-server was sent: it records every chat request body in FAKE_LLAMA_RECORD_DIR
// (given to the app, whose server inherits it). Empty until the n-th request came.
QByteArray recordedRequest(const QString &recordDir, int n = 1)
{
    return TestSupport::readFile(recordDir + QStringLiteral("/request-%1.json").arg(n));
}

// A completion ran to its end: the server's slot let go of it (llama-server logs requests
// themselves only at trace verbosity).
bool serverFinishedACompletion(const QString &serverLog)
{
    return TestSupport::readFile(serverLog).contains("stop processing");
}

// The real app, started with temporary XDG folders and its own settings file, killed at the end
// of the test if it is still running.
class RunningApp final
{
    Q_DISABLE_COPY_MOVE(RunningApp)

public:
    // extraEnvironment: NAME=value entries for the app (and the llama-server it starts).
    RunningApp(const TestSupport::TempXdg &xdg, const QStringList &arguments, const QStringList &extraEnvironment = {})
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &entry : xdg.environment() + extraEnvironment)
            env.insert(entry.section(u'=', 0, 0), entry.section(u'=', 1));
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(LLAMADESK_APP), arguments);
    }
    ~RunningApp()
    {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished();
        }
    }
    QString pid() const { return QString::number(process.processId()); }
    // The main window's X id, once it is shown.
    QString window() const { return findWindow(QStringLiteral("^Llamadesk$")); }
    // The same without waiting: empty while there is none (xdotool search then exits 1).
    QString visibleWindowNow(const QString &title) const
    {
        QProcess search;
        search.start(QStringLiteral("xdotool"), {QStringLiteral("search"), QStringLiteral("--onlyvisible"), QStringLiteral("--all"),
                                                 QStringLiteral("--pid"), pid(), QStringLiteral("--name"), title});
        search.waitForFinished(5000);
        return QString::fromLocal8Bit(search.readAllStandardOutput()).trimmed().section(u'\n', 0, 0);
    }
    QString findWindow(const QString &title) const
    {
        return tool(QStringLiteral("xdotool"), {QStringLiteral("search"), QStringLiteral("--sync"),
                                                QStringLiteral("--onlyvisible"), QStringLiteral("--all"),
                                                QStringLiteral("--pid"), pid(), QStringLiteral("--name"), title})
            .section(u'\n', 0, 0);
    }

    QProcess process;
};

// A window manager on the test's display while the object lives, as a user's desktop has one:
// openbox, started unless one already runs (that one is then left alone).
class WindowManager final
{
    Q_DISABLE_COPY_MOVE(WindowManager)

public:
    WindowManager()
    {
        if (isRunning())
            return;
        m_openbox.setProcessChannelMode(QProcess::MergedChannels);
        m_openbox.start(QStringLiteral("openbox"), {QStringLiteral("--sm-disable")});
        if (!m_openbox.waitForStarted(10000))
            return;
        // Up once it has set its check window on the root; or gone, saying why.
        static_cast<void>(TestSupport::waitUntil(
            [&] { return isRunning() || m_openbox.state() == QProcess::NotRunning; }, std::chrono::seconds(20)));
    }
    ~WindowManager()
    {
        if (m_openbox.state() == QProcess::NotRunning)
            return;
        m_openbox.terminate();
        if (!m_openbox.waitForFinished(5000)) {
            m_openbox.kill();
            m_openbox.waitForFinished();
        }
    }
    // The EWMH check window is on the root window: a compliant window manager runs.
    static bool isRunning()
    {
        QProcess xprop;
        xprop.start(QStringLiteral("xprop"), {QStringLiteral("-root"), QStringLiteral("_NET_SUPPORTING_WM_CHECK")});
        if (!xprop.waitForFinished(5000))
            return false;
        return xprop.readAllStandardOutput().contains("window id #");
    }
    QString output() { return QString::fromLocal8Bit(m_openbox.readAll()); }

private:
    QProcess m_openbox;
};
} // namespace

TEST(AppBinary, VersionPrintsNameAndVersionWithoutADisplay)
{
    const AppRun run = runApp({QStringLiteral("--version")});
    EXPECT_EQ(run.exitCode, 0) << run.err.toStdString();
    EXPECT_TRUE(run.out.startsWith(QStringLiteral("Llamadesk " LLAMADESK_VERSION "\n"))) << run.out.toStdString();
}

TEST(AppBinary, HelpListsTheOptionsWithoutADisplay)
{
    const AppRun run = runApp({QStringLiteral("--help")});
    EXPECT_EQ(run.exitCode, 0) << run.err.toStdString();
    EXPECT_TRUE(run.out.startsWith(u"Usage: llamadesk [options]")) << run.out.toStdString();
    for (const char *option : {"--settings <FILE>", "--server-exe <PATH>", "--model <PATH>", "--port <N>",
                               "--log-level <LEVEL>", "--version"})
        EXPECT_TRUE(run.out.contains(QLatin1String(option))) << option;
}

TEST(AppBinary, UnknownOptionExitsWithUsageError)
{
    const AppRun run = runApp({QStringLiteral("--no-such-option")});
    EXPECT_EQ(run.exitCode, 2);
    EXPECT_TRUE(run.err.contains(u"no-such-option")) << run.err.toStdString();
    EXPECT_TRUE(run.err.contains(u"--help")) << run.err.toStdString();
}

TEST(AppBinary, WindowShowsAGreyDotThatOpensSettingsWhichSaveToTheIniFile)
{
    LLAMADESK_REQUIRE_DISPLAY();
    TestSupport::TempXdg xdg;
    QTemporaryDir dir;
    const QString ini = dir.filePath(QStringLiteral("my-settings.ini"));

    RunningApp running(xdg, {QStringLiteral("--settings"), ini, QStringLiteral("--log-level"), QStringLiteral("debug")});
    QProcess &app = running.process;
    ASSERT_TRUE(app.waitForStarted());
    const QString window = running.window();
    ASSERT_FALSE(window.isEmpty()) << app.readAllStandardError().constData();
    const QPoint dotCentre = windowPosition(window) +
                             QPoint(TitleBar::Margin + StatusDot::Diameter / 2, TitleBar::Height / 2);

    // What the screen shows: the dot in the title bar is grey. Painting follows mapping, so
    // look until it is there.
    const QRgb grey = StatusDot::colorFor(StatusColor::Grey).rgb();
    QRgb seen = 0;
    const bool greyShown = TestSupport::waitUntil([&] {
        seen = QImage(screenshot(QStringLiteral("app-binary-window"))).pixel(dotCentre);
        return seen == grey;
    });
    EXPECT_TRUE(greyShown) << "pixel at the dot: #" << std::hex << (seen & 0xffffff);

    // Clicking the dot opens the settings dialog.
    tool(QStringLiteral("xdotool"), {QStringLiteral("mousemove"), QString::number(dotCentre.x()),
                                     QString::number(dotCentre.y()), QStringLiteral("click"), QStringLiteral("1")});
    const QString dialog = running.findWindow(QStringLiteral("Llamadesk Settings"));
    ASSERT_FALSE(dialog.isEmpty());
    screenshot(QStringLiteral("app-binary-settings-dialog"));

    // Alt+P jumps to the port (the label's mnemonic), the new port is typed, Enter saves.
    tool(QStringLiteral("xdotool"), {QStringLiteral("windowfocus"), QStringLiteral("--sync"), dialog,
                                     QStringLiteral("key"), QStringLiteral("--clearmodifiers"), QStringLiteral("alt+p"),
                                     QStringLiteral("ctrl+a"), QStringLiteral("type"), QStringLiteral("18123")});
    screenshot(QStringLiteral("app-binary-settings-port-typed"));
    tool(QStringLiteral("xdotool"), {QStringLiteral("key"), QStringLiteral("--window"), dialog, QStringLiteral("Return")});

    const bool saved = TestSupport::waitUntil([&] {
        return QSettings(ini, QSettings::IniFormat).value(QStringLiteral("server/port")).toInt() == 18123;
    });
    EXPECT_TRUE(saved) << TestSupport::readFile(ini).constData();
    EXPECT_TRUE(TestSupport::readFile(ini).contains("[server]")) << "a hand-editable INI file";
    EXPECT_FALSE(QFile::exists(xdg.configHome() + QStringLiteral("/llamadesk/llamadesk.ini")))
        << "--settings must replace the default file, not add to it";

    // Ctrl+Q quits cleanly, and the log went where the README says.
    tool(QStringLiteral("xdotool"), {QStringLiteral("windowfocus"), QStringLiteral("--sync"), window,
                                     QStringLiteral("key"), QStringLiteral("--clearmodifiers"), QStringLiteral("ctrl+q")});
    ASSERT_TRUE(app.waitForFinished(10000));
    EXPECT_EQ(app.exitStatus(), QProcess::NormalExit);
    EXPECT_EQ(app.exitCode(), 0);
    const QByteArray log = TestSupport::readFile(xdg.dataHome() + QStringLiteral("/llamadesk/logs/llamadesk.log"));
    EXPECT_TRUE(log.contains("Llamadesk " LLAMADESK_VERSION " starting")) << log.constData();
}

TEST(AppBinary, AutostartTurnsTheDotGreenAndQuittingStopsTheServer)
{
    LLAMADESK_REQUIRE_DISPLAY();
    TestSupport::TempXdg xdg;
    QTemporaryDir dir;
    const QString ini = writeServerSettings(dir); // autostart on, as the test's name says

    RunningApp running(xdg, {QStringLiteral("--settings"), ini});
    QProcess &app = running.process;
    ASSERT_TRUE(app.waitForStarted());
    const QString pid = running.pid();
    const QString window = running.window();
    ASSERT_FALSE(window.isEmpty());
    const QPoint dotCentre = windowPosition(window) +
                             QPoint(TitleBar::Margin + StatusDot::Diameter / 2, TitleBar::Height / 2);
    const QRgb green = StatusDot::colorFor(StatusColor::Green).rgb();
    QRgb seen = 0;
    const bool greenShown = TestSupport::waitUntil([&] {
        seen = QImage(screenshot(QStringLiteral("app-binary-autostart"))).pixel(dotCentre);
        return seen == green;
    }, std::chrono::seconds(15));
    EXPECT_TRUE(greenShown) << "pixel at the dot: #" << std::hex << (seen & 0xffffff);

    // The server is our child; after Ctrl+Q neither process is left.
    const QByteArray children =
        TestSupport::readFile(QStringLiteral("/proc/%1/task/%1/children").arg(pid)).trimmed();
    ASSERT_FALSE(children.isEmpty());
    const QByteArray serverPid = children.split(' ').constFirst();
    tool(QStringLiteral("xdotool"), {QStringLiteral("windowfocus"), QStringLiteral("--sync"), window,
                                     QStringLiteral("key"), QStringLiteral("--clearmodifiers"), QStringLiteral("ctrl+q")});
    ASSERT_TRUE(app.waitForFinished(10000));
    EXPECT_EQ(app.exitCode(), 0);
    const QByteArray status = TestSupport::readFile(QStringLiteral("/proc/%1/status").arg(QString::fromLatin1(serverPid)));
    EXPECT_TRUE(status.isEmpty() || status.contains("State:\tZ")) << "llama-server " << serverPid.constData() << " outlived the app";
    const QByteArray log = TestSupport::readFile(xdg.dataHome() + QStringLiteral("/llamadesk/logs/llamadesk.log"));
    EXPECT_TRUE(log.contains("llama-server exited: code 0")) << log.constData();
    EXPECT_TRUE(TestSupport::readFile(xdg.dataHome() + QStringLiteral("/llamadesk/logs/llama-server.log"))
                    .contains("listening on http://127.0.0.1:"));
}

TEST(AppBinary, HoldingCtrlShiftVSendsWhatTheMicrophoneHeard)
{
    LLAMADESK_REQUIRE_DISPLAY();
    if (!TestSupport::audioRequired() && QProcess::execute(QStringLiteral("pactl"), {QStringLiteral("info")}) != 0)
        GTEST_SKIP() << "no sound server";
    TestSupport::TempXdg xdg;
    QTemporaryDir dir;
    const QString speech = dir.filePath(QStringLiteral("speech.wav"));
    ASSERT_EQ(QProcess::execute(QStringLiteral("espeak-ng"), {QStringLiteral("-w"), speech,
                                                             QStringLiteral("what is on my screen")}), 0);
    const QString ini = writeServerSettings(dir, QStringLiteral("tiny-mmproj-audio.gguf"));
    const QString records = dir.filePath(QStringLiteral("requests"));
    ASSERT_TRUE(QDir().mkpath(records));
    RunningApp running(xdg, {QStringLiteral("--settings"), ini}, {QStringLiteral("FAKE_LLAMA_RECORD_DIR=") + records});
    QProcess &app = running.process;
    ASSERT_TRUE(app.waitForStarted());
    const QString window = running.window();
    ASSERT_FALSE(window.isEmpty());
    const QString appLog = xdg.dataHome() + QStringLiteral("/llamadesk/logs/llamadesk.log");
    ASSERT_TRUE(TestSupport::waitUntil([&] { return TestSupport::readFile(appLog).contains("llama-server is ready"); },
                                       std::chrono::seconds(15)));
    // The mic is enabled once /props says the model hears: until then a press is ignored, so
    // press again until the app says it records; play once the microphone delivers.
    tool(QStringLiteral("xdotool"), {QStringLiteral("windowfocus"), QStringLiteral("--sync"), window});
    const bool recording = TestSupport::waitUntil([&] {
        tool(QStringLiteral("xdotool"), {QStringLiteral("keydown"), QStringLiteral("--window"), window, QStringLiteral("ctrl+shift+v")});
        if (TestSupport::waitUntil([&] { return TestSupport::readFile(appLog).contains("Recording from the microphone"); },
                                   std::chrono::milliseconds(1500))) // the log is flushed every second
            return true;
        tool(QStringLiteral("xdotool"), {QStringLiteral("keyup"), QStringLiteral("--window"), window, QStringLiteral("ctrl+shift+v")});
        return false;
    }, std::chrono::seconds(10));
    ASSERT_TRUE(recording) << TestSupport::readFile(appLog).constData();
    ASSERT_TRUE(TestSupport::waitUntil([&] { return TestSupport::readFile(appLog).contains("The microphone delivers audio"); }));
    EXPECT_EQ(QProcess::execute(QStringLiteral("paplay"), {QStringLiteral("-d"), QStringLiteral("virtmic_sink"), speech}), 0);
    screenshot(QStringLiteral("app-binary-voice-recording"));
    tool(QStringLiteral("xdotool"), {QStringLiteral("keyup"), QStringLiteral("--window"), window, QStringLiteral("ctrl+shift+v")});

    const bool sent = TestSupport::waitUntil([&] { return TestSupport::readFile(appLog).contains("for transcription"); },
                                             std::chrono::seconds(10));
    const QByteArray log = TestSupport::readFile(appLog);
    ASSERT_TRUE(sent) << log.constData();
    EXPECT_TRUE(log.contains("Hz, 1 channel(s)") && log.contains("(16000 Hz")) << log.constData();
    // The server got the recording and answered it (a WAV it could not read is a 400, before any slot).
    ASSERT_TRUE(TestSupport::waitUntil([&] { return !recordedRequest(records).isEmpty(); }, std::chrono::seconds(10)));
    EXPECT_TRUE(recordedRequest(records).contains("\"input_audio\"")) << recordedRequest(records).left(400).constData();
    const QString serverLog = xdg.dataHome() + QStringLiteral("/llamadesk/logs/llama-server.log");
    EXPECT_TRUE(TestSupport::waitUntil([&] { return serverFinishedACompletion(serverLog); }, std::chrono::seconds(10)))
        << TestSupport::readFile(serverLog).right(2000).constData();
}

// The screenshot path end to end in the real app: Ctrl+Shift+S, a drag on the frozen screen
// with the real mouse, the picture attached (its size in the log), the question answered.
TEST(AppBinary, CtrlShiftSAndADragAttachAScreenRegionThatIsSentWithTheQuestion)
{
    LLAMADESK_REQUIRE_DISPLAY();
    TestSupport::TempXdg xdg;
    QTemporaryDir dir;
    const QString ini = writeServerSettings(dir, QStringLiteral("tiny-mmproj-vision.gguf"));
    const QString records = dir.filePath(QStringLiteral("requests"));
    ASSERT_TRUE(QDir().mkpath(records));
    RunningApp running(xdg, {QStringLiteral("--settings"), ini}, {QStringLiteral("FAKE_LLAMA_RECORD_DIR=") + records});
    ASSERT_TRUE(running.process.waitForStarted());
    const QString window = running.window();
    ASSERT_FALSE(window.isEmpty());
    const QString appLog = xdg.dataHome() + QStringLiteral("/llamadesk/logs/llamadesk.log");
    ASSERT_TRUE(TestSupport::waitUntil([&] { return TestSupport::readFile(appLog).contains("llama-server is ready"); },
                                       std::chrono::seconds(15)));
    // Screenshots are enabled once /props says the model sees: until then the shortcut is
    // ignored, so press it until the region overlay is up.
    QString overlayWindow;
    ASSERT_TRUE(TestSupport::waitUntil([&] {
        tool(QStringLiteral("xdotool"), {QStringLiteral("windowfocus"), QStringLiteral("--sync"), window});
        // Through the X server's keyboard (XTEST), as a person types: the focused window gets it.
        tool(QStringLiteral("xdotool"), {QStringLiteral("key"), QStringLiteral("ctrl+shift+s")});
        return TestSupport::waitUntil([&] {
            return !(overlayWindow = running.visibleWindowNow(QStringLiteral("^Select a region$"))).isEmpty();
        }, std::chrono::milliseconds(1500));
    }, std::chrono::seconds(10))) << TestSupport::readFile(appLog).constData();
    screenshot(QStringLiteral("app-binary-region-overlay"));

    // 240 x 120 screen pixels, dragged with the real mouse.
    tool(QStringLiteral("xdotool"), {QStringLiteral("mousemove"), QStringLiteral("--sync"), QStringLiteral("100"), QStringLiteral("80"),
                                     QStringLiteral("mousedown"), QStringLiteral("1"),
                                     QStringLiteral("mousemove"), QStringLiteral("--sync"), QStringLiteral("200"), QStringLiteral("140"),
                                     QStringLiteral("mousemove"), QStringLiteral("--sync"), QStringLiteral("340"), QStringLiteral("200"),
                                     QStringLiteral("mouseup"), QStringLiteral("1")});
    QRegularExpressionMatch attached;
    ASSERT_TRUE(TestSupport::waitUntil([&] {
        attached = QRegularExpression(QStringLiteral("Screenshot (\\d+)x(\\d+) sent as"))
                       .match(QString::fromUtf8(TestSupport::readFile(appLog)));
        return attached.hasMatch();
    }, std::chrono::seconds(5))) << TestSupport::readFile(appLog).constData();
    EXPECT_NEAR(attached.captured(1).toInt(), 240, 1);
    EXPECT_NEAR(attached.captured(2).toInt(), 120, 1);

    // The window is back with the picture in the message box; the question goes with it.
    screenshot(QStringLiteral("app-binary-region-taken"));
    ASSERT_EQ(running.window(), window) << TestSupport::readFile(appLog).constData(); // mapped again
    tool(QStringLiteral("xdotool"), {QStringLiteral("windowfocus"), QStringLiteral("--sync"), window});
    tool(QStringLiteral("xdotool"), {QStringLiteral("type"), QStringLiteral("--window"), window, QStringLiteral("What is this?")});
    screenshot(QStringLiteral("app-binary-region-attached"));
    tool(QStringLiteral("xdotool"), {QStringLiteral("key"), QStringLiteral("--window"), window, QStringLiteral("Return")});
    ASSERT_TRUE(TestSupport::waitUntil([&] { return !recordedRequest(records).isEmpty(); }, std::chrono::seconds(10)));
    const QByteArray request = recordedRequest(records);
    EXPECT_TRUE(request.contains("What is this?") && request.contains("\"image_url\"")) << request.left(400).constData();
    const QString serverLog = xdg.dataHome() + QStringLiteral("/llamadesk/logs/llama-server.log");
    EXPECT_TRUE(TestSupport::waitUntil([&] { return serverFinishedACompletion(serverLog); }, std::chrono::seconds(10)))
        << TestSupport::readFile(serverLog).right(2000).constData();
}

// The first minute as a newcomer meets it, on a desktop with a window manager: the window opens,
// the question is typed at once (no click first) and Enter sends it. The window manager matters:
// it activates the new window, and keys then go where the app put its focus. On the status dot
// the spaces of the question used to open the settings.
TEST(AppBinary, AQuestionTypedAsSoonAsTheWindowOpensIsSent)
{
    LLAMADESK_REQUIRE_DISPLAY();
    TestSupport::TempXdg xdg;
    WindowManager windowManager;
    ASSERT_TRUE(WindowManager::isRunning()) << "openbox: " << windowManager.output().toStdString();
    QTemporaryDir dir;
    const QString records = dir.filePath(QStringLiteral("requests"));
    ASSERT_TRUE(QDir().mkpath(records));
    const QString ini = writeServerSettings(dir);
    RunningApp running(xdg, {QStringLiteral("--settings"), ini}, {QStringLiteral("FAKE_LLAMA_RECORD_DIR=") + records});
    ASSERT_TRUE(running.process.waitForStarted());
    const QString window = tool(QStringLiteral("xdotool"), {QStringLiteral("search"), QStringLiteral("--sync"),
                                                            QStringLiteral("--onlyvisible"), QStringLiteral("--name"),
                                                            QStringLiteral("^Llamadesk$")})
                               .section(u'\n', 0, 0);
    ASSERT_FALSE(window.isEmpty());
    // The window manager gives the new window the keyboard, as a person sees it come up.
    QString active;
    EXPECT_TRUE(TestSupport::waitUntil([&] {
        QProcess query;
        query.start(QStringLiteral("xdotool"), {QStringLiteral("getactivewindow")});
        query.waitForFinished(5000);
        active = QString::fromLocal8Bit(query.readAllStandardOutput()).trimmed();
        return active == window;
    }, std::chrono::seconds(20))) << "active: " << active.toStdString() << ", ours: " << window.toStdString();

    // Through the X server's keyboard (XTEST), to whatever has the focus.
    const QString question = QStringLiteral("What is a llama?");
    tool(QStringLiteral("xdotool"), {QStringLiteral("type"), QStringLiteral("--delay"), QStringLiteral("30"), question});
    screenshot(QStringLiteral("app-binary-typed-at-once"));
    EXPECT_TRUE(running.visibleWindowNow(QStringLiteral("Llamadesk Settings")).isEmpty()) << "a space opened the settings";

    // Enter sends once the server is up (until then the question waits in the message box).
    const bool sent = TestSupport::waitUntil([&] {
        tool(QStringLiteral("xdotool"), {QStringLiteral("key"), QStringLiteral("Return")});
        return TestSupport::waitUntil([&] { return !recordedRequest(records).isEmpty(); }, std::chrono::milliseconds(1500));
    }, std::chrono::seconds(30));
    const QString appLog = xdg.dataHome() + QStringLiteral("/llamadesk/logs/llamadesk.log");
    ASSERT_TRUE(sent) << TestSupport::readFile(appLog).constData();
    screenshot(QStringLiteral("app-binary-question-sent"));

    const QByteArray request = recordedRequest(records);
    const QJsonArray messages = QJsonDocument::fromJson(request).object().value(u"messages").toArray();
    ASSERT_FALSE(messages.isEmpty()) << request.constData();
    const QJsonObject last = messages.last().toObject();
    EXPECT_EQ(last.value(u"role").toString(), QStringLiteral("user"));
    EXPECT_EQ(last.value(u"content").toString(), question) << request.constData();
}

// The newcomer's way in: the placeholder says to click the dot for the settings; they are saved,
// and the question is typed at once. The click used to give the dot the focus, and the
// question's first space opened the settings again.
TEST(AppBinary, AfterTheSettingsOpenedFromTheDotTheQuestionGoesToTheMessageBox)
{
    LLAMADESK_REQUIRE_DISPLAY();
    TestSupport::TempXdg xdg;
    WindowManager windowManager;
    ASSERT_TRUE(WindowManager::isRunning()) << "openbox: " << windowManager.output().toStdString();
    QTemporaryDir dir;
    const QString records = dir.filePath(QStringLiteral("requests"));
    ASSERT_TRUE(QDir().mkpath(records));
    const QString ini = writeServerSettings(dir);
    RunningApp running(xdg, {QStringLiteral("--settings"), ini}, {QStringLiteral("FAKE_LLAMA_RECORD_DIR=") + records});
    ASSERT_TRUE(running.process.waitForStarted());
    const QString window = running.window();
    ASSERT_FALSE(window.isEmpty());

    // Where the dot is drawn: openbox reports the client's geometry 20 px below where it draws
    // it, so look at both places for the dot's colour (green once the server runs).
    const QPoint reported = windowPosition(window) + QPoint(TitleBar::Margin + StatusDot::Diameter / 2, TitleBar::Height / 2);
    const QRgb green = StatusDot::colorFor(StatusColor::Green).rgb();
    QPoint dotCentre;
    ASSERT_TRUE(TestSupport::waitUntil([&] {
        const QImage screen(screenshot(QStringLiteral("app-binary-before-settings")));
        for (const QPoint &candidate : {reported, reported - QPoint(0, 20)}) {
            if (screen.valid(candidate) && screen.pixel(candidate) == green) {
                dotCentre = candidate;
                return true;
            }
        }
        return false;
    }, std::chrono::seconds(20))) << "no green dot near " << reported.x() << "," << reported.y();

    tool(QStringLiteral("xdotool"), {QStringLiteral("mousemove"), QString::number(dotCentre.x()),
                                     QString::number(dotCentre.y()), QStringLiteral("click"), QStringLiteral("1")});
    const QString dialog = running.findWindow(QStringLiteral("^Llamadesk Settings$"));
    ASSERT_FALSE(dialog.isEmpty());
    tool(QStringLiteral("xdotool"), {QStringLiteral("key"), QStringLiteral("Return")}); // Save
    ASSERT_TRUE(TestSupport::waitUntil([&] { return running.visibleWindowNow(QStringLiteral("^Llamadesk Settings$")).isEmpty(); },
                                       std::chrono::seconds(10)));
    // Back in the main window as the window manager hands the keyboard back.
    ASSERT_TRUE(TestSupport::waitUntil([&] {
        QProcess query;
        query.start(QStringLiteral("xdotool"), {QStringLiteral("getactivewindow")});
        query.waitForFinished(5000);
        return QString::fromLocal8Bit(query.readAllStandardOutput()).trimmed() == window;
    }, std::chrono::seconds(20)));

    const QString question = QStringLiteral("How do llamas sleep?");
    tool(QStringLiteral("xdotool"), {QStringLiteral("type"), QStringLiteral("--delay"), QStringLiteral("30"), question});
    screenshot(QStringLiteral("app-binary-typed-after-settings"));
    EXPECT_TRUE(running.visibleWindowNow(QStringLiteral("^Llamadesk Settings$")).isEmpty()) << "a space opened the settings";
    const bool sent = TestSupport::waitUntil([&] {
        tool(QStringLiteral("xdotool"), {QStringLiteral("key"), QStringLiteral("Return")});
        return TestSupport::waitUntil([&] { return !recordedRequest(records).isEmpty(); }, std::chrono::milliseconds(1500));
    }, std::chrono::seconds(30));
    ASSERT_TRUE(sent);
    const QJsonArray messages = QJsonDocument::fromJson(recordedRequest(records)).object().value(u"messages").toArray();
    ASSERT_FALSE(messages.isEmpty());
    EXPECT_EQ(messages.last().toObject().value(u"content").toString(), question) << recordedRequest(records).constData();
}
