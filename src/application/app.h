#pragma once

#include "application/chatcontroller.h"
#include "application/modelscontroller.h"
#include "application/servercontroller.h"
#include "application/settinghotkey.h"
#include "application/voicecontroller.h"
#include "application/voiceinput.h"

#include "audio/audiocapture.h"
#include "core/chat/chatclient.h"
#include "core/chat/chatsession.h"
#include "core/chat/chatstore.h"
#include "core/models/modellibrary.h"
#include "core/secrets/serverkey.h"
#include "platform/globalhotkey.h"
#include "platform/screengrabber.h"
#include "core/secrets/secretstore.h"
#include "core/server/processguard.h"
#include "core/server/serversupervisor.h"
#include "core/settings.h"

#include <QObject>
#include <QStringList>

#include <memory>
#include <optional>

namespace Llamadesk
{
// What an App is built from. main() fills in the paths; tests give temporary ones, shorter
// timings and stand-ins for the platform. Every seam left empty is the platform's own.
struct AppOptions
{
    QString settingsFile;  // empty: Settings::defaultFilePath()
    QString chatDatabase;  // empty: ChatStore::defaultPath()
    QString logDirectory;  // where llama-server.log and the app's log are (shown in the settings)
    SupervisorOptions supervisor;
    // At start() (once the API key is there): start the server when server/autostart says so.
    // Tests that start it themselves turn this off.
    bool autostart = true;
    // Whether push-to-talk is offered; unset: whether the system has an audio input. Tests that
    // drive AudioCapture's signals without a microphone set it.
    std::optional<bool> microphoneAvailable;

    std::unique_ptr<SecretStore> secrets;        // null: the system keychain (QtKeychain)
    std::unique_ptr<ProcessGuard> processGuard;  // null: Platform::createProcessGuard()
    std::unique_ptr<GlobalHotkey> voiceHotkey;   // null: Ctrl+Shift+V, the platform's
    std::unique_ptr<GlobalHotkey> screenshotHotkey; // null: Ctrl+Shift+S, the platform's
    std::unique_ptr<ScreenGrabber> screenGrabber; // null: the platform's
    // The model library: its metadata cache (empty: the app's cache folder) and the folders
    // scanned (unset: modelFolders() of this machine), and where free memory is read.
    QString modelsCache;
    std::optional<QList<ModelFolder>> modelFolders;
    ModelsController::MemorySource memory;
};

// The composition root: everything Llamadesk is apart from its widgets, built in one place, in
// the order it depends on itself (members are declared in that order, so they are destroyed the
// other way round: the controllers first, the settings last). main() and every GUI test build
// the app this way; the widgets (MainWindow) only bind to the controllers.
class App final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(App)

public:
    explicit App(AppOptions options);
    ~App() override;

    // Loads the server's API key (asynchronously); once it is there, autostart; checks the chat
    // database's integrity off the GUI thread. Call once the window is there to show problems.
    void start();

    // Problems found while opening (settings warnings, a chat database that cannot be used).
    QStringList startupProblems() const;
    QString logDirectory() const;

    Settings &settings();
    ServerKey &serverKey();
    ServerSupervisor &supervisor();
    ChatStore &store();
    ChatClient &client();
    ChatSession &session();
    AudioCapture &capture();
    VoiceInput &voiceInput();
    ScreenGrabber &screenGrabber();
    SettingHotkey &voiceHotkey();
    SettingHotkey &screenshotHotkey();
    ServerController &server();
    ChatController &chat();
    VoiceController &voice();
    ModelLibrary &library();
    ModelsController &models();

Q_SIGNALS:
    // Found after start-up (the integrity check): shown like startupProblems().
    void problemFound(const QString &problem);

private:
    // m_modelFolders and the user's own (models/folders), each once.
    QList<ModelFolder> libraryFolders() const;

    QString m_logDirectory;
    bool m_autostart;
    Settings m_settings;
    std::unique_ptr<SecretStore> m_secrets;
    ServerKey m_serverKey;
    std::unique_ptr<ProcessGuard> m_guard;
    ServerSupervisor m_supervisor;
    ChatStore m_store;
    ModelLibrary m_library;
    QList<ModelFolder> m_modelFolders; // the machine's (or AppOptions'), before models/folders
    QStringList m_startupProblems;
    ChatClient m_client;
    ChatSession m_session;
    AudioCapture m_capture;
    VoiceInput m_voiceInput;
    std::unique_ptr<GlobalHotkey> m_voiceKeys;
    std::unique_ptr<GlobalHotkey> m_screenshotKeys;
    std::unique_ptr<ScreenGrabber> m_grabber;
    SettingHotkey m_voiceHotkey;
    SettingHotkey m_screenshotHotkey;
    ServerController m_server;
    ChatController m_chat;
    VoiceController m_voice;
    ModelsController m_models;
    bool m_started = false;
};
} // namespace Llamadesk
