#include "appfixture.h"
#include "ui/gpulayersspinbox.h"
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

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest/QTest>

#include <gtest/gtest.h>

#include <memory>

using namespace Llamadesk;

namespace
{
class MainWindowTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_app = std::make_unique<App>(TestSupport::testAppOptions(m_dir));
        m_settings = &m_app->settings();
        m_window = std::make_unique<MainWindow>(*m_app);
        m_app->start();
        m_window->show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(m_window.get()));
    }

    SettingsDialog *openDialogByClickingTheDot()
    {
        StatusDot *dot = m_window->titleBar()->statusDot();
        QTest::mouseClick(dot, Qt::LeftButton, {}, dot->rect().center());
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

    TestSupport::TempXdg m_xdg;
    QTemporaryDir m_dir;
    std::unique_ptr<App> m_app;
    Settings *m_settings = nullptr; // the app's
    std::unique_ptr<MainWindow> m_window;
};
} // namespace

TEST_F(MainWindowTest, DotStartsGreyWithATooltip)
{
    StatusDot *dot = m_window->titleBar()->statusDot();
    EXPECT_EQ(dot->state(), ServerState::Unknown);
    EXPECT_EQ(dot->color(), StatusDot::colorFor(StatusColor::Grey));
    EXPECT_TRUE(dot->toolTip().startsWith(u"llama-server: Unknown\nNot set up: choose llama-server and a model"))
        << dot->toolTip().toStdString();
    EXPECT_TRUE(dot->toolTip().contains(u"Click for server settings"));

    // What is painted, not only what is stored: the dot's centre pixel is the grey.
    const QImage image = dot->grab().toImage();
    const QColor centre = image.pixelColor(image.rect().center());
    EXPECT_EQ(centre.rgb(), StatusDot::colorFor(StatusColor::Grey).rgb());
    EXPECT_FALSE(TestSupport::saveScreenshot(m_window.get(), QStringLiteral("mainwindow-initial")).isEmpty());
}

TEST_F(MainWindowTest, TitleBarShowsTheModelName)
{
    EXPECT_EQ(m_window->titleBar()->modelText(), QStringLiteral("No model selected"));
    ASSERT_FALSE(m_settings->set(Keys::ServerModel, QStringLiteral("/models/qwen2.5-7b-instruct-q4_k_m.gguf")));
    EXPECT_EQ(m_window->titleBar()->modelText(), QStringLiteral("qwen2.5-7b-instruct-q4_k_m"));
}

TEST_F(MainWindowTest, ClickingTheDotOpensTheSettingsDialog)
{
    EXPECT_EQ(m_window->settingsDialog(), nullptr);
    SettingsDialog *dialog = openDialogByClickingTheDot();
    ASSERT_NE(dialog, nullptr);
    EXPECT_TRUE(dialog->isVisible());
    EXPECT_EQ(dialog->windowTitle(), QStringLiteral("Llamadesk Settings"));
    // Every server/* key has a field.
    for (const char *name : {"executableEdit", "modelEdit", "mmprojEdit", "hostEdit", "extraArgsEdit", "apiKeyEdit"})
        EXPECT_NE(dialog->findChild<QLineEdit *>(QLatin1String(name)), nullptr) << name;
    for (const char *name : {"portSpin", "contextSpin", "parallelSpin", "gpuLayersSpin"})
        EXPECT_NE(dialog->findChild<QSpinBox *>(QLatin1String(name)), nullptr) << name;
    EXPECT_NE(dialog->findChild<QCheckBox *>(QStringLiteral("autostartCheck")), nullptr);
    for (const char *name : {"executableBrowse", "modelBrowse", "mmprojBrowse"})
        EXPECT_NE(dialog->findChild<QPushButton *>(QLatin1String(name)), nullptr) << name;
    EXPECT_EQ(child<QLineEdit>(dialog, "apiKeyEdit")->echoMode(), QLineEdit::Password);
    EXPECT_FALSE(TestSupport::saveScreenshot(dialog, QStringLiteral("settings-dialog")).isEmpty());

    // A second click brings the same dialog forward instead of opening another.
    openDialogByClickingTheDot();
    EXPECT_EQ(m_window->settingsDialog(), dialog);
}

