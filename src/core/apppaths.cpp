#include "core/apppaths.h"

#include "core/qtfmt.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Llamadesk::AppPaths
{
namespace
{
QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}
} // namespace

QString logDirectory()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/logs");
}

std::optional<QString> makePrivateDirectory(const QString &path)
{
    const QString absolute = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    // The missing folders, outermost last.
    QStringList missing;
    for (QString folder = absolute; !QFileInfo(folder).isDir();) {
        missing.append(folder);
        const QString parent = QFileInfo(folder).absolutePath();
        if (parent == folder)
            break;
        folder = parent;
    }
    for (auto it = missing.crbegin(); it != missing.crend(); ++it) {
        if (::mkdir(QFile::encodeName(*it).constData(), 0700) != 0 && errno != EEXIST)
            return QStringLiteral("Could not create the folder %1: %2").arg(*it, errnoText(errno));
    }
    if (!QFileInfo(absolute).isDir())
        return QStringLiteral("Could not create the folder %1: something else of that name is there").arg(absolute);
    return std::nullopt;
}

std::optional<QString> createPrivateFile(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
        return std::nullopt;
    }
    if (errno == EEXIST)
        return std::nullopt;
    return QStringLiteral("Could not create %1: %2").arg(path, errnoText(errno));
}

void tightenExisting(const QString &path)
{
    const QByteArray name = QFile::encodeName(path);
    struct stat info{};
    if (::lstat(name.constData(), &info) != 0 || S_ISLNK(info.st_mode) || (info.st_mode & 077) == 0)
        return;
    const mode_t tightened = info.st_mode & 0700;
    if (::chmod(name.constData(), tightened) != 0)
        spdlog::warn("Could not make {} private to its owner: {}", path, errnoText(errno));
    else
        spdlog::info("{} was readable by others; made private to its owner (mode {:o})", path,
                     static_cast<unsigned>(tightened));
}
} // namespace Llamadesk::AppPaths
