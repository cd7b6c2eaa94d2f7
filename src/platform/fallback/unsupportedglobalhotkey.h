#pragma once

#include "platform/globalhotkey.h"

namespace Llamadesk
{
// Systems whose global shortcut is not written yet (Windows: RegisterHotKey plus a keyboard
// hook for the release; macOS: an event tap): says so, does nothing.
class UnsupportedGlobalHotkey final : public GlobalHotkey
{
    Q_OBJECT

public:
    explicit UnsupportedGlobalHotkey(QKeyCombination combination, QObject *parent = nullptr)
        : GlobalHotkey(parent)
        , m_combination(combination)
    {
    }
    QKeyCombination combination() const override { return m_combination; }
    bool isSupported() const override { return false; }
    QString unsupportedReason() const override
    {
        return tr("Global push-to-talk is not available on this system yet; hold %1 in the Llamadesk window.")
            .arg(combinationText());
    }
    bool enable() override { return false; }
    void disable() override {}
    bool isEnabled() const override { return false; }
    QString lastError() const override { return unsupportedReason(); }

private:
    QKeyCombination m_combination;
};
} // namespace Llamadesk