TEST_F(MainWindowTest, DialogShowsTheStoredValues)
{
    ASSERT_FALSE(m_settings->set(Keys::ServerPort, 18090));
    ASSERT_FALSE(m_settings->set(Keys::ServerGpuLayers, 12));
    ASSERT_FALSE(m_settings->set(Keys::ServerModel, QStringLiteral("/m/a.gguf")));
    SettingsDialog *dialog = openDialogByClickingTheDot();
    ASSERT_NE(dialog, nullptr);
    EXPECT_EQ(child<QSpinBox>(dialog, "portSpin")->value(), 18090);
    EXPECT_EQ(child<QSpinBox>(dialog, "gpuLayersSpin")->value(), 12);
    // Auto (-2) where the settings take it, else All (-1) is the lowest.
    const bool autoTaken = !Settings::validate(Keys::ServerGpuLayers.toString(), GpuLayersSpinBox::Auto);
    EXPECT_EQ(child<QSpinBox>(dialog, "gpuLayersSpin")->minimum(), autoTaken ? -2 : -1);
    EXPECT_EQ(child<QLineEdit>(dialog, "modelEdit")->text(), QStringLiteral("/m/a.gguf"));
    EXPECT_EQ(child<QLineEdit>(dialog, "hostEdit")->text(), QStringLiteral("127.0.0.1"));
    EXPECT_TRUE(child<QCheckBox>(dialog, "autostartCheck")->isChecked());
}

TEST_F(MainWindowTest, SaveWritesTheIniFile)
{
    SettingsDialog *dialog = openDialogByClickingTheDot();
    ASSERT_NE(dialog, nullptr);
    QSpinBox *port = child<QSpinBox>(dialog, "portSpin");
    port->selectAll();
    QTest::keyClicks(port, QStringLiteral("18123"));
    QTest::keyClicks(child<QLineEdit>(dialog, "modelEdit"), QStringLiteral("/models/tiny.gguf"));
    child<QCheckBox>(dialog, "autostartCheck")->setChecked(false);
    QTest::mouseClick(child<QDialogButtonBox>(dialog, "buttonBox")->button(QDialogButtonBox::Save), Qt::LeftButton);

    ASSERT_TRUE(TestSupport::waitUntil([&] { return m_window->settingsDialog() == nullptr; }));
    QSettings file(m_settings->filePath(), QSettings::IniFormat);
    EXPECT_EQ(file.value(QStringLiteral("server/port")).toInt(), 18123);
    EXPECT_EQ(file.value(QStringLiteral("server/model")).toString(), QStringLiteral("/models/tiny.gguf"));
    EXPECT_EQ(file.value(QStringLiteral("server/autostart")).toString(), QStringLiteral("false"));
    EXPECT_EQ(m_window->titleBar()->modelText(), QStringLiteral("tiny")); // the name answers carry (--alias)
}

TEST_F(MainWindowTest, CancelWritesNothing)
{
    SettingsDialog *dialog = openDialogByClickingTheDot();
    ASSERT_NE(dialog, nullptr);
    child<QSpinBox>(dialog, "portSpin")->setValue(18124);
    QTest::mouseClick(child<QDialogButtonBox>(dialog, "buttonBox")->button(QDialogButtonBox::Cancel), Qt::LeftButton);
    ASSERT_TRUE(TestSupport::waitUntil([&] { return m_window->settingsDialog() == nullptr; }));
    EXPECT_EQ(m_settings->get(Keys::ServerPort), 8080);
    EXPECT_FALSE(QFile::exists(m_settings->filePath()));
}

TEST_F(MainWindowTest, InvalidFieldKeepsTheDialogOpenAndSavesNothing)
{
    SettingsDialog *dialog = openDialogByClickingTheDot();
    ASSERT_NE(dialog, nullptr);
    child<QSpinBox>(dialog, "portSpin")->setValue(18125);
    QLineEdit *host = child<QLineEdit>(dialog, "hostEdit");
    host->setText(QStringLiteral("not a host"));
    QTest::mouseClick(child<QDialogButtonBox>(dialog, "buttonBox")->button(QDialogButtonBox::Save), Qt::LeftButton);

    EXPECT_EQ(m_window->settingsDialog(), dialog);
    EXPECT_TRUE(dialog->isVisible());
    EXPECT_EQ(dialog->errorText(),
              QStringLiteral("server/host: expected an IP address or a host name, such as 127.0.0.1 or localhost"));
    EXPECT_EQ(m_settings->get(Keys::ServerPort), 8080) << "all or nothing";
    EXPECT_FALSE(TestSupport::saveScreenshot(dialog, QStringLiteral("settings-dialog-invalid-host")).isEmpty());
}

