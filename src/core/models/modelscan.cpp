#include "core/models/modelscan.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>

#include <algorithm>
#include <map>

namespace Llamadesk
{
namespace
{
// Deeper than any model folder (the Hugging Face cache is models--org--name/snapshots/rev/file).
constexpr int MaxDepth = 8;
constexpr int CacheVersion = 2; // 2: head counts and lengths

struct Found
{
    QString path;      // as found (a link in the Hugging Face cache)
    QString canonical; // what it points to
    quint64 size = 0;
    qint64 modifiedMs = 0;
    ModelFolder folder;
    QString group; // models and projectors of one group go together
};

// The folder's files, links followed, each real directory once (a link back up ends there).
void walk(const QString &dir, int depth, const ModelFolder &folder, QSet<QString> &visitedDirs,
          QSet<QString> &seenFiles, QList<Found> &found)
{
    const QString canonicalDir = QFileInfo(dir).canonicalFilePath();
    if (canonicalDir.isEmpty() || depth > MaxDepth || visitedDirs.contains(canonicalDir))
        return;
    visitedDirs.insert(canonicalDir);
    const QFileInfoList entries = QDir(dir).entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden,
                                                          QDir::Name);
    for (const QFileInfo &entry : entries) {
        if (entry.isDir()) {
            walk(entry.filePath(), depth + 1, folder, visitedDirs, seenFiles, found);
            continue;
        }
        if (!entry.isFile() || !entry.fileName().endsWith(u".gguf", Qt::CaseInsensitive))
            continue;
        const QString canonical = entry.canonicalFilePath();
        if (canonical.isEmpty() || seenFiles.contains(canonical))
            continue;
        seenFiles.insert(canonical);
        const QFileInfo target(canonical);
        Found f;
        f.path = entry.filePath();
        f.canonical = canonical;
        f.size = static_cast<quint64>(target.size());
        f.modifiedMs = target.lastModified().toMSecsSinceEpoch();
        f.folder = folder;
        f.group = entry.path();
        // In the Hugging Face cache a repository is models--org--name, whatever the revision.
        if (folder.source == ModelFolder::Source::HuggingFaceCache) {
            const QString relative = QDir(folder.path).relativeFilePath(entry.filePath());
            const QString repo = relative.section(u'/', 0, 0);
            if (repo.startsWith(u"models--"))
                f.group = folder.path + u'/' + repo;
        }
        found.append(f);
    }
}

const QRegularExpression &splitPattern()
{
    static const QRegularExpression pattern(QStringLiteral(R"(^(.*)-(\d{5})-of-(\d{5})\.gguf$)"),
                                            QRegularExpression::CaseInsensitiveOption);
    return pattern;
}

QJsonObject infoToJson(const GgufModelInfo &i)
{
    QJsonObject o;
    o[u"architecture"] = i.architecture;
    o[u"name"] = i.name;
    o[u"size"] = static_cast<double>(i.size);
    o[u"parameters"] = static_cast<double>(i.parameters);
    o[u"contextLength"] = static_cast<double>(i.contextLength);
    o[u"layers"] = static_cast<double>(i.layers);
    o[u"embedding"] = static_cast<double>(i.embedding);
    o[u"heads"] = static_cast<double>(i.heads);
    o[u"headsKv"] = static_cast<double>(i.headsKv);
    o[u"keyLength"] = static_cast<double>(i.keyLength);
    o[u"valueLength"] = static_cast<double>(i.valueLength);
    if (i.fileType)
        o[u"fileType"] = static_cast<double>(*i.fileType);
    o[u"quantization"] = i.quantization;
    o[u"chatTemplate"] = i.chatTemplate;
    o[u"thinking"] = i.thinking;
    o[u"tools"] = i.tools;
    o[u"projector"] = i.projector;
    o[u"vision"] = i.vision;
    o[u"audio"] = i.audio;
    o[u"projectorType"] = i.projectorType;
    return o;
}

GgufModelInfo infoFromJson(const QJsonObject &o)
{
    GgufModelInfo i;
    i.architecture = o[u"architecture"].toString();
    i.name = o[u"name"].toString();
    i.size = static_cast<quint64>(o[u"size"].toDouble());
    i.parameters = static_cast<quint64>(o[u"parameters"].toDouble());
    i.contextLength = static_cast<qint64>(o[u"contextLength"].toDouble());
    i.layers = static_cast<qint64>(o[u"layers"].toDouble());
    i.embedding = static_cast<qint64>(o[u"embedding"].toDouble());
    i.heads = static_cast<qint64>(o[u"heads"].toDouble());
    i.headsKv = static_cast<qint64>(o[u"headsKv"].toDouble());
    i.keyLength = static_cast<qint64>(o[u"keyLength"].toDouble());
    i.valueLength = static_cast<qint64>(o[u"valueLength"].toDouble());
    if (o.contains(u"fileType"))
        i.fileType = static_cast<qint64>(o[u"fileType"].toDouble());
    i.quantization = o[u"quantization"].toString();
    i.chatTemplate = o[u"chatTemplate"].toString();
    i.thinking = o[u"thinking"].toBool();
    i.tools = o[u"tools"].toBool();
    i.projector = o[u"projector"].toBool();
    i.vision = o[u"vision"].toBool();
    i.audio = o[u"audio"].toBool();
    i.projectorType = o[u"projectorType"].toString();
    return i;
}
} // namespace

