// The window and the settings dialog while the fake llama-server starts, runs, fails and stops.
#include "appfixture.h"
#include "guitestsupport.h"
#include "ui/inlinebanner.h"
#include "ui/mainwindow.h"
#include "core/server/serversupervisor.h"
#include "core/settingkeys.h"
#include "core/settings.h"
#include "ui/settingsdialog.h"
#include "ui/statusdot.h"
#include "testsupport.h"
#include "ui/titlebar.h"

#include <QComboBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest/QTest>

#include <gtest/gtest.h>

#include <memory>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
class ServerUiTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        qputenv("FAKE_LLAMA_LOAD_MS", "500");
        SupervisorOptions options;
        options.stopGrace = std::chrono::seconds(3);
        m_app = std::make_unique<App>(testAppOptions(m_dir, options));
        m_settings = &m_app->settings();
        m_supervisor = &m_app->supervisor();
        ASSERT_NO_FATAL_FAILURE(useFakeServer(*m_settings, 40));
        m_window = std::make_unique<MainWindow>(*m_app);
        m_app->start();
        m_window->show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void TearDown() override
    {
        qunsetenv("FAKE_LLAMA_LOAD_MS");
        if (m_app)
            stopServer(*m_app);
        m_window.reset();
        m_app.reset();
    }

    bool waitForState(ServerState state, std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        return waitUntil([&] { return m_supervisor->state() == state; }, timeout);
    }

    StatusDot *dot() const { return m_window->titleBar()->statusDot(); }

    SettingsDialog *openDialog()
    {
        QTest::mouseClick(dot(), Qt::LeftButton, {}, dot()->rect().center());
        SettingsDialog *dialog = m_window->settingsDialog();
        if (dialog) {
            EXPECT_TRUE(QTest::qWaitForWindowExposed(dialog));
        }
        return dialog;
    }

    template <typename T>
    static T *child(QWidget *parent, const char *name)
    {
        T *widget = parent->findChild<T *>(QLatin1String(name));
        EXPECT_NE(widget, nullptr) << name;
        return widget;
    }

    TempXdg m_xdg;
    QTemporaryDir m_dir;
    std::unique_ptr<App> m_app;
    Settings *m_settings = nullptr;         // the app's
    ServerSupervisor *m_supervisor = nullptr; // the app's
    std::unique_ptr<MainWindow> m_window;
};

QString colorName(const QColor &color)
{
    if (color == StatusDot::colorFor(StatusColor::Green))
        return QStringLiteral("green");
    if (color == StatusDot::colorFor(StatusColor::Yellow))
        return QStringLiteral("yellow");
    if (color == StatusDot::colorFor(StatusColor::Red))
        return QStringLiteral("red");
    if (color == StatusDot::colorFor(StatusColor::Grey))
        return QStringLiteral("grey");
    return color.name();
}
} // namespace

TEST_F(ServerUiTest, DotGoesGreyYellowGreenYellowRed)
{
    // What the dot paints, read back from its pixels at each state change, and saved.
    QStringList painted;
    int shot = 0;
    auto record = [&] {
        const QImage image = dot()->grab().toImage();
        const QString name = colorName(image.pixelColor(image.rect().center()));
        if (painted.isEmpty() || painted.constLast() != name)
            painted.append(name);
        saveScreenshot(m_window.get(), QStringLiteral("dot-%1-%2-%3")
                                           .arg(++shot)
                                           .arg(displayName(m_supervisor->state()).toLower().replace(u' ', u'-'), name));
    };
    record();
    QObject::connect(m_supervisor, &ServerSupervisor::stateChanged, m_window.get(), record);

    m_supervisor->start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    m_supervisor->stop();
    ASSERT_TRUE(waitForState(ServerState::Stopped));
    EXPECT_EQ(painted, (QStringList{QStringLiteral("grey"), QStringLiteral("yellow"), QStringLiteral("green"),
                                    QStringLiteral("yellow"), QStringLiteral("red")}));
}

TEST_F(ServerUiTest, LoadingShowsTheStageWithABusyIndicator)
{
    qputenv("FAKE_LLAMA_HANG_LOADING", "1");
    m_supervisor->start();
    qunsetenv("FAKE_LLAMA_HANG_LOADING");
    ASSERT_TRUE(waitForState(ServerState::Loading));
    ASSERT_TRUE(waitUntil([&] { return m_window->titleBar()->activityText() == QStringLiteral("Loading model"); }))
        << m_window->titleBar()->activityText().toStdString();
    EXPECT_TRUE(child<QProgressBar>(m_window->titleBar(), "busyIndicator")->isVisible());
    saveScreenshot(m_window.get(), QStringLiteral("server-loading"));
    m_supervisor->stop();
    ASSERT_TRUE(waitForState(ServerState::Stopped));
    EXPECT_TRUE(m_window->titleBar()->activityText().isEmpty());
    EXPECT_FALSE(child<QProgressBar>(m_window->titleBar(), "busyIndicator")->isVisible());
}

TEST_F(ServerUiTest, TooltipNamesModelAddressAndUptime)
{
    m_supervisor->start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    QHelpEvent help(QEvent::ToolTip, dot()->rect().center(), dot()->mapToGlobal(dot()->rect().center()));
    QCoreApplication::sendEvent(dot(), &help);
    const QString tip = dot()->toolTip();
    EXPECT_TRUE(tip.startsWith(u"llama-server: Running\n")) << tip.toStdString();
    EXPECT_TRUE(tip.contains(u"Model: tiny-llama.gguf")) << tip.toStdString();
    EXPECT_TRUE(tip.contains(QStringLiteral("Address: %1").arg(m_supervisor->baseUrl().toString()))) << tip.toStdString();
    EXPECT_TRUE(tip.contains(u"Up for 0 seconds") || tip.contains(u"Up for 1 second")) << tip.toStdString();
}

