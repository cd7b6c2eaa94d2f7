#pragma once

#include "core/models/modelfit.h"
#include "core/models/modellibrary.h"

#include <QObject>

#include <functional>
#include <optional>

namespace Llamadesk
{
class ChatController;
class ServerController;
class Settings;

// A model of the library as the picker shows it: what it is, the projector that would go
// with it, whether it fits in memory with the chosen context, and whether it is the one in use.
struct ModelChoice
{
    LibraryModel model;
    QString projector; // its first projector, or empty
    bool vision = false; // what the projector lets it take
    bool audio = false;
    ModelFit fit;
    bool current = false;
};

// The model library as the window sees it: the models with their fit for the context the
// settings choose, and choosing one (the server restarts with it and its projector; while an
// answer streams, the caller asks first).
class ModelsController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelsController)

public:
    using MemorySource = std::function<MemoryInfo()>;

    // memory: where free memory is read (tests give fixed figures); empty: MemoryInfo::current.
    ModelsController(ModelLibrary &library, Settings &settings, ServerController &server, ChatController &chat,
                     MemorySource memory = {}, QObject *parent = nullptr);

    QList<ModelChoice> choices() const;
    bool isScanning() const;
    void rescan();
    // Where the library looks, for the picker to say.
    QList<ModelFolder> folders() const;
    // Adds a folder of the user's to models/folders (the library scans it then); the reason
    // when it cannot be (not a folder, the settings cannot be written).
    std::optional<QString> addFolder(const QString &path);

    enum class Choice { Applied, AskFirst, NotInLibrary, Failed };
    // AskFirst: an answer is streaming, which a restart would stop; call again with
    // confirmed = true once the user agreed. Failed: the settings could not be written
    // (error() says why); nothing was changed then.
    Choice choose(const QString &path, bool confirmed = false);
    QString error() const;

Q_SIGNALS:
    // The library was scanned again, or the model in use changed.
    void choicesChanged();
    void scanningChanged(bool scanning);

private:
    ModelLibrary &m_library;
    Settings &m_settings;
    ServerController &m_server;
    ChatController &m_chat;
    MemorySource m_memory;
    QString m_error;
};
} // namespace Llamadesk
