#pragma once

#include "application/voiceinput.h"

class QWidget;

namespace Llamadesk
{
// The question about a recording longer than the limit, as a window-modal message box (opened,
// never exec'd: no nested event loop).
class MessageBoxClipPrompt final : public ClipPrompt
{
public:
    explicit MessageBoxClipPrompt(QWidget *parent);
    void askTrim(double seconds, double limitSeconds, std::function<void(bool trim)> answer) override;

private:
    QWidget *m_parent;
};
} // namespace Llamadesk