TEST_F(ServerUiTest, DialogButtonsStartAndStopAndTheLogIsLive)
{
    SettingsDialog *dialog = openDialog();
    ASSERT_NE(dialog, nullptr);
    QPushButton *start = child<QPushButton>(dialog, "startButton");
    QPushButton *stop = child<QPushButton>(dialog, "stopButton");
    EXPECT_TRUE(start->isEnabled());
    EXPECT_FALSE(stop->isEnabled());

    QTest::mouseClick(start, Qt::LeftButton);
    ASSERT_TRUE(waitForState(ServerState::Running));
    EXPECT_FALSE(start->isEnabled());
    EXPECT_TRUE(stop->isEnabled());
    EXPECT_EQ(child<QLabel>(dialog, "stateLabel")->text(), QStringLiteral("State: Running"));
    EXPECT_TRUE(dialog->logText().contains(u"listening on http://127.0.0.1:")) << dialog->logText().toStdString();
    child<QTabWidget>(dialog, "tabs")->setCurrentIndex(1);
    saveScreenshot(dialog, QStringLiteral("settings-dialog-log"));

    dialog->setLogFilter(SettingsDialog::LogFilter::ErrorsOnly);
    EXPECT_FALSE(dialog->logText().contains(u"listening on"));
    dialog->setLogFilter(SettingsDialog::LogFilter::All);
    EXPECT_TRUE(dialog->logText().contains(u"listening on"));

    QTest::mouseClick(stop, Qt::LeftButton);
    ASSERT_TRUE(waitForState(ServerState::Stopped));
    EXPECT_TRUE(start->isEnabled());
    EXPECT_FALSE(stop->isEnabled());
}

TEST_F(ServerUiTest, BusyPortOffersTheNextFreePortAndUsingItStartsTheServer)
{
    QTcpServer occupier;
    ASSERT_TRUE(occupier.listen(QHostAddress::LocalHost, 0));
    ASSERT_FALSE(m_settings->set(Keys::ServerPort, static_cast<int>(occupier.serverPort())));
    m_supervisor->start();
    ASSERT_TRUE(waitForState(ServerState::Failed));
    EXPECT_EQ(dot()->color(), StatusDot::colorFor(StatusColor::Red));
    InlineBanner *banner = m_window->banner();
    ASSERT_TRUE(banner->isVisible());
    EXPECT_TRUE(banner->text().startsWith(QStringLiteral("Port %1 on 127.0.0.1 is in use").arg(occupier.serverPort())))
        << banner->text().toStdString();
    QPushButton *action = child<QPushButton>(banner, "bannerAction");
    ASSERT_TRUE(action->text().startsWith(u"Use port ")) << action->text().toStdString();
    const int offered = action->text().mid(9).toInt();
    saveScreenshot(m_window.get(), QStringLiteral("server-port-busy-banner"));

    QTest::mouseClick(action, Qt::LeftButton);
    ASSERT_TRUE(waitForState(ServerState::Running));
    EXPECT_EQ(m_settings->get(Keys::ServerPort), offered);
    EXPECT_EQ(m_supervisor->baseUrl().port(), offered);
    EXPECT_FALSE(banner->isVisible()) << "the problem is over";
}

TEST_F(ServerUiTest, ChangingServerSettingsWhileRunningOffersARestart)
{
    m_supervisor->start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    const qint64 before = m_supervisor->processId();
    SettingsDialog *dialog = openDialog();
    ASSERT_NE(dialog, nullptr);
    child<QSpinBox>(dialog, "contextSpin")->setValue(1024);
    dialog->accept();

    InlineBanner *banner = m_window->banner();
    ASSERT_TRUE(banner->isVisible());
    EXPECT_EQ(banner->text(), QStringLiteral("The server settings changed. Restart llama-server to use them."));
    EXPECT_EQ(m_supervisor->processId(), before) << "not restarted behind the user's back";
    QTest::mouseClick(child<QPushButton>(banner, "bannerAction"), Qt::LeftButton);
    ASSERT_TRUE(waitUntil([&] {
        return m_supervisor->state() == ServerState::Running && m_supervisor->processId() != before;
    }, std::chrono::seconds(10)));
    EXPECT_TRUE(m_supervisor->log().lastTexts(200).join(u'\n').contains(u"-c 1024"));
}

TEST_F(ServerUiTest, ClosingTheWindowStopsTheServerFirst)
{
    m_supervisor->start();
    ASSERT_TRUE(waitForState(ServerState::Running));
    QSignalSpy aboutToStop(m_supervisor, &ServerSupervisor::aboutToStop);
    EXPECT_FALSE(m_window->close()) << "the window waits for the server";
    EXPECT_EQ(aboutToStop.count(), 1);
    ASSERT_TRUE(waitUntil([&] { return !m_window->isVisible(); }, std::chrono::seconds(5)));
    EXPECT_EQ(m_supervisor->state(), ServerState::Stopped);
    EXPECT_FALSE(m_supervisor->hasProcess());
}
