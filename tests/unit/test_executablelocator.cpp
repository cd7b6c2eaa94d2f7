#include "core/server/executablelocator.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <ostream>

// Defined in test_preflight.cpp: gtest prints QStrings as text.
void PrintTo(const QString &value, std::ostream *os);

using namespace Llamadesk;

namespace
{
class ExecutableLocatorTest : public ::testing::Test
{
protected:
    // A folder under the temporary one, created.
    QString folder(const QString &relative) const
    {
        const QString path = m_dir.filePath(relative);
        QDir().mkpath(path);
        return path;
    }

    // A shell script named llama-server (or name) in dir; executable unless told otherwise.
    static QString makeProgram(const QString &dir, bool executable = true,
                               const QString &name = executableFileName())
    {
        const QString path = QDir(dir).filePath(name);
        QFile file(path);
        EXPECT_TRUE(file.open(QIODevice::WriteOnly));
        file.write("#!/bin/sh\necho 'version: 1 (test)'\n");
        file.close();
        QFileDevice::Permissions permissions = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
        if (executable)
            permissions |= QFileDevice::ExeOwner;
        EXPECT_TRUE(file.setPermissions(permissions));
        return path;
    }

    // A search that sees only what the test puts there.
    ExecutableSearch emptySearch() const
    {
        ExecutableSearch search;
        search.homeDir = folder(QStringLiteral("home"));
        search.systemDirs.clear();
        return search;
    }

    QTemporaryDir m_dir;
};
} // namespace

TEST_F(ExecutableLocatorTest, FileNameIsLlamaServer)
{
#ifdef Q_OS_WIN
    EXPECT_EQ(executableFileName(), QStringLiteral("llama-server.exe"));
#else
    EXPECT_EQ(executableFileName(), QStringLiteral("llama-server"));
#endif
}

TEST_F(ExecutableLocatorTest, ConfiguredFileIsUsedAsItIs)
{
    const QString program = makeProgram(folder(QStringLiteral("bin")));
    EXPECT_EQ(resolveExecutable(program, emptySearch()), program);
}

TEST_F(ExecutableLocatorTest, ConfiguredFolderGivesTheBinaryInside)
{
    const QString dir = folder(QStringLiteral("llama.cpp/build/bin"));
    EXPECT_EQ(resolveExecutable(dir, emptySearch()), dir + u"/llama-server");
    EXPECT_EQ(resolveExecutable(dir + u'/', emptySearch()), dir + u"/llama-server");
}

TEST_F(ExecutableLocatorTest, MissingPathIsReturnedForPreflightToReport)
{
    const QString missing = m_dir.filePath(QStringLiteral("nowhere/llama-server"));
    EXPECT_EQ(resolveExecutable(missing, emptySearch()), missing);
}

TEST_F(ExecutableLocatorTest, RelativePathIsMadeAbsolute)
{
    const QString resolved = resolveExecutable(QStringLiteral("./bin/llama-server"), emptySearch());
    EXPECT_EQ(resolved, QDir::current().absoluteFilePath(QStringLiteral("bin/llama-server")));
}

TEST_F(ExecutableLocatorTest, EmptyValueIsLookedUpOnPath)
{
    ExecutableSearch search = emptySearch();
    const QString first = folder(QStringLiteral("path1"));
    const QString second = folder(QStringLiteral("path2"));
    const QString program = makeProgram(second);
    search.pathDirs = {first, second};
    EXPECT_EQ(resolveExecutable(QString(), search), program);
    EXPECT_EQ(resolveExecutable(QStringLiteral("  "), search), program);
}

TEST_F(ExecutableLocatorTest, EmptyValueWithNothingOnPathResolvesToNothing)
{
    ExecutableSearch search = emptySearch();
    search.pathDirs = {folder(QStringLiteral("path"))};
    makeProgram(folder(QStringLiteral("app"))); // next to the app is a candidate, not what "empty" means
    search.appDir = m_dir.filePath(QStringLiteral("app"));
    EXPECT_EQ(resolveExecutable(QString(), search), QString());
}

