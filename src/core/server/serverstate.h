#pragma once

#include <QMetaType>
#include <QString>

namespace Llamadesk
{
// Where the managed llama-server is in its life. The title bar dot shows it:
// green Running; yellow Starting, Loading, Stopping; red Stopped, Crashed, Failed; grey Unknown.
enum class ServerState {
    Unknown,  // not looked at yet
    Stopped,  // not running, by the user's choice or because nothing is configured
    Starting, // spawned, HTTP port not answering yet
    Loading,  // port answers 503 "Loading model"
    Running,  // /health answers 200
    Stopping, // asked to exit, not gone yet
    Crashed,  // exited unexpectedly; may be restarted automatically
    Failed,   // cannot run until the user changes something
};

enum class StatusColor { Grey, Green, Yellow, Red };

StatusColor statusColorFor(ServerState state);
// A short, user-facing word for the state ("Running", "Loading model", ...).
QString displayName(ServerState state);
} // namespace Llamadesk

Q_DECLARE_METATYPE(Llamadesk::ServerState)