TEST_F(MainWindowTest, SettingsFileProblemsAppearAsABannerThatOpensSettings)
{
    m_window->reportSettingsWarnings({QStringLiteral("Setting server/port has an invalid value")});
    InlineBanner *banner = m_window->banner();
    ASSERT_TRUE(banner->isVisible());
    EXPECT_EQ(banner->level(), InlineBanner::Level::Warning);
    EXPECT_EQ(banner->text(), QStringLiteral("Setting server/port has an invalid value"));
    QPushButton *action = child<QPushButton>(banner, "bannerAction");
    EXPECT_EQ(action->text(), QStringLiteral("Open settings"));
    EXPECT_FALSE(TestSupport::saveScreenshot(m_window.get(), QStringLiteral("mainwindow-settings-warning")).isEmpty());
    QTest::mouseClick(action, Qt::LeftButton);
    EXPECT_NE(m_window->settingsDialog(), nullptr);
}

TEST_F(MainWindowTest, CtrlCommaOpensTheSettingsDialog)
{
    // The binding, not the focus handling of a window manager-less X server.
    QAction *settings = nullptr;
    for (QAction *action : m_window->actions()) {
        if (action->shortcuts().contains(QKeySequence(Qt::CTRL | Qt::Key_Comma)))
            settings = action;
    }
    ASSERT_NE(settings, nullptr);
    EXPECT_EQ(settings->shortcutContext(), Qt::WindowShortcut);
    settings->trigger();
    EXPECT_NE(m_window->settingsDialog(), nullptr);
}

TEST_F(MainWindowTest, ChatDefaultsAreEditedInTheSettingsDialog)
{
    SettingsDialog *dialog = openDialogByClickingTheDot();
    ASSERT_NE(dialog, nullptr);
    EXPECT_DOUBLE_EQ(child<QDoubleSpinBox>(dialog, "temperatureSpin")->value(), 0.8);
    EXPECT_EQ(child<QSpinBox>(dialog, "maxTokensSpin")->value(), -1);
    child<QPlainTextEdit>(dialog, "systemPromptEdit")->setPlainText(QStringLiteral("Answer in French."));
    child<QDoubleSpinBox>(dialog, "temperatureSpin")->setValue(0.3);
    child<QSpinBox>(dialog, "maxTokensSpin")->setValue(512);
    QComboBox *microphones = child<QComboBox>(dialog, "microphoneCombo");
    EXPECT_EQ(microphones->itemText(0), QStringLiteral("The system's default input"));
    const QString chosenMicrophone = microphones->currentData().toString();
    child<QSpinBox>(dialog, "maxSecondsSpin")->setValue(20);
    EXPECT_EQ(child<QSpinBox>(dialog, "transcriptTokensSpin")->value(), 512);
    child<QSpinBox>(dialog, "transcriptTokensSpin")->setValue(300);
    child<QCheckBox>(dialog, "sendTranscriptCheck")->setChecked(true);
    EXPECT_EQ(child<QSpinBox>(dialog, "maxEdgeSpin")->value(), 1536);
    child<QSpinBox>(dialog, "maxEdgeSpin")->setValue(1024);
    child<QCheckBox>(dialog, "screenshotHotkeyCheck")->setChecked(true);
    child<QTabWidget>(dialog, "tabs")->setCurrentIndex(1);
    EXPECT_FALSE(TestSupport::saveScreenshot(dialog, QStringLiteral("settings-dialog-chat")).isEmpty());
    QTest::mouseClick(child<QDialogButtonBox>(dialog, "buttonBox")->button(QDialogButtonBox::Save), Qt::LeftButton);
    ASSERT_TRUE(TestSupport::waitUntil([&] { return m_window->settingsDialog() == nullptr; }));
    EXPECT_EQ(m_settings->get(Keys::ChatSystemPrompt), QStringLiteral("Answer in French."));
    EXPECT_DOUBLE_EQ(m_settings->get(Keys::ChatTemperature), 0.3);
    EXPECT_EQ(m_settings->get(Keys::ChatMaxTokens), 512);
    EXPECT_EQ(m_settings->get(Keys::AudioMaxSeconds), 20);
    EXPECT_EQ(m_settings->get(Keys::AudioMaxTokens), 300);
    EXPECT_TRUE(m_settings->get(Keys::AudioSendTranscript));
    EXPECT_EQ(m_settings->get(Keys::VisionMaxEdge), 1024);
    EXPECT_TRUE(m_settings->get(Keys::VisionGlobalHotkey));
    EXPECT_EQ(m_settings->get(Keys::AudioInputDevice), chosenMicrophone);
    EXPECT_FALSE(m_window->banner()->isVisible()) << "chat defaults need no server restart";
}

