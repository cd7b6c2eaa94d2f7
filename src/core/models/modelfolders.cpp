#include "core/models/modelfolders.h"

#include <QCoreApplication>
#include <QDir>
#include <QProcessEnvironment>
#include <QStandardPaths>

namespace Llamadesk
{
namespace
{
QString clean(const QString &path)
{
    QString cleaned = QDir::cleanPath(QDir::fromNativeSeparators(path));
    while (cleaned.size() > 1 && cleaned.endsWith(u'/'))
        cleaned.chop(1);
    return cleaned;
}

QString variable(const ModelFolderEnvironment &e, const char *name)
{
    return e.variables.value(QString::fromLatin1(name));
}

// Where XDG puts caches: $XDG_CACHE_HOME, else ~/.cache.
QString cacheHome(const ModelFolderEnvironment &e)
{
    const QString xdg = variable(e, "XDG_CACHE_HOME");
    return xdg.isEmpty() ? e.home + QStringLiteral("/.cache") : xdg;
}

QString dataHome(const ModelFolderEnvironment &e)
{
    const QString xdg = variable(e, "XDG_DATA_HOME");
    return xdg.isEmpty() ? e.home + QStringLiteral("/.local/share") : xdg;
}

// llama.cpp's fs_get_cache_directory(): $LLAMA_CACHE, else the platform's cache folder plus
// "llama.cpp" ($XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS,
// %LOCALAPPDATA% on Windows).
QString llamaCppCache(const ModelFolderEnvironment &e)
{
    if (const QString set = variable(e, "LLAMA_CACHE"); !set.isEmpty())
        return set;
#if defined(Q_OS_MACOS)
    return e.home + QStringLiteral("/Library/Caches/llama.cpp");
#elif defined(Q_OS_WIN)
    return variable(e, "LOCALAPPDATA") + QStringLiteral("/llama.cpp");
#else
    return cacheHome(e) + QStringLiteral("/llama.cpp");
#endif
}

// huggingface_hub's constants: $HF_HUB_CACHE, else $HF_HOME/hub, else
// $XDG_CACHE_HOME/huggingface/hub (~/.cache/huggingface/hub).
QString huggingFaceCache(const ModelFolderEnvironment &e)
{
    if (const QString set = variable(e, "HF_HUB_CACHE"); !set.isEmpty())
        return set;
    if (const QString home = variable(e, "HF_HOME"); !home.isEmpty())
        return home + QStringLiteral("/hub");
    return cacheHome(e) + QStringLiteral("/huggingface/hub");
}
} // namespace

ModelFolderEnvironment ModelFolderEnvironment::current(const QStringList &userFolders)
{
    ModelFolderEnvironment e;
    const QProcessEnvironment system = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"LLAMA_CACHE", "HF_HOME", "HF_HUB_CACHE", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LOCALAPPDATA"}) {
        const QString key = QString::fromLatin1(name);
        if (system.contains(key))
            e.variables.insert(key, system.value(key));
    }
    e.home = QDir::homePath();
    e.appModels = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/models");
    e.userFolders = userFolders;
    return e;
}

QList<ModelFolder> modelFolders(const ModelFolderEnvironment &e)
{
    using Source = ModelFolder::Source;
    QList<ModelFolder> candidates{
            {e.appModels, Source::App},
            {llamaCppCache(e), Source::LlamaCppCache},
            {huggingFaceCache(e), Source::HuggingFaceCache},
            // LM Studio 0.3 and later, then the folder of earlier versions.
            {e.home + QStringLiteral("/.lmstudio/models"), Source::LmStudio},
            {cacheHome(e) + QStringLiteral("/lm-studio/models"), Source::LmStudio},
            // Jan 0.6 and later keep llama.cpp models in their data folder; earlier ones in ~/jan.
            {dataHome(e) + QStringLiteral("/Jan/data/llamacpp/models"), Source::Jan},
            {e.home + QStringLiteral("/jan/models"), Source::Jan},
            {e.home + QStringLiteral("/models"), Source::HomeModels},
    };
    for (const QString &folder : e.userFolders)
        candidates.append({folder, Source::User});
    QList<ModelFolder> folders;
    QStringList seen;
    for (ModelFolder folder : candidates) {
        if (folder.path.isEmpty())
            continue;
        folder.path = clean(folder.path);
        if (seen.contains(folder.path))
            continue;
        seen.append(folder.path);
        folders.append(folder);
    }
    return folders;
}

QString modelFolderSourceName(ModelFolder::Source source)
{
    switch (source) {
    case ModelFolder::Source::App:
        return QCoreApplication::translate("ModelFolders", "Llamadesk's models");
    case ModelFolder::Source::LlamaCppCache:
        return QCoreApplication::translate("ModelFolders", "llama.cpp's downloads");
    case ModelFolder::Source::HuggingFaceCache:
        return QCoreApplication::translate("ModelFolders", "Hugging Face cache");
    case ModelFolder::Source::LmStudio:
        return QCoreApplication::translate("ModelFolders", "LM Studio");
    case ModelFolder::Source::Jan:
        return QCoreApplication::translate("ModelFolders", "Jan");
    case ModelFolder::Source::HomeModels:
        return QCoreApplication::translate("ModelFolders", "~/models");
    case ModelFolder::Source::User:
        return QCoreApplication::translate("ModelFolders", "Added by you");
    }
    return {};
}
} // namespace Llamadesk
