#pragma once

#include "application/notice.h"
#include "core/settingkeys.h"

#include <QObject>
#include <QPointer>

namespace Llamadesk
{
class GlobalHotkey;
class Settings;

// A desktop-wide shortcut that is on while its setting is (audio/global_hotkey,
// vision/global_hotkey), now and whenever the setting changes. Where the platform has none, or
// another program holds the keys, a notice says so.
class SettingHotkey final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingHotkey)

public:
    // hotkey must outlive this object.
    SettingHotkey(GlobalHotkey &hotkey, const Settings &settings, SettingKey<bool> key, QObject *parent = nullptr);

    GlobalHotkey &hotkey() const;
    // Applies the setting (again); the first time is deferred to the owner, so that whoever shows
    // notices can connect first.
    void apply();

Q_SIGNALS:
    void pressed();
    void released();
    void notice(const Llamadesk::Notice &notice);

private:
    GlobalHotkey &m_hotkey;
    const Settings &m_settings;
    SettingKey<bool> m_key;
};
} // namespace Llamadesk