TEST(GpuLayersSpinBox, ReadsAutoAllOrTheNumber)
{
    GpuLayersSpinBox spin;
    EXPECT_EQ(spin.minimum(), GpuLayersSpinBox::Auto);
    spin.setValue(-2);
    EXPECT_EQ(spin.text(), QStringLiteral("Auto"));
    spin.setValue(-1);
    EXPECT_EQ(spin.text(), QStringLiteral("All"));
    spin.setValue(0);
    EXPECT_EQ(spin.text(), QStringLiteral("0"));
    spin.setValue(33);
    EXPECT_EQ(spin.text(), QStringLiteral("33"));
    for (const char *word : {"Auto", "All", "number"})
        EXPECT_TRUE(spin.toolTip().contains(QLatin1String(word))) << spin.toolTip().toStdString();
}

TEST(GpuLayersSpinBox, TakesTheWordsTypedInAnyCase)
{
    LLAMADESK_REQUIRE_DISPLAY();
    GpuLayersSpinBox spin;
    spin.setValue(10);
    spin.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&spin));
    const auto typeIn = [&](const QString &text) {
        spin.selectAll();
        QTest::keyClicks(&spin, text);
        QTest::keyClick(&spin, Qt::Key_Return);
        return spin.value();
    };
    EXPECT_EQ(typeIn(QStringLiteral("all")), GpuLayersSpinBox::All);
    EXPECT_EQ(spin.text(), QStringLiteral("All"));
    EXPECT_EQ(typeIn(QStringLiteral("AUTO")), GpuLayersSpinBox::Auto);
    EXPECT_EQ(typeIn(QStringLiteral("24")), 24);
    EXPECT_EQ(typeIn(QStringLiteral("-1")), GpuLayersSpinBox::All);
    // Arrows step through them in order: Auto, All, 0, 1...
    spin.setValue(GpuLayersSpinBox::Auto);
    spin.stepUp();
    EXPECT_EQ(spin.text(), QStringLiteral("All"));
    spin.stepUp();
    EXPECT_EQ(spin.text(), QStringLiteral("0"));
}

TEST(GpuLayersSpinBox, WithoutAutoTheWordIsNotTaken)
{
    LLAMADESK_REQUIRE_DISPLAY();
    GpuLayersSpinBox spin;
    spin.setMinimum(GpuLayersSpinBox::All); // settings that know only -1 and up
    spin.setValue(5);
    spin.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&spin));
    spin.selectAll();
    QTest::keyClicks(&spin, QStringLiteral("auto"));
    QTest::keyClick(&spin, Qt::Key_Return);
    EXPECT_NE(spin.value(), GpuLayersSpinBox::Auto);
    EXPECT_GE(spin.value(), GpuLayersSpinBox::All);
}

TEST_F(MainWindowTest, GpuLayersDefaultToAutoAndSaveAsMinusTwo)
{
    if (Settings::validate(Keys::ServerGpuLayers.toString(), GpuLayersSpinBox::Auto))
        GTEST_SKIP() << "the settings do not take -2 (Auto) yet";
    SettingsDialog *dialog = openDialogByClickingTheDot();
    ASSERT_NE(dialog, nullptr);
    QSpinBox *layers = child<QSpinBox>(dialog, "gpuLayersSpin");
    EXPECT_EQ(layers->text(), QStringLiteral("Auto"));
    layers->setValue(-1);
    EXPECT_EQ(layers->text(), QStringLiteral("All"));
    layers->setValue(-2);
    ASSERT_FALSE(m_settings->set(Keys::ServerGpuLayers, 8)); // something else stored, to see -2 written
    QTest::mouseClick(child<QDialogButtonBox>(dialog, "buttonBox")->button(QDialogButtonBox::Save), Qt::LeftButton);
    ASSERT_TRUE(TestSupport::waitUntil([&] { return m_window->settingsDialog() == nullptr; }));
    EXPECT_EQ(m_settings->get(Keys::ServerGpuLayers), -2);
}
