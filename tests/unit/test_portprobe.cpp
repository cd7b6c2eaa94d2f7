#include "core/server/portowner.h"
#include "core/server/portprobe.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QTcpServer>

#include <gtest/gtest.h>

#include <ostream>

// Defined in test_preflight.cpp: gtest prints QStrings as text.
void PrintTo(const QString &value, std::ostream *os);

using namespace Llamadesk;

namespace
{
const QString Loopback = QStringLiteral("127.0.0.1");

// A port of 127.0.0.1 held by this process for the test's lifetime.
class HeldPort final
{
public:
    HeldPort()
    {
        EXPECT_TRUE(m_server.listen(QHostAddress::LocalHost, 0)) << m_server.errorString().toStdString();
    }
    int port() const { return m_server.serverPort(); }

private:
    QTcpServer m_server;
};
} // namespace

TEST(PortProbe, ValidPortsAreOneTo65535)
{
    EXPECT_FALSE(isValidPort(-1));
    EXPECT_FALSE(isValidPort(0));
    EXPECT_TRUE(isValidPort(1));
    EXPECT_TRUE(isValidPort(8080));
    EXPECT_TRUE(isValidPort(65535));
    EXPECT_FALSE(isValidPort(65536));
    EXPECT_FALSE(isValidPort(70000));
}

TEST(PortProbe, EmptyHostListensOnLoopback)
{
    EXPECT_EQ(listenHost(QString()), Loopback);
    EXPECT_EQ(listenHost(QStringLiteral("  ")), Loopback);
    EXPECT_EQ(listenHost(QStringLiteral(" 0.0.0.0 ")), QStringLiteral("0.0.0.0"));
}

TEST(PortProbe, BracketsAroundIpv6AreDropped)
{
    EXPECT_EQ(hostWithoutBrackets(QStringLiteral("[::1]")), QStringLiteral("::1"));
    EXPECT_EQ(hostWithoutBrackets(QStringLiteral(" ::1 ")), QStringLiteral("::1"));
    EXPECT_EQ(hostWithoutBrackets(QStringLiteral("127.0.0.1")), QStringLiteral("127.0.0.1"));
    EXPECT_EQ(hostWithoutBrackets(QStringLiteral("[")), QStringLiteral("["));
}

TEST(PortProbe, HostsAreTestedOnTheAddressTheServerWouldUse)
{
    EXPECT_EQ(bindAddressFor(QStringLiteral("localhost")), QHostAddress(QHostAddress::LocalHost));
    EXPECT_EQ(bindAddressFor(QStringLiteral("127.0.0.1")), QHostAddress(QHostAddress::LocalHost));
    EXPECT_EQ(bindAddressFor(QStringLiteral("::1")), QHostAddress(QHostAddress::LocalHostIPv6));
    EXPECT_EQ(bindAddressFor(QStringLiteral("[::1]")), QHostAddress(QHostAddress::LocalHostIPv6));
    EXPECT_EQ(bindAddressFor(QStringLiteral("0.0.0.0")), QHostAddress(QHostAddress::AnyIPv4));
    // A name would need a (blocking) DNS lookup: the wildcard is busy whenever any address is.
    EXPECT_EQ(bindAddressFor(QStringLiteral("my-box.example")), QHostAddress(QHostAddress::Any));
}

TEST(PortProbe, HeldPortIsNotFreeAndIsFreeAgainWhenReleased)
{
    int port = 0;
    {
        HeldPort held;
        port = held.port();
        EXPECT_FALSE(isPortFree(Loopback, port));
        EXPECT_EQ(probePort(Loopback, port).status, PortStatus::InUse);
    }
    EXPECT_TRUE(isPortFree(Loopback, port));
}

TEST(PortProbe, OutOfRangePortsAreNeverFree)
{
    EXPECT_FALSE(isPortFree(Loopback, 0));
    EXPECT_FALSE(isPortFree(Loopback, 70000));
}

TEST(PortProbe, AddressOfAnotherComputerIsUnavailable)
{
    // 192.0.2.0/24 is TEST-NET-1, never assigned to a real interface.
    const PortProbeResult result = probePort(QStringLiteral("192.0.2.1"), 18080);
    EXPECT_EQ(result.status, PortStatus::Unavailable);
    EXPECT_FALSE(result.error.isEmpty());
}

