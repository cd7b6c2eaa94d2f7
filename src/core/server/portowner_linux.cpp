#include "core/server/portowner.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>

#include <unistd.h>

#include <array>

namespace Llamadesk
{
namespace
{
// /proc/net/tcp's "st" column: TCP_LISTEN.
constexpr QByteArrayView ListenState = "0A";
// The kernel cuts comm to 15 characters.
constexpr qsizetype CommLength = 15;

QByteArray readProcFile(const QString &path)
{
    // /proc files report a size of 0: read until the end instead of trusting size().
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

QByteArray linkTarget(const QByteArray &path)
{
    std::array<char, 64> buffer{};
    const ssize_t length = ::readlink(path.constData(), buffer.data(), buffer.size());
    if (length <= 0 || static_cast<size_t>(length) >= buffer.size())
        return {};
    return QByteArray(buffer.data(), static_cast<qsizetype>(length));
}

bool holdsSocket(qint64 pid, const QSet<QByteArray> &socketLinks)
{
    const QString fdDir = QStringLiteral("/proc/%1/fd").arg(pid);
    const QStringList fds = QDir(fdDir).entryList(QDir::Files | QDir::System | QDir::NoDotAndDotDot);
    for (const QString &fd : fds) {
        const QByteArray target = linkTarget(QFile::encodeName(fdDir + u'/' + fd));
        if (!target.isEmpty() && socketLinks.contains(target))
            return true;
    }
    return false;
}

QString programBaseName(const QString &argument)
{
    QString name = QFileInfo(argument).fileName();
    if (name.endsWith(u".exe", Qt::CaseInsensitive))
        name.chop(4);
    return name;
}

PortOwner describeProcess(qint64 pid)
{
    PortOwner owner;
    owner.pid = pid;
    owner.name = QString::fromLocal8Bit(readProcFile(QStringLiteral("/proc/%1/comm").arg(pid)).trimmed());

    QByteArray cmdline = readProcFile(QStringLiteral("/proc/%1/cmdline").arg(pid));
    if (cmdline.endsWith('\0'))
        cmdline.chop(1);
    const QList<QByteArray> arguments = cmdline.split('\0');
    const QString argv0 =
            arguments.isEmpty() ? QString() : programBaseName(QString::fromLocal8Bit(arguments.first()));
    cmdline.replace('\0', ' ');
    owner.commandLine = QString::fromLocal8Bit(cmdline);

    // comm is the name the kernel knows, but cut to 15 characters: "fake-llama-serv".
    if (owner.name.size() == CommLength && argv0.startsWith(owner.name))
        owner.name = argv0;
    else if (owner.name.isEmpty())
        owner.name = argv0;
    owner.isLlamaServer = owner.name.endsWith(u"llama-server") || argv0.endsWith(u"llama-server");
    return owner;
}
} // namespace

QList<quint64> listeningInodes(QByteArrayView procNetTcp, int port)
{
    // "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
    // "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 ..."
    QList<quint64> inodes;
    if (port < 1 || port > 65535)
        return inodes;
    const QList<QByteArray> lines = procNetTcp.toByteArray().split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() < 10 || !fields.at(0).endsWith(':'))
            continue; // the header, a blank line
        const QByteArray &local = fields.at(1);
        const qsizetype colon = local.lastIndexOf(':');
        if (colon < 0 || fields.at(3) != ListenState)
            continue;
        bool portOk = false;
        const int localPort = local.mid(colon + 1).toInt(&portOk, 16);
        bool inodeOk = false;
        const quint64 inode = fields.at(9).toULongLong(&inodeOk);
        if (portOk && inodeOk && localPort == port && inode != 0 && !inodes.contains(inode))
            inodes.append(inode);
    }
    return inodes;
}

std::optional<PortOwner> findPortOwner(int port)
{
    QSet<QByteArray> socketLinks;
    for (const QString &table : {QStringLiteral("/proc/net/tcp"), QStringLiteral("/proc/net/tcp6")}) {
        const QList<quint64> inodes = listeningInodes(readProcFile(table), port);
        for (const quint64 inode : inodes)
            socketLinks.insert("socket:[" + QByteArray::number(inode) + ']');
    }
    if (socketLinks.isEmpty())
        return std::nullopt;

    // Our own process first: it is cheap, and tests (and a second Llamadesk) hold ports too.
    const qint64 self = ::getpid();
    if (holdsSocket(self, socketLinks))
        return describeProcess(self);
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        if (isPid && pid != self && holdsSocket(pid, socketLinks))
            return describeProcess(pid);
    }
    return std::nullopt;
}
} // namespace Llamadesk
