#include "apppaths.h"

#include <QStandardPaths>

namespace Llamadesk::AppPaths
{
QString logDirectory()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/logs");
}
} // namespace Llamadesk::AppPaths
