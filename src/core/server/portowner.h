#pragma once

#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QtGlobal>

#include <optional>

namespace Llamadesk
{
// The process that listens on a TCP port, so that "port in use" can say by whom.
struct PortOwner
{
    qint64 pid = 0;
    QString name;        // the program's name (Linux: comm, or argv[0]'s file name when comm is cut short)
    QString commandLine; // its arguments joined with spaces, for a tooltip or the log
    bool isLlamaServer = false;

    bool operator==(const PortOwner &) const = default;
};

// Which process listens on the TCP port, where the operating system tells (Linux: the socket's
// inode from /proc/net/tcp and tcp6, then the /proc/<pid>/fd link that points at it).
// std::nullopt on other systems, when nothing listens, or when the owner is not visible (another
// user's process). Reads a few small /proc files per process: fast, but only call it when a port
// turned out to be busy.
std::optional<PortOwner> findPortOwner(int port);

#ifdef Q_OS_LINUX
// The pure part: the inodes of the LISTEN sockets on port in the text of a /proc/net/tcp or
// /proc/net/tcp6 file.
QList<quint64> listeningInodes(QByteArrayView procNetTcp, int port);
#endif
} // namespace Llamadesk
