#include "core/models/modellibrary.h"

#include <QFileInfo>
#include <QSet>

#include <spdlog/spdlog.h>

namespace Llamadesk
{
ModelLibrary::ModelLibrary(const QString &cacheFile, QObject *parent)
    : QObject(parent)
    , m_cacheFile(cacheFile)
{
    m_pool.setMaxThreadCount(1);
    m_rescanTimer.setSingleShot(true);
    m_rescanTimer.setInterval(RescanDelayMs);
    connect(&m_rescanTimer, &QTimer::timeout, this, &ModelLibrary::rescan);
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, [this] { m_rescanTimer.start(); });
}

ModelLibrary::~ModelLibrary()
{
    // A scan still running finishes first; its result, posted to this object, goes with it.
    m_pool.waitForDone();
}

void ModelLibrary::setFolders(const QList<ModelFolder> &folders)
{
    m_folders = folders;
    rescan();
}

const QList<ModelFolder> &ModelLibrary::folders() const
{
    return m_folders;
}

void ModelLibrary::rescan()
{
    if (m_scanning) {
        m_again = true;
        return;
    }
    startScan();
}

void ModelLibrary::startScan()
{
    m_scanning = true;
    m_again = false;
    Q_EMIT scanningChanged(true);
    const bool loaded = std::exchange(m_cacheLoaded, true);
    m_pool.start([this, folders = m_folders, cache = m_cache, loaded, file = m_cacheFile]() mutable {
        if (!loaded)
            cache = ModelMetadataCache::load(file);
        ModelScan scan = scanModelFolders(folders, cache);
        if (scan.filesRead > 0 && !cache.save(file))
            spdlog::warn("Model library: could not save the metadata cache {}", file.toStdString());
        QMetaObject::invokeMethod(
                this, [this, scan = std::move(scan), cache = std::move(cache)]() mutable {
                    onScanned(std::move(scan), std::move(cache));
                },
                Qt::QueuedConnection);
    });
}

void ModelLibrary::onScanned(ModelScan scan, ModelMetadataCache cache)
{
    m_cache = std::move(cache);
    m_models = std::move(scan.models);
    m_projectors = std::move(scan.projectors);
    m_problems = std::move(scan.problems);
    m_filesRead = scan.filesRead;
    m_filesCached = scan.filesCached;
    ++m_scans;
    // Watch what was walked, and only that: folders gone since are let go.
    const QStringList watched = m_watcher.directories();
    const QSet<QString> now(scan.directories.cbegin(), scan.directories.cend());
    QStringList gone;
    for (const QString &dir : watched) {
        if (!now.contains(dir))
            gone.append(dir);
    }
    if (!gone.isEmpty())
        m_watcher.removePaths(gone);
    QStringList added;
    for (const QString &dir : std::as_const(scan.directories)) {
        if (!watched.contains(dir))
            added.append(dir);
    }
    if (!added.isEmpty())
        m_watcher.addPaths(added);
    spdlog::info("Model library: {} model(s), {} projector(s), {} unreadable; {} file(s) read, {} from the cache",
                 m_models.size(), m_projectors.size(), m_problems.size(), m_filesRead, m_filesCached);
    m_scanning = false;
    Q_EMIT scanFinished();
    if (m_again) {
        startScan();
        return;
    }
    Q_EMIT scanningChanged(false);
}

bool ModelLibrary::isScanning() const
{
    return m_scanning;
}

const QList<LibraryModel> &ModelLibrary::models() const
{
    return m_models;
}

const QList<LibraryProjector> &ModelLibrary::projectors() const
{
    return m_projectors;
}

const QList<LibraryProblem> &ModelLibrary::problems() const
{
    return m_problems;
}

int ModelLibrary::filesRead() const
{
    return m_filesRead;
}

int ModelLibrary::filesCached() const
{
    return m_filesCached;
}

int ModelLibrary::scansFinished() const
{
    return m_scans;
}
} // namespace Llamadesk