QString LibraryModel::displayName() const
{
    if (!info.name.isEmpty())
        return info.name;
    QString name = QFileInfo(path).fileName();
    if (name.endsWith(u".gguf", Qt::CaseInsensitive))
        name.chop(5);
    return name;
}

const ModelMetadataCache::Entry *ModelMetadataCache::find(const QString &path, quint64 size, qint64 modifiedMs) const
{
    const auto it = m_entries.constFind(path);
    if (it == m_entries.constEnd() || it->size != size || it->modifiedMs != modifiedMs)
        return nullptr;
    return &*it;
}

void ModelMetadataCache::insert(const QString &path, const Entry &entry)
{
    m_entries.insert(path, entry);
}

void ModelMetadataCache::retain(const QStringList &paths)
{
    const QSet<QString> keep(paths.cbegin(), paths.cend());
    m_entries.removeIf([&](const auto &it) { return !keep.contains(it.key()); });
}

qsizetype ModelMetadataCache::size() const
{
    return m_entries.size();
}

ModelMetadataCache ModelMetadataCache::load(const QString &file)
{
    ModelMetadataCache cache;
    QFile in(file);
    if (!in.open(QIODevice::ReadOnly))
        return cache;
    const QJsonObject root = QJsonDocument::fromJson(in.readAll()).object();
    if (root[u"version"].toInt() != CacheVersion)
        return cache;
    const QJsonObject files = root[u"files"].toObject();
    for (auto it = files.begin(); it != files.end(); ++it) {
        const QJsonObject o = it.value().toObject();
        Entry entry;
        entry.size = static_cast<quint64>(o[u"size"].toDouble());
        entry.modifiedMs = static_cast<qint64>(o[u"modified"].toDouble());
        entry.error = o[u"error"].toString();
        entry.info = infoFromJson(o[u"info"].toObject());
        cache.m_entries.insert(it.key(), entry);
    }
    return cache;
}

bool ModelMetadataCache::save(const QString &file) const
{
    QJsonObject files;
    for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it) {
        QJsonObject o;
        o[u"size"] = static_cast<double>(it->size);
        o[u"modified"] = static_cast<double>(it->modifiedMs);
        if (!it->error.isEmpty())
            o[u"error"] = it->error;
        o[u"info"] = infoToJson(it->info);
        files[it.key()] = o;
    }
    QJsonObject root;
    root[u"version"] = CacheVersion;
    root[u"files"] = files;
    QDir().mkpath(QFileInfo(file).path());
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly))
        return false;
    out.write(QJsonDocument(root).toJson(QJsonDocument::Compact));
    return out.commit();
}

