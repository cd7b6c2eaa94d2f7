// The server's key in the settings dialog: shown (masked until asked), copied, regenerated.
#include "appfixture.h"
#include "guitestsupport.h"
#include "core/secrets/memorysecretstore.h"
#include "core/secrets/serverkey.h"
#include "core/server/serversupervisor.h"
#include "core/settingkeys.h"
#include "core/settings.h"
#include "ui/settingsdialog.h"
#include "testsupport.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest/QTest>

#include <gtest/gtest.h>

#include <memory>

using namespace Llamadesk;

namespace
{
template <typename T>
T *child(QWidget *parent, const char *name)
{
    T *widget = parent->findChild<T *>(QString::fromLatin1(name));
    EXPECT_NE(widget, nullptr) << name;
    return widget;
}

class SettingsDialogApiKey : public ::testing::Test
{
protected:
    void SetUp() override
    {
        LLAMADESK_REQUIRE_DISPLAY();
        AppOptions options = TestSupport::testAppOptions(m_dir);
        auto secrets = std::make_unique<MemorySecretStore>();
        m_store = secrets.get();
        options.secrets = std::move(secrets);
        m_app = std::make_unique<App>(std::move(options));
        m_settings = &m_app->settings();
        QSignalSpy ready(&m_app->serverKey(), &ServerKey::ready);
        m_app->start(); // loads the key: none yet, so one is generated
        ASSERT_TRUE(ready.wait(5000));
        m_dialog = std::make_unique<SettingsDialog>(*m_settings, m_app->server(), m_app->logDirectory());
        m_dialog->show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(m_dialog.get()));
    }

    QTemporaryDir m_dir;
    TestSupport::TempXdg m_xdg;
    std::unique_ptr<App> m_app;
    MemorySecretStore *m_store = nullptr; // the app's keychain
    Settings *m_settings = nullptr;       // the app's
    std::unique_ptr<SettingsDialog> m_dialog;
};
} // namespace

TEST_F(SettingsDialogApiKey, ShowsTheGeneratedKeyReadOnlyAndMaskedUntilShowIsPressed)
{
    auto *edit = child<QLineEdit>(m_dialog.get(), "apiKeyEdit");
    ASSERT_NE(edit, nullptr);
    const QString key = m_settings->get(Keys::ServerApiKey);
    ASSERT_GE(key.size(), 32);
    EXPECT_EQ(edit->text(), key);
    EXPECT_TRUE(edit->isReadOnly());
    EXPECT_EQ(edit->echoMode(), QLineEdit::Password);
    auto *show = child<QToolButton>(m_dialog.get(), "apiKeyShowButton");
    QTest::mouseClick(show, Qt::LeftButton);
    EXPECT_EQ(edit->echoMode(), QLineEdit::Normal);
    QTest::mouseClick(show, Qt::LeftButton);
    EXPECT_EQ(edit->echoMode(), QLineEdit::Password);
}

TEST_F(SettingsDialogApiKey, CopyPutsTheKeyOnTheClipboard)
{
    QGuiApplication::clipboard()->setText(QStringLiteral("something else"));
    QTest::mouseClick(child<QPushButton>(m_dialog.get(), "apiKeyCopyButton"), Qt::LeftButton);
    EXPECT_TRUE(::Llamadesk::TestSupport::waitUntil(
            [&] { return QGuiApplication::clipboard()->text() == m_settings->get(Keys::ServerApiKey); }));
}

TEST_F(SettingsDialogApiKey, RegenerateMakesANewKeyThatIsShownAndStored)
{
    auto *edit = child<QLineEdit>(m_dialog.get(), "apiKeyEdit");
    const QString before = edit->text();
    QTest::mouseClick(child<QPushButton>(m_dialog.get(), "apiKeyRegenerateButton"), Qt::LeftButton);
    const QString after = m_settings->get(Keys::ServerApiKey);
    EXPECT_NE(after, before);
    EXPECT_GE(after.size(), 32);
    EXPECT_EQ(edit->text(), after);
    EXPECT_TRUE(::Llamadesk::TestSupport::waitUntil(
            [&] { return m_store->entries().value(ServerKey::secretName()) == after; }));
}

TEST_F(SettingsDialogApiKey, SaveDoesNotWriteTheKeyIntoTheSettingsFile)
{
    m_dialog->accept();
    EXPECT_FALSE(::Llamadesk::TestSupport::readFile(m_settings->filePath())
                         .contains(m_settings->get(Keys::ServerApiKey).toUtf8()));
}
