#include "app/modelscommand.h"

#include "core/models/modelfit.h"

#include <QCoreApplication>
#include <QLocale>

#include <algorithm>

namespace Llamadesk
{
namespace
{
QString tr(const char *text)
{
    return QCoreApplication::translate("ModelsCommand", text);
}

QString abilities(const GgufModelInfo &info, bool vision, bool audio)
{
    QStringList can;
    if (vision)
        can.append(QStringLiteral("vision"));
    if (audio)
        can.append(QStringLiteral("audio"));
    if (info.thinking)
        can.append(QStringLiteral("thinking"));
    if (info.tools)
        can.append(QStringLiteral("tools"));
    return can.isEmpty() ? QStringLiteral("-") : can.join(u',');
}

QString typeName(GgufValue::Type type)
{
    switch (type) {
    case GgufValue::Type::UInt8: return QStringLiteral("u8");
    case GgufValue::Type::Int8: return QStringLiteral("i8");
    case GgufValue::Type::UInt16: return QStringLiteral("u16");
    case GgufValue::Type::Int16: return QStringLiteral("i16");
    case GgufValue::Type::UInt32: return QStringLiteral("u32");
    case GgufValue::Type::Int32: return QStringLiteral("i32");
    case GgufValue::Type::Float32: return QStringLiteral("f32");
    case GgufValue::Type::Bool: return QStringLiteral("bool");
    case GgufValue::Type::String: return QStringLiteral("string");
    case GgufValue::Type::Array: return QStringLiteral("array");
    case GgufValue::Type::UInt64: return QStringLiteral("u64");
    case GgufValue::Type::Int64: return QStringLiteral("i64");
    case GgufValue::Type::Float64: return QStringLiteral("f64");
    }
    return {};
}

QString valueText(const GgufValue &value)
{
    switch (value.type) {
    case GgufValue::Type::String: {
        QString text = value.text;
        text.replace(u'\n', QStringLiteral("\\n"));
        return text.size() > 120 ? text.left(117) + QStringLiteral("...") : text;
    }
    case GgufValue::Type::Array:
        return QStringLiteral("[%1 × %2]").arg(value.count).arg(typeName(value.elementType));
    case GgufValue::Type::Bool:
        return value.scalar.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    default:
        return value.scalar.toString();
    }
}

// Columns padded to their widest cell.
QString table(const QList<QStringList> &rows)
{
    QList<qsizetype> widths;
    for (const QStringList &row : rows) {
        for (qsizetype c = 0; c < row.size(); ++c) {
            if (widths.size() <= c)
                widths.append(0);
            widths[c] = std::max(widths[c], row.at(c).size());
        }
    }
    QString out;
    for (const QStringList &row : rows) {
        QString line;
        for (qsizetype c = 0; c < row.size(); ++c)
            line += c + 1 < row.size() ? row.at(c).leftJustified(widths.at(c) + 2) : row.at(c);
        out += line + u'\n';
    }
    return out;
}
} // namespace

QString modelsListText(const ModelScan &scan, const QList<ModelFolder> &folders)
{
    QStringList where;
    for (const ModelFolder &folder : folders)
        where.append(folder.path);
    if (scan.models.isEmpty() && scan.projectors.isEmpty() && scan.problems.isEmpty())
        return tr("No GGUF models were found. Llamadesk looks in: %1").arg(where.join(QStringLiteral(", "))) + u'\n';
    QHash<QString, const LibraryProjector *> projectors;
    for (const LibraryProjector &p : scan.projectors)
        projectors.insert(p.path, &p);
    QList<QStringList> rows{{tr("NAME"), tr("QUANT"), tr("PARAMS"), tr("SIZE"), tr("CONTEXT"), tr("CAN"), tr("PATH")}};
    for (const LibraryModel &model : scan.models) {
        const LibraryProjector *projector = projectors.value(model.projectors.value(0));
        rows.append({model.displayName(), model.info.quantization.isEmpty() ? QStringLiteral("-") : model.info.quantization,
                     model.info.parameters ? formatParameters(model.info.parameters) : QStringLiteral("-"),
                     formatBytes(model.size),
                     model.info.contextLength ? QString::number(model.info.contextLength) : QStringLiteral("-"),
                     abilities(model.info, projector && projector->info.vision, projector && projector->info.audio),
                     model.path});
    }
    QString out = table(rows);
    if (!scan.projectors.isEmpty()) {
        out += u'\n' + tr("Projectors (mmproj):") + u'\n';
        for (const LibraryProjector &p : scan.projectors)
            out += QStringLiteral("  %1  %2  %3\n").arg(p.path, formatBytes(p.size), p.info.projectorType);
    }
    if (!scan.problems.isEmpty()) {
        out += u'\n' + tr("Not readable:") + u'\n';
        for (const LibraryProblem &problem : scan.problems)
            out += QStringLiteral("  %1\n").arg(problem.message);
    }
    return out;
}

QString modelInfoText(const QString &path, const GgufFile &file)
{
    const GgufModelInfo info = GgufReader::describe(file);
    QList<QStringList> rows{
            {tr("file"), path},
            {tr("GGUF version"), QString::number(file.version)},
            {tr("size"), formatBytes(info.size)},
            {tr("name"), info.name},
            {tr("architecture"), info.architecture},
            {tr("parameters"), info.parameters ? formatParameters(info.parameters) : QStringLiteral("-")},
            {tr("quantization"), info.quantization.isEmpty() ? QStringLiteral("-") : info.quantization},
            {tr("context"), info.contextLength ? QString::number(info.contextLength) : QStringLiteral("-")},
            {tr("tensors"), QString::number(file.tensors.size())},
    };
    if (info.projector) {
        rows.append({tr("projector"), info.projectorType});
        rows.append({tr("vision"), info.vision ? tr("yes") : tr("no")});
        rows.append({tr("audio"), info.audio ? tr("yes") : tr("no")});
    } else {
        rows.append({tr("thinking"), info.thinking ? tr("yes") : tr("no")});
        rows.append({tr("tools"), info.tools ? tr("yes") : tr("no")});
    }
    QString out = table(rows) + u'\n' + tr("Metadata:") + u'\n';
    QList<QStringList> metadata;
    for (const GgufMetadata &entry : file.metadata)
        metadata.append({QStringLiteral("  ") + entry.key, valueText(entry.value)});
    return out + table(metadata);
}

CommandOutput runModelsCommand(const ModelsCommand &command, const QList<ModelFolder> &folders, const QString &cacheFile)
{
    CommandOutput output;
    if (command.kind == ModelsCommand::Kind::Info) {
        const auto result = GgufReader::readFile(command.file);
        if (const auto *error = std::get_if<GgufError>(&result)) {
            output.exitCode = 1;
            output.err = error->message + u'\n';
            return output;
        }
        output.out = modelInfoText(command.file, std::get<GgufFile>(result));
        return output;
    }
    ModelMetadataCache cache = ModelMetadataCache::load(cacheFile);
    const ModelScan scan = scanModelFolders(folders, cache);
    if (scan.filesRead > 0 && !cache.save(cacheFile))
        output.err = tr("The metadata cache %1 could not be written; the next list reads every file again.")
                             .arg(cacheFile)
                     + u'\n';
    output.out = modelsListText(scan, folders);
    return output;
}
} // namespace Llamadesk
