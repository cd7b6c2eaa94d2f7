// System-wide push-to-talk on X11: Ctrl+Shift+V (or the combination the caller chose) pressed with
// no Llamadesk window focused reaches the app through a passive grab, once per hold (auto-repeat
// filtered), and is released.
#include "platform/globalhotkey.h"
#include "platform/platformfactory.h"
#include "testsupport.h"

#include <QGuiApplication>
#include <QProcess>
#include <QSignalSpy>
#include <QtTest/QTest>

#include <gtest/gtest.h>

#include <QScopeGuard>

#include <cstdlib>

#include <xcb/xcb.h>

using namespace Llamadesk;

namespace
{
// Waits until the X server has handled everything sent on the connection.
void xcb_aux_sync_free(xcb_connection_t *connection)
{
    std::free(xcb_get_input_focus_reply(connection, xcb_get_input_focus(connection), nullptr));
}

void xdotool(const QStringList &arguments)
{
    ASSERT_EQ(QProcess::execute(QStringLiteral("xdotool"), arguments), 0) << arguments.join(u' ').toStdString();
}
} // namespace

TEST(GlobalHotkey, CtrlShiftVHeldAnywhereIsOnePressAndOneRelease)
{
    LLAMADESK_REQUIRE_DISPLAY();
    ASSERT_EQ(QGuiApplication::platformName(), QStringLiteral("xcb"));
    const auto hotkey = Platform::createGlobalHotkey();
    ASSERT_TRUE(hotkey->isSupported()) << hotkey->unsupportedReason().toStdString();
    ASSERT_TRUE(hotkey->enable()) << hotkey->lastError().toStdString();
    QSignalSpy pressed(hotkey.get(), &GlobalHotkey::pressed);
    QSignalSpy released(hotkey.get(), &GlobalHotkey::released);

    xdotool({QStringLiteral("keydown"), QStringLiteral("ctrl+shift+v")});
    ASSERT_TRUE(pressed.wait(3000));
    // Held for a while: the X server repeats the key; that must not look like more presses.
    QTest::qWait(800);
    xdotool({QStringLiteral("keyup"), QStringLiteral("ctrl+shift+v")});
    ASSERT_TRUE(released.count() > 0 || released.wait(3000));
    EXPECT_EQ(pressed.count(), 1);
    EXPECT_EQ(released.count(), 1);

    // Other keys pass by untouched, and once disabled the shortcut is free again.
    xdotool({QStringLiteral("key"), QStringLiteral("ctrl+shift+b")});
    hotkey->disable();
    EXPECT_FALSE(hotkey->isEnabled());
    xdotool({QStringLiteral("key"), QStringLiteral("ctrl+shift+v")});
    QCoreApplication::processEvents();
    EXPECT_EQ(pressed.count(), 1);
}

TEST(GlobalHotkey, KeysAnotherProgramHoldsAreRefusedWithAReason)
{
    LLAMADESK_REQUIRE_DISPLAY();
    // "Another program": a second X connection grabbing Ctrl+Shift+V on the root window first.
    xcb_connection_t *other = xcb_connect(nullptr, nullptr);
    ASSERT_EQ(xcb_connection_has_error(other), 0);
    auto closeOther = qScopeGuard([other] { xcb_disconnect(other); });
    const xcb_setup_t *setup = xcb_get_setup(other);
    const xcb_window_t root = xcb_setup_roots_iterator(setup).data->root;
    const auto hotkey = Platform::createGlobalHotkey();
    ASSERT_TRUE(hotkey->isSupported());
    // The other connection takes Ctrl+Shift on every keycode, V's among them.
    for (int code = setup->min_keycode; code <= setup->max_keycode; ++code) {
        xcb_grab_key(other, 1, root, XCB_MOD_MASK_CONTROL | XCB_MOD_MASK_SHIFT, static_cast<xcb_keycode_t>(code),
                     XCB_GRAB_MODE_ASYNC, XCB_GRAB_MODE_ASYNC);
    }
    xcb_aux_sync_free(other);
    EXPECT_FALSE(hotkey->enable());
    EXPECT_EQ(hotkey->lastError(), QStringLiteral("Another program already uses Ctrl+Shift+V system-wide."));
    EXPECT_FALSE(hotkey->isEnabled());

    closeOther.dismiss();
    xcb_disconnect(other); // its grabs go with it, once the server has noticed the disconnection
    EXPECT_TRUE(TestSupport::waitUntil([&] { return hotkey->enable(); }, std::chrono::seconds(3)))
        << hotkey->lastError().toStdString();
}

TEST(GlobalHotkey, ChosenCombinationIsHeardAndNoOther)
{
    LLAMADESK_REQUIRE_DISPLAY();
    const QKeyCombination ctrlShiftS(Qt::ControlModifier | Qt::ShiftModifier, Qt::Key_S);
    const auto hotkey = Platform::createGlobalHotkey(ctrlShiftS);
    EXPECT_EQ(hotkey->combination(), ctrlShiftS);
    EXPECT_EQ(hotkey->combinationText(), QStringLiteral("Ctrl+Shift+S"));
    ASSERT_TRUE(hotkey->isSupported()) << hotkey->unsupportedReason().toStdString();
    ASSERT_TRUE(hotkey->enable()) << hotkey->lastError().toStdString();
    QSignalSpy pressed(hotkey.get(), &GlobalHotkey::pressed);
    QSignalSpy released(hotkey.get(), &GlobalHotkey::released);

    xdotool({QStringLiteral("keydown"), QStringLiteral("ctrl+shift+s")});
    ASSERT_TRUE(pressed.wait(3000));
    xdotool({QStringLiteral("keyup"), QStringLiteral("ctrl+shift+s")});
    ASSERT_TRUE(released.wait(3000));

    // Ctrl+Shift+V and Shift+S, then Ctrl+Shift+S again: had either been heard, its press would
    // have arrived before the last one.
    xdotool({QStringLiteral("key"), QStringLiteral("ctrl+shift+v")});
    xdotool({QStringLiteral("key"), QStringLiteral("shift+s")});
    xdotool({QStringLiteral("key"), QStringLiteral("ctrl+shift+s")});
    ASSERT_TRUE(released.wait(3000));
    EXPECT_EQ(pressed.count(), 2);
    EXPECT_EQ(released.count(), 2);
}

