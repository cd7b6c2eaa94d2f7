#include "core/models/modelname.h"

namespace Llamadesk
{
namespace
{
QString fileNameOf(const QString &path)
{
    const qsizetype slash = std::max(path.lastIndexOf(u'/'), path.lastIndexOf(u'\\'));
    return slash < 0 ? path : path.mid(slash + 1);
}

QString withoutGgufSuffix(QString name)
{
    if (name.endsWith(QStringLiteral(".gguf"), Qt::CaseInsensitive) && name.size() > 5)
        name.chop(5);
    return name;
}
} // namespace

QString modelAlias(const QString &modelPath)
{
    QString alias = withoutGgufSuffix(fileNameOf(modelPath.trimmed()));
    alias.replace(u',', u'_');
    return alias.trimmed();
}

QString displayModelName(const QString &reported)
{
    if (!reported.contains(u'/') && !reported.contains(u'\\'))
        return reported;
    return withoutGgufSuffix(fileNameOf(reported));
}
} // namespace Llamadesk
