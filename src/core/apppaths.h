#pragma once

#include <QString>

#include <optional>

namespace Llamadesk
{
// The spdlog logger that writes llama-server's output to llama-server.log beside the app's own
// log; ServerSupervisor writes to it when the app has set it up.
inline constexpr const char *ServerLoggerName = "llama-server";
} // namespace Llamadesk

namespace Llamadesk::AppPaths
{
// ~/.local/share/llamadesk/logs on Linux: the app's log and llama-server's log.
QString logDirectory();

// What the app writes is its user's alone: conversations, logs (which may quote them), the
// settings file (which may hold the server's API key). Folders are made 0700 and files 0600 when
// they are created (the mode given to mkdir/open, never a chmod afterwards, so there is no moment
// in which others could open them), whatever the umask.

// Makes path and any missing folders above it, each with mode 0700. Folders that exist are left
// as they are. Returns why it failed, std::nullopt on success.
std::optional<QString> makePrivateDirectory(const QString &path);
// Creates path as an empty file with mode 0600 (O_CREAT|O_EXCL) unless it exists. Returns why
// it failed, std::nullopt on success (also when it existed).
std::optional<QString> createPrivateFile(const QString &path);
// For folders and files made by earlier versions under a looser umask: clears the group and
// other bits of path when it exists and has any. Only for the app's own folders and files.
void tightenExisting(const QString &path);
} // namespace Llamadesk::AppPaths
