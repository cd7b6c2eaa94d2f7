#pragma once

#include "core/models/ggufreader.h"
#include "core/models/modelscan.h"

#include <QString>
#include <QStringList>

namespace Llamadesk
{
// `llamadesk models list` and `llamadesk models info FILE`: the model library from a terminal,
// without a display, on the same code as the window's picker.
struct ModelsCommand
{
    enum class Kind { List, Info };
    Kind kind = Kind::List;
    QString file; // for Info
};

struct CommandOutput
{
    int exitCode = 0; // 0: done; 1: the file could not be read
    QString out;
    QString err;
};

// Lists what the folders hold (cache: the app's metadata cache file, read and updated), or
// describes one file.
CommandOutput runModelsCommand(const ModelsCommand &command, const QList<ModelFolder> &folders, const QString &cacheFile);

// One line per model, in columns: name, quantization, parameters, size, context, abilities,
// path; then the projectors and the files that could not be read.
QString modelsListText(const ModelScan &scan, const QList<ModelFolder> &folders);
// What the file says: the summary the library uses, then every metadata entry (arrays by
// their type and length, long texts cut).
QString modelInfoText(const QString &path, const GgufFile &file);
} // namespace Llamadesk
