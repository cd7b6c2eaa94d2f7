#include "core/server/serverstate.h"

#include <QCoreApplication>

namespace Llamadesk
{
StatusColor statusColorFor(ServerState state)
{
    switch (state) {
    case ServerState::Running:
        return StatusColor::Green;
    case ServerState::Starting:
    case ServerState::Loading:
    case ServerState::Stopping:
        return StatusColor::Yellow;
    case ServerState::Stopped:
    case ServerState::Crashed:
    case ServerState::Failed:
        return StatusColor::Red;
    case ServerState::Unknown:
        break;
    }
    return StatusColor::Grey;
}

QString displayName(ServerState state)
{
    switch (state) {
    case ServerState::Unknown:
        return QCoreApplication::translate("ServerState", "Unknown");
    case ServerState::Stopped:
        return QCoreApplication::translate("ServerState", "Stopped");
    case ServerState::Starting:
        return QCoreApplication::translate("ServerState", "Starting");
    case ServerState::Loading:
        return QCoreApplication::translate("ServerState", "Loading model");
    case ServerState::Running:
        return QCoreApplication::translate("ServerState", "Running");
    case ServerState::Stopping:
        return QCoreApplication::translate("ServerState", "Stopping");
    case ServerState::Crashed:
        return QCoreApplication::translate("ServerState", "Crashed");
    case ServerState::Failed:
        return QCoreApplication::translate("ServerState", "Failed");
    }
    return {};
}
} // namespace Llamadesk
