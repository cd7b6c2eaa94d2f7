#pragma once

#include <QString>

class QProcess;

namespace Llamadesk
{
// Makes sure a child process never outlives the app, whatever way the app ends (a crash and
// SIGKILL included). The interface lives here, where ServerSupervisor uses it; the
// implementation for each OS is in src/platform/<os>/ and is picked by createProcessGuard().
class ProcessGuard
{
public:
    virtual ~ProcessGuard() = default;

    // Called before QProcess::start().
    virtual void prepare(QProcess &process) = 0;
    // Called once the child runs.
    virtual void adopt(QProcess &process) = 0;
    // Called after the child has exited.
    virtual void release(qint64 pid) = 0;
    // What the guard does, for the log: "PR_SET_PDEATHSIG (SIGKILL)".
    virtual QString description() const = 0;
};
} // namespace Llamadesk
