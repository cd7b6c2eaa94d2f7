#pragma once

#include "core/models/modelscan.h"

#include <QFileSystemWatcher>
#include <QObject>
#include <QThreadPool>
#include <QTimer>

namespace Llamadesk
{
// The GGUF models on this machine: the folders of ModelFolders scanned on a worker thread (never
// the GUI's), watched for files that come and go, with their metadata cached by path, size and
// modification time in a file, so that a start reads only what changed.
class ModelLibrary final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelLibrary)

public:
    // cacheFile: where the metadata cache is kept (a JSON file; made when first saved).
    explicit ModelLibrary(const QString &cacheFile, QObject *parent = nullptr);
    ~ModelLibrary() override;

    // Scans them now (and again whenever one changes).
    void setFolders(const QList<ModelFolder> &folders);
    const QList<ModelFolder> &folders() const;
    // Scans again; a scan already running is followed by one more.
    void rescan();
    bool isScanning() const;

    const QList<LibraryModel> &models() const;
    const QList<LibraryProjector> &projectors() const;
    const QList<LibraryProblem> &problems() const;
    // The last scan's counts: files parsed, files known from the cache.
    int filesRead() const;
    int filesCached() const;
    // How many scans have finished since the library was made.
    int scansFinished() const;

    // How long changes in a folder are gathered before it is scanned again.
    static constexpr int RescanDelayMs = 300;

Q_SIGNALS:
    // After every scan (models() may or may not differ).
    void scanFinished();
    void scanningChanged(bool scanning);

private:
    void startScan();
    void onScanned(ModelScan scan, ModelMetadataCache cache);

    QString m_cacheFile;
    QList<ModelFolder> m_folders;
    ModelMetadataCache m_cache;
    bool m_cacheLoaded = false;
    QList<LibraryModel> m_models;
    QList<LibraryProjector> m_projectors;
    QList<LibraryProblem> m_problems;
    int m_filesRead = 0;
    int m_filesCached = 0;
    int m_scans = 0;
    bool m_scanning = false;
    bool m_again = false;
    QFileSystemWatcher m_watcher;
    QTimer m_rescanTimer;
    QThreadPool m_pool; // one thread: scans one at a time, off the caller's thread
};
} // namespace Llamadesk
