// The server never outlives the app: the process hosting the supervisor is SIGKILLed (no
// destructor, no clean-up code runs) and the server must be gone within a second.
#include "supervisorfixture.h"

#include <QElapsedTimer>
#include <QProcess>

#include <csignal>

using namespace Llamadesk::TestSupport;

namespace
{
bool processRuns(qint64 pid)
{
    const QByteArray status = readFile(QStringLiteral("/proc/%1/status").arg(pid));
    return !status.isEmpty() && !status.contains("State:\tZ");
}
} // namespace

TEST(NoOrphan, ServerDiesWithinASecondOfTheAppBeingKilled)
{
    QProcess host;
    host.start(QStringLiteral(LLAMADESK_SUPERVISOR_HOST), {serverUnderTest(), tinyModel()});
    ASSERT_TRUE(host.waitForStarted());
    QByteArray out;
    const bool announced = waitUntil([&] {
        out += host.readAllStandardOutput();
        return out.startsWith("PID ") && out.contains('\n');
    }, std::chrono::seconds(15));
    ASSERT_TRUE(announced) << out.constData() << host.readAllStandardError().constData();
    const qint64 serverPid = out.mid(4, out.indexOf('\n') - 4).trimmed().toLongLong();
    ASSERT_GT(serverPid, 0);
    ASSERT_TRUE(processRuns(serverPid));

    ::kill(static_cast<pid_t>(host.processId()), SIGKILL);
    ASSERT_TRUE(host.waitForFinished(5000));
    QElapsedTimer sinceKill;
    sinceKill.start();
    const bool gone = waitUntil([&] { return !processRuns(serverPid); }, std::chrono::seconds(1));
    if (!gone)
        ::kill(static_cast<pid_t>(serverPid), SIGKILL); // don't leave it behind for the next test
    EXPECT_TRUE(gone) << "llama-server pid " << serverPid << " still runs " << sinceKill.elapsed() << " ms after its parent was killed";
}
