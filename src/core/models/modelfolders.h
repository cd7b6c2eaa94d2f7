#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

namespace Llamadesk
{
// Where GGUF models are kept on this machine: the app's own folder, and those other tools fill
// that a user may already have (llama.cpp's download cache, the Hugging Face hub cache, LM
// Studio's and Jan's model folders, ~/models), plus folders the user added. A folder that does
// not exist is listed anyway (it may appear later) and simply holds nothing.
struct ModelFolder
{
    enum class Source { App, LlamaCppCache, HuggingFaceCache, LmStudio, Jan, HomeModels, User };
    QString path;
    Source source = Source::User;

    bool operator==(const ModelFolder &) const = default;
};

// What modelFolders() looks at, so that a test can give it any machine.
struct ModelFolderEnvironment
{
    QHash<QString, QString> variables; // LLAMA_CACHE, HF_HOME, HF_HUB_CACHE, XDG_CACHE_HOME, XDG_DATA_HOME
    QString home;
    QString appModels; // the app's own models folder
    QStringList userFolders;

    // This process's environment, home and data folder (QStandardPaths), with these user folders.
    static ModelFolderEnvironment current(const QStringList &userFolders);
};

// In the order above, each path once (cleaned, without a trailing slash).
QList<ModelFolder> modelFolders(const ModelFolderEnvironment &environment);

// "Hugging Face cache", "LM Studio", … for a person.
QString modelFolderSourceName(ModelFolder::Source source);
} // namespace Llamadesk
