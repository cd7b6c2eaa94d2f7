#include "core/server/serverstate.h"

#include <QStringList>

#include <gtest/gtest.h>

using namespace Llamadesk;

TEST(ServerState, DotColoursFollowTheState)
{
    EXPECT_EQ(statusColorFor(ServerState::Unknown), StatusColor::Grey);
    EXPECT_EQ(statusColorFor(ServerState::Running), StatusColor::Green);
    EXPECT_EQ(statusColorFor(ServerState::Starting), StatusColor::Yellow);
    EXPECT_EQ(statusColorFor(ServerState::Loading), StatusColor::Yellow);
    EXPECT_EQ(statusColorFor(ServerState::Stopping), StatusColor::Yellow);
    EXPECT_EQ(statusColorFor(ServerState::Stopped), StatusColor::Red);
    EXPECT_EQ(statusColorFor(ServerState::Crashed), StatusColor::Red);
    EXPECT_EQ(statusColorFor(ServerState::Failed), StatusColor::Red);
}

TEST(ServerState, EveryStateHasADistinctName)
{
    const ServerState all[] = {ServerState::Unknown,  ServerState::Stopped,  ServerState::Starting,
                               ServerState::Loading,  ServerState::Running,  ServerState::Stopping,
                               ServerState::Crashed,  ServerState::Failed};
    QStringList names;
    for (ServerState state : all) {
        const QString name = displayName(state);
        EXPECT_FALSE(name.isEmpty());
        EXPECT_FALSE(names.contains(name)) << name.toStdString();
        names.append(name);
    }
}
