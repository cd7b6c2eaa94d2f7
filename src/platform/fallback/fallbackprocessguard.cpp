#include "platform/fallback/fallbackprocessguard.h"

namespace Llamadesk
{
void FallbackProcessGuard::prepare(QProcess &)
{
}

void FallbackProcessGuard::adopt(QProcess &)
{
}

void FallbackProcessGuard::release(qint64)
{
}

QString FallbackProcessGuard::description() const
{
    return QStringLiteral("none on this system: the server is stopped on a normal exit only");
}
} // namespace Llamadesk
