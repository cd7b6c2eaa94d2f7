#pragma once

#include "core/server/processguard.h"

namespace Llamadesk
{
// Linux: the kernel kills the child with SIGKILL when the thread that spawned it dies
// (PR_SET_PDEATHSIG, set in the child between fork and exec). If the app died before the child
// got that far, the child notices its parent changed and exits at once.
class LinuxProcessGuard final : public ProcessGuard
{
public:
    void prepare(QProcess &process) override;
    void adopt(QProcess &process) override;
    void release(qint64 pid) override;
    QString description() const override;
};
} // namespace Llamadesk
