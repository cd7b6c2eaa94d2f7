#pragma once

#include <QString>
#include <QStringList>

namespace Llamadesk
{
// Where the llama-server binary is looked for. server/executable may name the binary itself or
// the folder holding it; empty means "the llama-server on PATH" (docs/SETTINGS.md).

// System folders that package managers and installers put llama-server in, in search order:
// /usr/local/bin, /opt/homebrew/bin, /home/linuxbrew/.linuxbrew/bin (Unix), the winget links
// folder under %LOCALAPPDATA% (Windows).
QStringList wellKnownExecutableDirs();

// The places a search looks at. Tests fill it with temporary folders; systemDirs can be cleared
// there so that a llama-server installed on the test machine does not leak into the results.
struct ExecutableSearch
{
    QStringList pathDirs; // PATH, in order
    QString appDir;       // the folder of the running Llamadesk
    QString homeDir;      // for ~/llama.cpp/build/bin and a leading "~/" in a configured path
    QStringList systemDirs = wellKnownExecutableDirs();
};

// "llama-server" or "llama-server.exe".
QString executableFileName();

// PATH, QCoreApplication::applicationDirPath() (empty without an application object),
// QDir::homePath(), wellKnownExecutableDirs().
ExecutableSearch defaultExecutableSearch();

// The configured value (file, folder, bare program name or empty) → the absolute path of the
// binary; empty when it cannot be resolved. A folder gives folder/llama-server; an empty value or
// a bare name ("llama-server-cuda") is looked up in search.pathDirs; "~/" is the home folder.
// A path that does not exist is returned as it is (made absolute): the caller checks it.
QString resolveExecutable(const QString &configured,
                          const ExecutableSearch &search = defaultExecutableSearch());

// Existing executable llama-server binaries, in order: PATH, next to the app,
// ~/llama.cpp/build/bin, then search.systemDirs. A binary reachable twice (through a symbolic link
// or a repeated folder) is listed once, under the path where it was first seen.
QStringList findExecutableCandidates(const ExecutableSearch &search = defaultExecutableSearch());
} // namespace Llamadesk
