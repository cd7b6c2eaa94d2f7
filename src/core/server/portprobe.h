#pragma once

#include <QString>

#include <optional>

class QHostAddress;

namespace Llamadesk
{
// Test-binding ports before llama-server is started, so that "port in use" is told before a
// process is spawned, with a free port to suggest. There is a window between the test and the
// server's own bind; the supervisor still classifies the server's "couldn't bind" failure.

// 1..65535
bool isValidPort(int port);

// The host llama-server is given: the configured one trimmed, 127.0.0.1 when that is empty.
QString listenHost(const QString &configured);
// The host without the brackets an IPv6 address may be written in: "[::1]" → "::1".
QString hostWithoutBrackets(const QString &host);

// The address a test bind uses for host: IP literals as written (brackets allowed around IPv6),
// "localhost" as 127.0.0.1. A host name that would need a DNS lookup (which blocks) is tested on
// the wildcard address, which cannot be bound when any address holds the port.
QHostAddress bindAddressFor(const QString &host);

enum class PortStatus {
    Free,
    InUse,
    Unavailable, // cannot be bound for another reason: the address is not this computer's, no rights
};

struct PortProbeResult
{
    PortStatus status = PortStatus::Unavailable;
    QString error; // Unavailable: why, in the operating system's words
};

// Test-binds host:port with a QTcpServer (Qt's default socket options, like any server) and closes it.
PortProbeResult probePort(const QString &host, int port);
// probePort(...).status == PortStatus::Free
bool isPortFree(const QString &host, int port);
// The first free port among after+1 .. after+attempts (never above 65535).
std::optional<int> nextFreePort(const QString &host, int after, int attempts = 100);
// A port the operating system picks: bind port 0 and read the port.
std::optional<int> anyFreePort(const QString &host);
} // namespace Llamadesk
