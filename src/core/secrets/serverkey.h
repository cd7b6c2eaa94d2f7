#pragma once

#include <QObject>
#include <QString>

namespace Llamadesk
{
class SecretStore;
class ServerSupervisor;
class Settings;

// The API key of the managed llama-server: there is always one. On the first run a key is
// generated (generateApiKey()) and stored in the SecretStore (the system keychain); later runs
// read it back. The key in effect is held by Settings (server/api_key) for this run only, so
// that ServerConfig, the chat client and the settings dialog read it where they read every
// other setting, while the settings file does not hold it.
//
// A key already in the settings file (set there by hand, or kept there earlier because no
// keychain answered) wins and stays there. When no keychain answers (no Secret Service, a D-Bus
// error), the key is written to the settings file, which only its owner may read (0600), and the
// log says so.
//
// A new key put into Settings for this run only (the settings dialog's Regenerate) is stored
// where the key lives.
class ServerKey final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerKey)

public:
    enum class Location { Unknown, SecretStore, SettingsFile };

    // The name of the entry in the secret store.
    static QString secretName();

    ServerKey(Settings &settings, SecretStore &store, QObject *parent = nullptr);

    // Finds or makes the key; ready() follows, from the event loop.
    void load();
    // Makes a new key and stores it where the key lives; Settings announces the change.
    void regenerate();
    // Until ready(), every start of the supervisor waits ("Waiting for the server's API key…"),
    // whoever asks for it: autostart, the settings' Start, a banner's Retry. Call before anything
    // can start it.
    void holdStartsUntilReady(ServerSupervisor &supervisor);

    bool isReady() const;
    Location location() const;

Q_SIGNALS:
    // A key is in Settings and stored: the server may start.
    void ready();

private:
    void onSettingChanged(const QString &key);
    void store(const QString &key);
    void keepInSettingsFile(const QString &key, const QString &why);
    void setReady();

    Settings &m_settings;
    SecretStore &m_store;
    QString m_key;
    Location m_location = Location::Unknown;
    bool m_ready = false;
};
} // namespace Llamadesk