TEST(GlobalHotkey, TwoHotkeysAtOnceEachHearOnlyTheirOwn)
{
    LLAMADESK_REQUIRE_DISPLAY();
    const auto v = Platform::createGlobalHotkey();
    const auto s = Platform::createGlobalHotkey(QKeyCombination(Qt::ControlModifier | Qt::ShiftModifier, Qt::Key_S));
    ASSERT_TRUE(v->enable()) << v->lastError().toStdString();
    ASSERT_TRUE(s->enable()) << s->lastError().toStdString();
    QSignalSpy vPressed(v.get(), &GlobalHotkey::pressed);
    QSignalSpy vReleased(v.get(), &GlobalHotkey::released);
    QSignalSpy sPressed(s.get(), &GlobalHotkey::pressed);
    QSignalSpy sReleased(s.get(), &GlobalHotkey::released);

    xdotool({QStringLiteral("key"), QStringLiteral("ctrl+shift+v")});
    ASSERT_TRUE(vReleased.wait(3000));
    EXPECT_EQ(vPressed.count(), 1);
    EXPECT_EQ(sPressed.count(), 0);

    xdotool({QStringLiteral("key"), QStringLiteral("ctrl+shift+s")});
    ASSERT_TRUE(sReleased.wait(3000));
    EXPECT_EQ(sPressed.count(), 1);
    EXPECT_EQ(vPressed.count(), 1);
    EXPECT_EQ(vReleased.count(), 1);

    // Disabling one leaves the other listening.
    v->disable();
    xdotool({QStringLiteral("key"), QStringLiteral("ctrl+shift+v")});
    xdotool({QStringLiteral("key"), QStringLiteral("ctrl+shift+s")});
    ASSERT_TRUE(sReleased.wait(3000));
    EXPECT_EQ(sPressed.count(), 2);
    EXPECT_EQ(vPressed.count(), 1);
}

TEST(GlobalHotkey, AltMetaAndDigitsCanBeUsed)
{
    LLAMADESK_REQUIRE_DISPLAY();
    const auto ctrlAlt5 = Platform::createGlobalHotkey(QKeyCombination(Qt::ControlModifier | Qt::AltModifier, Qt::Key_5));
    const auto metaShiftM =
        Platform::createGlobalHotkey(QKeyCombination(Qt::MetaModifier | Qt::ShiftModifier, Qt::Key_M));
    ASSERT_TRUE(ctrlAlt5->enable()) << ctrlAlt5->lastError().toStdString();
    ASSERT_TRUE(metaShiftM->enable()) << metaShiftM->lastError().toStdString();
    QSignalSpy digitPressed(ctrlAlt5.get(), &GlobalHotkey::pressed);
    QSignalSpy digitReleased(ctrlAlt5.get(), &GlobalHotkey::released);
    QSignalSpy metaPressed(metaShiftM.get(), &GlobalHotkey::pressed);
    QSignalSpy metaReleased(metaShiftM.get(), &GlobalHotkey::released);

    xdotool({QStringLiteral("key"), QStringLiteral("ctrl+5")}); // without Alt: not ours
    xdotool({QStringLiteral("key"), QStringLiteral("ctrl+alt+5")});
    ASSERT_TRUE(digitReleased.wait(3000));
    EXPECT_EQ(digitPressed.count(), 1);
    xdotool({QStringLiteral("key"), QStringLiteral("super+shift+m")});
    ASSERT_TRUE(metaReleased.wait(3000));
    EXPECT_EQ(metaPressed.count(), 1);
    EXPECT_EQ(digitPressed.count(), 1);
}

TEST(GlobalHotkey, CombinationsThatWouldStealTypingOrAreNotLettersOrDigitsAreRefused)
{
    LLAMADESK_REQUIRE_DISPLAY();
    const auto function = Platform::createGlobalHotkey(QKeyCombination(Qt::ControlModifier, Qt::Key_F1));
    EXPECT_FALSE(function->isSupported());
    EXPECT_EQ(function->unsupportedReason(),
              QStringLiteral("Ctrl+F1 cannot be a global shortcut: use Ctrl, Shift, Alt or Meta with a letter or a digit."));
    EXPECT_FALSE(function->enable());
    EXPECT_EQ(function->lastError(), function->unsupportedReason());

    const auto bare = Platform::createGlobalHotkey(QKeyCombination(Qt::Key_V));
    EXPECT_FALSE(bare->isSupported());
    EXPECT_FALSE(bare->enable());

    const auto keypad = Platform::createGlobalHotkey(QKeyCombination(Qt::ControlModifier | Qt::KeypadModifier, Qt::Key_5));
    EXPECT_FALSE(keypad->isSupported());
}
