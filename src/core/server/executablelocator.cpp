#include "core/server/executablelocator.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSet>

namespace Llamadesk
{
namespace
{
QString executableIn(const QString &dir, const QString &name)
{
    if (dir.isEmpty())
        return {};
    return QDir::cleanPath(QDir(dir).absoluteFilePath(name));
}

bool isExecutableFile(const QString &path)
{
    const QFileInfo info(path);
    return info.isFile() && info.isExecutable();
}

bool hasDirSeparator(const QString &path)
{
#ifdef Q_OS_WIN
    return path.contains(u'/') || path.contains(u'\\');
#else
    return path.contains(u'/');
#endif
}

QString firstOnPath(const QStringList &pathDirs, const QString &name)
{
    for (const QString &dir : pathDirs) {
        const QString candidate = executableIn(dir, name);
        if (!candidate.isEmpty() && isExecutableFile(candidate))
            return candidate;
    }
    return {};
}
} // namespace

QString executableFileName()
{
#ifdef Q_OS_WIN
    return QStringLiteral("llama-server.exe");
#else
    return QStringLiteral("llama-server");
#endif
}

QStringList wellKnownExecutableDirs()
{
#ifdef Q_OS_WIN
    const QString localAppData = qEnvironmentVariable("LOCALAPPDATA");
    if (localAppData.isEmpty())
        return {};
    return {QDir::cleanPath(localAppData + u"/Microsoft/WinGet/Links")};
#else
    return {QStringLiteral("/usr/local/bin"), QStringLiteral("/opt/homebrew/bin"),
            QStringLiteral("/home/linuxbrew/.linuxbrew/bin")};
#endif
}

ExecutableSearch defaultExecutableSearch()
{
    ExecutableSearch search;
    const QString path = qEnvironmentVariable("PATH");
    for (const QString &dir : path.split(QDir::listSeparator(), Qt::SkipEmptyParts))
        search.pathDirs.append(QDir::fromNativeSeparators(dir));
    if (QCoreApplication::instance())
        search.appDir = QCoreApplication::applicationDirPath();
    search.homeDir = QDir::homePath();
    return search;
}

QString resolveExecutable(const QString &configured, const ExecutableSearch &search)
{
    QString path = QDir::fromNativeSeparators(configured.trimmed());
    if (path.isEmpty())
        return firstOnPath(search.pathDirs, executableFileName());
    if (path == u"~" || path.startsWith(u"~/")) {
        if (search.homeDir.isEmpty())
            return {};
        path = search.homeDir + path.mid(1);
    }
    if (!hasDirSeparator(path)) {
        // A bare name is a program name, as in a shell, not a file in the current folder.
        return firstOnPath(search.pathDirs, path);
    }
    const QFileInfo info(path);
    if (info.isDir())
        return executableIn(info.absoluteFilePath(), executableFileName());
    return QDir::cleanPath(info.absoluteFilePath());
}

QStringList findExecutableCandidates(const ExecutableSearch &search)
{
    QStringList dirs = search.pathDirs;
    dirs.append(search.appDir);
    if (!search.homeDir.isEmpty())
        dirs.append(QDir(search.homeDir).filePath(QStringLiteral("llama.cpp/build/bin")));
    dirs.append(search.systemDirs);

    QStringList candidates;
    QSet<QString> seen; // canonical paths: /bin and /usr/bin are one folder on merged-/usr systems
    for (const QString &dir : std::as_const(dirs)) {
        const QString candidate = executableIn(dir, executableFileName());
        if (candidate.isEmpty() || !isExecutableFile(candidate))
            continue;
        const QString canonical = QFileInfo(candidate).canonicalFilePath();
        if (seen.contains(canonical))
            continue;
        seen.insert(canonical);
        candidates.append(candidate);
    }
    return candidates;
}
} // namespace Llamadesk
