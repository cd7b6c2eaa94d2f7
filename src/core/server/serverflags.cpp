#include "core/server/serverflags.h"

#include <QRegularExpression>

#include <array>
#include <utility>

namespace Llamadesk
{
namespace
{
// "-ngl", "--gpu-layers", "--no-mmproj": a dash or two, then letters, digits, '-' and '_'.
const QRegularExpression &flagPattern()
{
    static const QRegularExpression pattern(QStringLiteral("^--?[A-Za-z][A-Za-z0-9_-]*$"));
    return pattern;
}

// The option part of a line ends where two or more spaces separate it from its description;
// spaces after a comma only align the spellings ("-h,    --help, --usage").
QString optionPart(const QString &line)
{
    static const QRegularExpression gap(QStringLiteral("(?<![,\\s])\\s{2,}"));
    const QRegularExpressionMatch match = gap.match(line);
    return match.hasMatch() ? line.left(match.capturedStart()) : line;
}

struct Entry
{
    QStringList flags;
    QString description;
};
} // namespace

std::optional<ServerFlags> parseHelpOutput(const QString &output)
{
    QList<Entry> entries;
    const QStringList lines = output.split(QRegularExpression(QStringLiteral("\r?\n")));
    for (const QString &line : lines) {
        if (line.startsWith(u'-')) {
            Entry entry;
            const QString options = optionPart(line);
            for (const QString &spelling : options.split(u',', Qt::SkipEmptyParts)) {
                const QString flag = spelling.trimmed().section(u' ', 0, 0);
                if (flagPattern().match(flag).hasMatch())
                    entry.flags.append(flag);
            }
            if (entry.flags.isEmpty())
                continue; // "----- common params -----"
            entry.description = line.mid(options.size());
            entries.append(entry);
        } else if (!entries.isEmpty() && line.startsWith(u' ')) {
            entries.last().description += u' ' + line.trimmed();
        }
    }

    ServerFlags flags;
    for (const Entry &entry : std::as_const(entries)) {
        for (const QString &flag : entry.flags)
            flags.names.insert(flag);
        if (entry.flags.contains(QStringLiteral("--jinja")))
            flags.jinjaByDefault = entry.description.contains(QStringLiteral("default: enabled"));
        if (entry.flags.contains(QStringLiteral("-ngl")))
            flags.gpuLayersTakeWords = entry.description.contains(QStringLiteral("'all'"));
    }
    if (!flags.knows(QStringLiteral("-m")) && !flags.knows(QStringLiteral("--model")))
        return std::nullopt;
    if (!flags.knows(QStringLiteral("--port")))
        return std::nullopt;
    return flags;
}

QString replacementForRemovedFlag(const QString &flag)
{
    static const std::array<std::pair<const char16_t *, const char16_t *>, 5> Removed{{
            {u"--mmap", u"--load-mode mmap"},
            {u"--no-mmap", u"--load-mode none"},
            {u"--mlock", u"--load-mode mlock"},
            {u"-dio", u"--load-mode dio"},
            {u"--direct-io", u"--load-mode dio"},
    }};
    for (const auto &[removed, replacement] : Removed) {
        if (flag == QStringView(removed))
            return QStringView(replacement).toString();
    }
    return {};
}
} // namespace Llamadesk
