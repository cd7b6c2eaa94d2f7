#include "core/chat/chatrecords.h"

namespace Llamadesk
{
QString roleName(Role role)
{
    switch (role) {
    case Role::System:
        return QStringLiteral("system");
    case Role::User:
        return QStringLiteral("user");
    case Role::Assistant:
        return QStringLiteral("assistant");
    }
    return {};
}

std::optional<Role> roleFromName(QStringView name)
{
    for (const Role role : {Role::System, Role::User, Role::Assistant}) {
        if (name == roleName(role))
            return role;
    }
    return std::nullopt;
}
} // namespace Llamadesk
