#pragma once

#include <QString>

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
} // namespace Llamadesk::AppPaths
