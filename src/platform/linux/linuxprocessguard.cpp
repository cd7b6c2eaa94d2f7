#include "platform/linux/linuxprocessguard.h"

#include <QProcess>

#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>

namespace Llamadesk
{
void LinuxProcessGuard::prepare(QProcess &process)
{
    const pid_t parent = ::getpid();
    // Runs in the child after fork(): only async-signal-safe calls here.
    process.setChildProcessModifier([parent] {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(127);
    });
}

void LinuxProcessGuard::adopt(QProcess &)
{
}

void LinuxProcessGuard::release(qint64)
{
}

QString LinuxProcessGuard::description() const
{
    return QStringLiteral("PR_SET_PDEATHSIG (SIGKILL)");
}
} // namespace Llamadesk
