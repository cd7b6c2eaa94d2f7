#include "core/server/portprobe.h"

#include <QHostAddress>
#include <QTcpServer>

#include <algorithm>

namespace Llamadesk
{
bool isValidPort(int port)
{
    return port >= 1 && port <= 65535;
}

QString listenHost(const QString &configured)
{
    const QString host = configured.trimmed();
    return host.isEmpty() ? QStringLiteral("127.0.0.1") : host;
}

QString hostWithoutBrackets(const QString &host)
{
    const QString trimmed = host.trimmed();
    if (trimmed.size() >= 2 && trimmed.startsWith(u'[') && trimmed.endsWith(u']'))
        return trimmed.mid(1, trimmed.size() - 2);
    return trimmed;
}

QHostAddress bindAddressFor(const QString &host)
{
    const QString literal = hostWithoutBrackets(listenHost(host));
    if (literal.compare(u"localhost", Qt::CaseInsensitive) == 0)
        return QHostAddress(QHostAddress::LocalHost);
    const QHostAddress address(literal);
    return address.isNull() ? QHostAddress(QHostAddress::Any) : address;
}

PortProbeResult probePort(const QString &host, int port)
{
    if (port < 0 || port > 65535)
        return {PortStatus::Unavailable, QStringLiteral("port %1 is out of range").arg(port)};
    QTcpServer server;
    if (server.listen(bindAddressFor(host), static_cast<quint16>(port))) {
        server.close();
        return {PortStatus::Free, {}};
    }
    if (server.serverError() == QAbstractSocket::AddressInUseError)
        return {PortStatus::InUse, server.errorString()};
    return {PortStatus::Unavailable, server.errorString()};
}

bool isPortFree(const QString &host, int port)
{
    return isValidPort(port) && probePort(host, port).status == PortStatus::Free;
}

std::optional<int> nextFreePort(const QString &host, int after, int attempts)
{
    for (int port = std::max(after + 1, 1); port <= 65535 && port <= after + attempts; ++port) {
        if (isPortFree(host, port))
            return port;
    }
    return std::nullopt;
}

std::optional<int> anyFreePort(const QString &host)
{
    QTcpServer server;
    if (!server.listen(bindAddressFor(host), 0))
        return std::nullopt;
    const int port = server.serverPort();
    server.close();
    return port > 0 ? std::optional<int>(port) : std::nullopt;
}
} // namespace Llamadesk
