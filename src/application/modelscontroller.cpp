#include "application/modelscontroller.h"

#include "application/chatcontroller.h"
#include "application/servercontroller.h"
#include "core/settingkeys.h"
#include "core/settings.h"

#include <QFileInfo>

namespace Llamadesk
{
ModelsController::ModelsController(ModelLibrary &library, Settings &settings, ServerController &server,
                                   ChatController &chat, MemorySource memory, QObject *parent)
    : QObject(parent)
    , m_library(library)
    , m_settings(settings)
    , m_server(server)
    , m_chat(chat)
    , m_memory(memory ? std::move(memory) : MemorySource(&MemoryInfo::current))
{
    connect(&m_library, &ModelLibrary::scanFinished, this, &ModelsController::choicesChanged);
    connect(&m_library, &ModelLibrary::scanningChanged, this, &ModelsController::scanningChanged);
    connect(&m_server, &ServerController::modelChanged, this, &ModelsController::choicesChanged);
}

QList<ModelChoice> ModelsController::choices() const
{
    const MemoryInfo memory = m_memory();
    const int context = m_settings.get(Keys::ServerContextSize);
    const QString current = QFileInfo(m_settings.get(Keys::ServerModel)).absoluteFilePath();
    QHash<QString, const LibraryProjector *> projectors;
    for (const LibraryProjector &p : m_library.projectors())
        projectors.insert(p.path, &p);
    QList<ModelChoice> choices;
    for (const LibraryModel &model : m_library.models()) {
        ModelChoice choice;
        choice.model = model;
        choice.projector = model.projectors.value(0);
        const LibraryProjector *projector = projectors.value(choice.projector);
        choice.vision = projector && projector->info.vision;
        choice.audio = projector && projector->info.audio;
        choice.fit = estimateFit(model.info, projector ? projector->size : 0, context, memory);
        choice.current = !current.isEmpty() && QFileInfo(model.path).absoluteFilePath() == current;
        choices.append(choice);
    }
    return choices;
}

std::optional<QString> ModelsController::addFolder(const QString &path)
{
    const QFileInfo folder(path);
    if (!folder.isDir())
        return tr("%1 is not a folder.").arg(path);
    const QString clean = folder.absoluteFilePath();
    QStringList own = m_settings.get(Keys::ModelsFolders).split(u'\n', Qt::SkipEmptyParts);
    if (own.contains(clean))
        return std::nullopt;
    own.append(clean);
    return m_settings.set(Keys::ModelsFolders, own.join(u'\n'));
}

QString ModelsController::error() const
{
    return m_error;
}

bool ModelsController::isScanning() const
{
    return m_library.isScanning();
}

void ModelsController::rescan()
{
    m_library.rescan();
}

QList<ModelFolder> ModelsController::folders() const
{
    return m_library.folders();
}

ModelsController::Choice ModelsController::choose(const QString &path, bool confirmed)
{
    const auto &models = m_library.models();
    const auto it = std::find_if(models.cbegin(), models.cend(), [&](const LibraryModel &m) { return m.path == path; });
    if (it == models.cend())
        return Choice::NotInLibrary;
    if (m_chat.isBusy() && !confirmed)
        return Choice::AskFirst;
    // Both before the restart, so that it launches with the pair; the old pair comes back if
    // the second cannot be written.
    const QString oldProjector = m_settings.get(Keys::ServerMmproj);
    if (const auto problem = m_settings.set(Keys::ServerMmproj, it->projectors.value(0))) {
        m_error = *problem;
        return Choice::Failed;
    }
    if (const auto problem = m_settings.set(Keys::ServerModel, it->path)) {
        m_error = *problem;
        (void)m_settings.set(Keys::ServerMmproj, oldProjector);
        return Choice::Failed;
    }
    m_error.clear();
    if (m_server.hasProcess())
        m_server.restart();
    else
        m_server.start();
    Q_EMIT choicesChanged();
    return Choice::Applied;
}
} // namespace Llamadesk
