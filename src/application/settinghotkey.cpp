#include "application/settinghotkey.h"

#include "platform/globalhotkey.h"
#include "core/settings.h"

namespace Llamadesk
{
SettingHotkey::SettingHotkey(GlobalHotkey &hotkey, const Settings &settings, SettingKey<bool> key, QObject *parent)
    : QObject(parent)
    , m_hotkey(hotkey)
    , m_settings(settings)
    , m_key(key)
{
    connect(&m_hotkey, &GlobalHotkey::pressed, this, &SettingHotkey::pressed);
    connect(&m_hotkey, &GlobalHotkey::released, this, &SettingHotkey::released);
    connect(&m_settings, &Settings::changed, this, [this](const QString &changed) {
        if (changed == m_key.toString())
            apply();
    });
}

GlobalHotkey &SettingHotkey::hotkey() const
{
    return m_hotkey;
}

void SettingHotkey::apply()
{
    if (!m_settings.get(m_key)) {
        m_hotkey.disable();
        return;
    }
    if (!m_hotkey.isSupported())
        Q_EMIT notice({Notice::Level::Info, m_hotkey.unsupportedReason()});
    else if (!m_hotkey.enable())
        Q_EMIT notice({Notice::Level::Warning, m_hotkey.lastError()});
}
} // namespace Llamadesk
