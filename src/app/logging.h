#pragma once

#include <QString>

#include <optional>

namespace Llamadesk::Logging
{
// ~/.local/share/llamadesk/logs on Linux.
QString defaultDirectory();

// Sends the log to stderr and to a rotating file (llamadesk.log, 3 files of 5 MiB) in
// directory, and forwards Qt's own messages (qDebug, qWarning, ...) into it. level is one of
// logLevelNames() from commandline.h. Returns a warning when the file could not be opened:
// logging then goes to stderr only.
std::optional<QString> initialize(const QString &level, const QString &directory = defaultDirectory());

// Flushes and detaches the sinks; Qt's message handler is restored.
void shutdown();
} // namespace Llamadesk::Logging
