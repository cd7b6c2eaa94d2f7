#pragma once

#include "core/models/ggufreader.h"
#include "core/models/modelfolders.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

namespace Llamadesk
{
// A model the library found: one GGUF file, or the first of a split one
// ("…-00001-of-00003.gguf"), with what its metadata says and the projectors that go with it.
struct LibraryModel
{
    QString path;        // the file llama-server is given (the first part of a split model)
    QStringList parts;   // every file of it, path first
    quint64 size = 0;    // of all its parts
    GgufModelInfo info;
    ModelFolder folder;  // where it was found
    // Projectors (mmproj) of the same folder, or of the same Hugging Face repository in the
    // hub cache; the first is the one used unless the user picks another.
    QStringList projectors;

    QString displayName() const; // general.name, else the file name without ".gguf"
};

// A projector on its own, and what it takes.
struct LibraryProjector
{
    QString path;
    quint64 size = 0;
    GgufModelInfo info;
};

// A file that looked like a model and could not be read.
struct LibraryProblem
{
    QString path;
    QString message;
};

// What has been read, by path, with the size and modification time it had: a file that still
// has both is not read again.
class ModelMetadataCache
{
public:
    struct Entry
    {
        quint64 size = 0;
        qint64 modifiedMs = 0;
        GgufModelInfo info;
        QString error; // the file could not be read; not retried until it changes
    };

    const Entry *find(const QString &path, quint64 size, qint64 modifiedMs) const;
    void insert(const QString &path, const Entry &entry);
    // Keeps only these paths (files gone since are forgotten).
    void retain(const QStringList &paths);
    qsizetype size() const;

    // A JSON file; a missing or damaged one is an empty cache.
    static ModelMetadataCache load(const QString &file);
    bool save(const QString &file) const;

private:
    QHash<QString, Entry> m_entries;
};

struct ModelScan
{
    QList<LibraryModel> models; // by display name, then path
    QList<LibraryProjector> projectors;
    QList<LibraryProblem> problems;
    // Every folder walked, and the nearest existing parent of each folder not there yet: what
    // to watch for changes.
    QStringList directories;
    int filesRead = 0;   // parsed this time
    int filesCached = 0; // known from the cache
};

// Walks the folders (symbolic links followed, as the Hugging Face cache is made of them; each
// file once), reads what the cache does not know and pairs models with projectors. Blocking:
// run it on a worker thread.
ModelScan scanModelFolders(const QList<ModelFolder> &folders, ModelMetadataCache &cache);
} // namespace Llamadesk