ModelScan scanModelFolders(const QList<ModelFolder> &folders, ModelMetadataCache &cache)
{
    QSet<QString> visitedDirs;
    QSet<QString> seenFiles;
    QList<Found> found;
    QSet<QString> waitingIn; // where a folder that is not there yet would appear
    for (const ModelFolder &folder : folders) {
        if (QFileInfo(folder.path).isDir()) {
            walk(folder.path, 0, folder, visitedDirs, seenFiles, found);
            continue;
        }
        // ~/models made later, llama.cpp's cache at its first download: its nearest existing
        // parent is watched, so that the folder is noticed when it comes.
        for (QString up = QFileInfo(folder.path).path(); !up.isEmpty(); up = QFileInfo(up).path()) {
            if (QFileInfo(up).isDir()) {
                waitingIn.insert(QFileInfo(up).canonicalFilePath());
                break;
            }
            if (up == QFileInfo(up).path())
                break; // the root, or a relative path's start
        }
    }

    ModelScan scan;
    waitingIn.remove(QString());
    scan.directories = QStringList(visitedDirs.cbegin(), visitedDirs.cend());
    for (const QString &dir : std::as_const(waitingIn)) {
        if (!visitedDirs.contains(dir))
            scan.directories.append(dir);
    }
    scan.directories.sort();
    QStringList known;
    // By value: the cache may grow (and move its entries) at the next read.
    auto read = [&](const Found &f) -> ModelMetadataCache::Entry {
        known.append(f.canonical);
        if (const ModelMetadataCache::Entry *cached = cache.find(f.canonical, f.size, f.modifiedMs)) {
            ++scan.filesCached;
            return *cached;
        }
        ++scan.filesRead;
        ModelMetadataCache::Entry entry;
        entry.size = f.size;
        entry.modifiedMs = f.modifiedMs;
        const auto result = GgufReader::readFile(f.path);
        if (const auto *error = std::get_if<GgufError>(&result))
            entry.error = error->message;
        else
            entry.info = GgufReader::describe(std::get<GgufFile>(result));
        cache.insert(f.canonical, entry);
        return entry;
    };

    // Split models: the parts of one, by their common start and count, in order.
    std::map<QString, std::map<int, const Found *>> splits;
    QList<const Found *> singles;
    for (const Found &f : std::as_const(found)) {
        const QRegularExpressionMatch m = splitPattern().match(f.path);
        if (m.hasMatch() && m.captured(3).toInt() > 1)
            splits[m.captured(1) + u'/' + m.captured(3)][m.captured(2).toInt()] = &f;
        else
            singles.append(&f);
    }

    QHash<QString, QStringList> projectorsOfGroup;
    auto addModel = [&](const QList<const Found *> &parts) {
        const Found &first = *parts.first();
        const ModelMetadataCache::Entry entry = read(first);
        if (!entry.error.isEmpty()) {
            scan.problems.append({first.path, entry.error});
            return;
        }
        const bool projector = entry.info.projector || QFileInfo(first.path).fileName().startsWith(u"mmproj", Qt::CaseInsensitive);
        if (projector) {
            scan.projectors.append({first.path, first.size, entry.info});
            projectorsOfGroup[first.group].append(first.path);
            return;
        }
        LibraryModel model;
        model.path = first.path;
        model.info = entry.info;
        model.folder = first.folder;
        for (const Found *part : parts) {
            model.parts.append(part->path);
            model.size += part->size;
            if (part != parts.first()) {
                const ModelMetadataCache::Entry more = read(*part);
                model.info.parameters += more.info.parameters;
            }
        }
        model.info.size = model.size;
        scan.models.append(model);
    };
    for (const Found *f : std::as_const(singles))
        addModel({f});
    for (const auto &[key, parts] : splits) {
        // llama-server loads a split model from its first part, and needs every other one.
        const int total = key.section(u'/', -1).toInt();
        if (!parts.count(1) || static_cast<int>(parts.size()) != total) {
            const Found &any = *parts.begin()->second;
            scan.problems.append({any.path, QCoreApplication::translate("ModelScan",
                                                                        "%1 is one part of a model split in %2, and "
                                                                        "only %3 of them are here.")
                                                    .arg(any.path)
                                                    .arg(total)
                                                    .arg(parts.size())});
            continue;
        }
        QList<const Found *> ordered;
        for (const auto &[index, part] : parts)
            ordered.append(part);
        addModel(ordered);
    }

    // Each model gets the projectors of its group (its folder, or its repository).
    QHash<QString, QString> groupOf;
    for (const Found &f : std::as_const(found))
        groupOf.insert(f.path, f.group);
    for (LibraryModel &model : scan.models) {
        QStringList projectors = projectorsOfGroup.value(groupOf.value(model.path));
        std::sort(projectors.begin(), projectors.end());
        model.projectors = projectors;
    }
    std::sort(scan.models.begin(), scan.models.end(), [](const LibraryModel &a, const LibraryModel &b) {
        const int byName = QString::compare(a.displayName(), b.displayName(), Qt::CaseInsensitive);
        return byName != 0 ? byName < 0 : a.path < b.path;
    });
    cache.retain(known);
    return scan;
}
} // namespace Llamadesk