TEST_F(ExecutableLocatorTest, BareNameIsLookedUpOnPath)
{
    ExecutableSearch search = emptySearch();
    const QString dir = folder(QStringLiteral("path"));
    const QString cuda = makeProgram(dir, true, QStringLiteral("llama-server-cuda"));
    search.pathDirs = {dir};
    EXPECT_EQ(resolveExecutable(QStringLiteral("llama-server-cuda"), search), cuda);
    EXPECT_EQ(resolveExecutable(QStringLiteral("llama-server-vulkan"), search), QString());
}

TEST_F(ExecutableLocatorTest, LeadingTildeIsTheHomeFolder)
{
    const ExecutableSearch search = emptySearch();
    EXPECT_EQ(resolveExecutable(QStringLiteral("~/llama.cpp/build/bin/llama-server"), search),
              search.homeDir + u"/llama.cpp/build/bin/llama-server");
}

TEST_F(ExecutableLocatorTest, CandidatesComeInSearchOrder)
{
    ExecutableSearch search = emptySearch();
    const QString onPath = makeProgram(folder(QStringLiteral("path")));
    const QString nextToApp = makeProgram(folder(QStringLiteral("app")));
    const QString inHomeBuild = makeProgram(folder(QStringLiteral("home/llama.cpp/build/bin")));
    const QString inSystem = makeProgram(folder(QStringLiteral("usr-local-bin")));
    search.pathDirs = {m_dir.filePath(QStringLiteral("path"))};
    search.appDir = m_dir.filePath(QStringLiteral("app"));
    search.systemDirs = {m_dir.filePath(QStringLiteral("usr-local-bin"))};
    EXPECT_EQ(findExecutableCandidates(search), (QStringList{onPath, nextToApp, inHomeBuild, inSystem}));
}

TEST_F(ExecutableLocatorTest, CandidatesSkipWhatCannotRun)
{
    ExecutableSearch search = emptySearch();
    makeProgram(folder(QStringLiteral("plain")), false);
    folder(QStringLiteral("dir/llama-server"));
    search.pathDirs = {m_dir.filePath(QStringLiteral("plain")), m_dir.filePath(QStringLiteral("dir")),
                       m_dir.filePath(QStringLiteral("missing")), QString()};
    EXPECT_EQ(findExecutableCandidates(search), QStringList());
}

TEST_F(ExecutableLocatorTest, CandidatesListEachBinaryOnce)
{
    ExecutableSearch search = emptySearch();
    const QString real = makeProgram(folder(QStringLiteral("real")));
    const QString linkDir = folder(QStringLiteral("links"));
    ASSERT_TRUE(QFile::link(real, linkDir + u"/llama-server"));
    search.pathDirs = {linkDir, m_dir.filePath(QStringLiteral("real")),
                       m_dir.filePath(QStringLiteral("real"))};
    search.appDir = m_dir.filePath(QStringLiteral("real"));
    EXPECT_EQ(findExecutableCandidates(search), QStringList{linkDir + u"/llama-server"});
}

TEST_F(ExecutableLocatorTest, DefaultSearchReadsPathAppFolderAndHome)
{
    const ExecutableSearch search = defaultExecutableSearch();
    QStringList path;
    for (const QString &dir : qEnvironmentVariable("PATH").split(QDir::listSeparator(), Qt::SkipEmptyParts))
        path.append(QDir::fromNativeSeparators(dir));
    EXPECT_EQ(search.pathDirs, path);
    EXPECT_EQ(search.appDir, QCoreApplication::applicationDirPath());
    EXPECT_EQ(search.homeDir, QDir::homePath());
    EXPECT_EQ(search.systemDirs, wellKnownExecutableDirs());
#ifndef Q_OS_WIN
    EXPECT_EQ(wellKnownExecutableDirs(),
              (QStringList{QStringLiteral("/usr/local/bin"), QStringLiteral("/opt/homebrew/bin"),
                           QStringLiteral("/home/linuxbrew/.linuxbrew/bin")}));
#endif
}