TEST(PortProbe, NextFreePortSkipsTheHeldPort)
{
    HeldPort held;
    EXPECT_EQ(nextFreePort(Loopback, held.port() - 1, 1), std::nullopt);
    const std::optional<int> next = nextFreePort(Loopback, held.port() - 1, 10);
    ASSERT_TRUE(next.has_value());
    EXPECT_GT(*next, held.port());
    EXPECT_TRUE(isPortFree(Loopback, *next));
}

TEST(PortProbe, NextFreePortStopsAt65535)
{
    EXPECT_EQ(nextFreePort(Loopback, 65535), std::nullopt);
}

TEST(PortProbe, AnyFreePortCanBeBound)
{
    const std::optional<int> port = anyFreePort(Loopback);
    ASSERT_TRUE(port.has_value());
    EXPECT_TRUE(isValidPort(*port));
    EXPECT_TRUE(isPortFree(Loopback, *port));
}

TEST(PortProbe, NoPortOfAnotherComputersAddress)
{
    EXPECT_EQ(anyFreePort(QStringLiteral("192.0.2.1")), std::nullopt);
}

#ifdef Q_OS_LINUX
namespace
{
// The layout of /proc/net/tcp and tcp6, cut to the columns that matter plus a few after.
const char ProcNetTcp[] =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000 100 0 0 10 0\n"
        "   1: 0100007F:1F90 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0000 20 4 30 10 -1\n"
        "   2: 00000000:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0000 100 0 0 10 0\n"
        "   3: 0100007F:D2A4 0100007F:1F90 06 00000000:00000000 03:00000F9A 00000000     0        0 0 3 0000\n";
const char ProcNetTcp6[] =
        "  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
        "tm->when retrnsmt   uid  timeout inode\n"
        "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 "
        "00:00000000 00000000  1000        0 444 1 0000 100 0 0 10 0\n";
} // namespace

TEST(PortOwner, ListeningInodesAreTheListenSocketsOfThePort)
{
    EXPECT_EQ(listeningInodes(ProcNetTcp, 8080), QList<quint64>{111});
    EXPECT_EQ(listeningInodes(ProcNetTcp, 8081), QList<quint64>{333});
    EXPECT_EQ(listeningInodes(ProcNetTcp6, 8080), QList<quint64>{444});
}

TEST(PortOwner, NoInodesForAPortNobodyListensOn)
{
    EXPECT_EQ(listeningInodes(ProcNetTcp, 53924), QList<quint64>()) << "0xD2A4 only has connections";
    EXPECT_EQ(listeningInodes(ProcNetTcp, 9999), QList<quint64>());
    EXPECT_EQ(listeningInodes(ProcNetTcp, 0), QList<quint64>());
}

TEST(PortOwner, GarbledTextGivesNoInodes)
{
    EXPECT_EQ(listeningInodes("", 8080), QList<quint64>());
    EXPECT_EQ(listeningInodes("not a proc file\n0: x:y z 0A\n", 8080), QList<quint64>());
    EXPECT_EQ(listeningInodes("   0: 0100007F:1F90 00000000:0000 0A 0:0 0:0 0 0 0 notanumber\n", 8080),
              QList<quint64>());
}

TEST(PortOwner, ThisProcessIsFoundHoldingItsPort)
{
    HeldPort held;
    const std::optional<PortOwner> owner = findPortOwner(held.port());
    ASSERT_TRUE(owner.has_value());
    EXPECT_EQ(owner->pid, QCoreApplication::applicationPid());
    EXPECT_EQ(owner->name, QStringLiteral("test_preflight"));
    EXPECT_TRUE(owner->commandLine.contains(QStringLiteral("test_preflight")))
            << owner->commandLine.toStdString();
    EXPECT_FALSE(owner->isLlamaServer);
}

TEST(PortOwner, NobodyHoldsAFreePort)
{
    const std::optional<int> port = anyFreePort(Loopback);
    ASSERT_TRUE(port.has_value());
    EXPECT_EQ(findPortOwner(*port), std::nullopt);
}
#else
TEST(PortOwner, OwnerIsNotClaimedWhereTheSystemDoesNotTell)
{
    HeldPort held;
    EXPECT_EQ(findPortOwner(held.port()), std::nullopt);
}
#endif
