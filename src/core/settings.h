#pragma once

#include "core/settingkeys.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QVariant>

#include <memory>
#include <optional>

class QSettings;

namespace Llamadesk
{
// The one place the app's settings live: an INI file that people may also edit by hand.
// Every key has a default and a validator (the table in settings.cpp). A value that is
// missing takes its default; a value that is invalid also takes its default, and a warning
// says which key, what was wrong and what is used instead. Values are validated once when
// the file is read and on every write, so readers never see an invalid value.
class Settings final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Settings)

public:
    // Reads filePath (INI). The file is created on the first write.
    explicit Settings(const QString &filePath, QObject *parent = nullptr);
    ~Settings() override;

    // ~/.config/llamadesk/llamadesk.ini on Linux: the platform's per-user config location.
    static QString defaultFilePath();
    // Every key of the table, in table order.
    static QStringList keys();
    static bool isKnownKey(const QString &key);
    static QVariant defaultValue(const QString &key);
    // What the key is for and which values it takes, for --help and error messages.
    static QString describe(const QString &key);
    // An error message when value is not acceptable for key, std::nullopt when it is.
    // Strings from the INI file are accepted for numbers and booleans ("8080", "true").
    static std::optional<QString> validate(const QString &key, const QVariant &value);

    QString filePath() const;

    template <typename T>
    T get(SettingKey<T> key) const
    {
        return value(key.toString()).template value<T>();
    }

    // Stores the value and writes the file. Returns the reason when the value is invalid or
    // the file cannot be written; nothing is changed then.
    template <typename T>
    [[nodiscard]] std::optional<QString> set(SettingKey<T> key, const T &value)
    {
        return setValue(key.toString(), QVariant::fromValue(value));
    }

    QVariant value(const QString &key) const;
    [[nodiscard]] std::optional<QString> setValue(const QString &key, const QVariant &value);
    // Validates and holds the value for this run only: the file is not written (the API key read
    // from the keychain). A later setValue() writes it as usual.
    [[nodiscard]] std::optional<QString> setSessionValue(const QString &key, const QVariant &value);
    bool isSessionValue(const QString &key) const;

    // The warnings found when the file was read (lines that are not INI, with their number;
    // invalid values; unknown keys).
    QStringList loadWarnings() const;

Q_SIGNALS:
    // A value really changed (setting the same value again emits nothing).
    void changed(const QString &key);
    // Something the user should hear about, e.g. a write that failed.
    void warningRaised(const QString &message);

private:
    void load();
    void warn(const QString &message);
    // Writes one value and syncs; on failure the in-memory QSettings is dropped, so that its
    // error status (sticky in QSettings) and the unwritten value do not outlive this write.
    std::optional<QString> writeValue(const QString &key, const QVariant &value);
    // The folder (0700) and the file (0600) exist before QSettings writes path.
    std::optional<QString> preparePrivateFile(const QString &path);
    // Before the first write into a file that QSettings would not write back as it is (lines it
    // cannot parse, comments): a copy next to it, then a clean file holding what was parsed.
    std::optional<QString> rewriteCleanly();

    std::unique_ptr<QSettings> m_file;
    QHash<QString, QVariant> m_values;
    QSet<QString> m_sessionOnly;
    QStringList m_loadWarnings;
    bool m_rewriteNeeded = false;
};
} // namespace Llamadesk
