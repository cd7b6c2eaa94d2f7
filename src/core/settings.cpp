#include "core/settings.h"

#include "core/apppaths.h"
#include "core/qtfmt.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QMetaType>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>

#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <system_error>

namespace Llamadesk
{
namespace
{
using Validator = std::function<std::optional<QString>(const QVariant &)>;

struct KeySpec
{
    const char *name;
    QVariant defaultValue; // its type is the key's type
    Validator check;       // receives a value already converted to the key's type
    const char *help;
};

Validator intRange(int min, int max)
{
    return [min, max](const QVariant &v) -> std::optional<QString> {
        const int i = v.toInt();
        if (i < min || i > max)
            return QStringLiteral("expected a whole number from %1 to %2").arg(min).arg(max);
        return std::nullopt;
    };
}

Validator doubleRange(double min, double max)
{
    return [min, max](const QVariant &v) -> std::optional<QString> {
        const double d = v.toDouble();
        if (!std::isfinite(d) || d < min || d > max)
            return QStringLiteral("expected a number from %1 to %2").arg(min).arg(max);
        return std::nullopt;
    };
}

std::optional<QString> anyText(const QVariant &)
{
    return std::nullopt;
}

std::optional<QString> singleLine(const QVariant &v)
{
    const QString s = v.toString();
    if (s.contains(u'\n') || s.contains(u'\r'))
        return QStringLiteral("expected a single line");
    return std::nullopt;
}

std::optional<QString> hostName(const QVariant &v)
{
    static const QRegularExpression dnsName(
        QStringLiteral("^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"));
    const QString s = v.toString();
    if (QHostAddress address; address.setAddress(s))
        return std::nullopt;
    if (dnsName.match(s).hasMatch())
        return std::nullopt;
    return QStringLiteral("expected an IP address or a host name, such as 127.0.0.1 or localhost");
}

// What llama-server takes as one key: 0.4.0/0.5.0 split LLAMA_API_KEY and --api-key at commas,
// and a client sends it in "Authorization: Bearer KEY", where whitespace ends it. Allowed are the
// characters of an RFC 6750 bearer token: ASCII letters, digits and - . _ ~ + / =. The message
// never repeats the value: it is a secret even when it is wrong.
std::optional<QString> apiKey(const QVariant &v)
{
    const QString s = v.toString();
    if (s.size() > 512)
        return QStringLiteral("an API key has at most 512 characters");
    for (const QChar c : s) {
        const char16_t u = c.unicode();
        const bool allowed = (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9')
                || u == u'-' || u == u'.' || u == u'_' || u == u'~' || u == u'+' || u == u'/' || u == u'=';
        if (!allowed)
            return QStringLiteral("an API key may hold only letters, digits and - . _ ~ + / = (no comma, no space)");
    }
    return std::nullopt;
}

// One absolute folder per line (the model library's own folders come on top of them).
std::optional<QString> folderLines(const QVariant &v)
{
    const QStringList lines = v.toString().split(u'\n', Qt::SkipEmptyParts);
    for (const QString &line : lines) {
        if (!QDir::isAbsolutePath(line.trimmed()))
            return QStringLiteral("expected absolute folders, one per line; '%1' is not").arg(line.trimmed());
    }
    return std::nullopt;
}

const QList<KeySpec> &table()
{
    static const QList<KeySpec> specs = {
        {"server/executable", QString(), singleLine,
         "The llama-server program, or the folder that holds it. Empty: look for it on PATH."},
        {"server/model", QString(), singleLine, "The GGUF model file llama-server loads (-m)."},
        {"server/mmproj", QString(), singleLine,
         "The multimodal projector GGUF for image and audio input (--mmproj). Empty: text only."},
        {"server/host", QStringLiteral("127.0.0.1"), hostName,
         "The address llama-server listens on (--host). Anything but loopback needs an API key."},
        {"server/port", 8080, intRange(0, 65535), "The port llama-server listens on (--port). 0: any free port."},
        {"server/context_size", 4096, intRange(0, 16 * 1024 * 1024),
         "Context size in tokens (-c). 0: the model's own."},
        {"server/parallel", 0, intRange(0, 256), "Parallel slots (-np). 0: llama-server decides."},
        {"server/gpu_layers", -2, intRange(-2, 100000),
         "Layers offloaded to the GPU (-ngl). -2: auto (no -ngl; the server fits the model to free memory). -1: all of them."},
        {"server/extra_args", QString(), singleLine,
         "More llama-server arguments, split like a shell would (quotes group words)."},
        {"server/api_key", QString(), apiKey,
         "The key clients must send: letters, digits and - . _ ~ + / =. Empty: a key generated on the first run "
         "and kept in the system keychain. Given to llama-server through LLAMA_API_KEY, never on its command line."},
        {"server/autostart", true, anyText, "Start llama-server when Llamadesk starts and the paths are set."},
        {"audio/input_device", QString(), singleLine, "The microphone's device id. Empty: the default input."},
        {"audio/max_seconds", 15, intRange(1, 60), "The longest clip sent for transcription, in seconds."},
        {"audio/instruction", QStringLiteral("Transcribe this audio exactly. Reply with the transcript only."),
         anyText, "What the model is asked to do with a recording."},
        {"audio/global_hotkey", false, anyText,
         "Ctrl+Shift+V held records even when another application has the focus (X11)."},
        {"audio/send_transcript", false, anyText,
         "Send the transcript as the question at once, instead of putting it in the message box."},
        {"audio/max_tokens", 512, intRange(1, 100000),
         "The longest transcript, in tokens: a model repeating itself is stopped there."},
        {"vision/max_edge", 1536, intRange(64, 8192),
         "Images are sent at most this many pixels on their longest edge (downscaled, aspect kept)."},
        {"vision/jpeg_quality", 85, intRange(1, 100),
         "JPEG quality for images sent; the smaller of PNG and JPEG is sent."},
        {"vision/global_hotkey", false, anyText,
         "Ctrl+Shift+S captures a screen region even when another application has the focus (X11)."},
        {"chat/system_prompt", QString(), anyText, "The system prompt of new conversations."},
        {"chat/temperature", 0.8, doubleRange(0.0, 5.0), "Sampling temperature."},
        {"chat/top_p", 0.95, doubleRange(0.0, 1.0), "Nucleus sampling: keep the smallest set of tokens whose probability adds up to this."},
        {"chat/top_k", 40, intRange(0, 1000), "Sample from the k most likely tokens. 0: no limit."},
        {"chat/max_tokens", -1, intRange(-1, 1000000), "The most tokens an answer may have. -1: no limit."},
        {"models/folders", QString(), folderLines,
         "More folders the model library scans, one absolute path per line, besides Llamadesk's own, llama.cpp's "
         "cache, the Hugging Face cache, LM Studio's, Jan's and ~/models."},
    };
    return specs;
}

const KeySpec *findSpec(const QString &key)
{
    for (const KeySpec &spec : table()) {
        if (key == QLatin1String(spec.name))
            return &spec;
    }
    return nullptr;
}

// Values read from the INI file arrive as strings; written ones as their own type.
std::optional<QVariant> convert(const QVariant &value, QMetaType type)
{
    if (value.metaType() == type)
        return value;
    const QString text = value.toString().trimmed();
    bool ok = false;
    switch (type.id()) {
    case QMetaType::Int: {
        const int i = text.toInt(&ok);
        return ok ? std::optional<QVariant>(i) : std::nullopt;
    }
    case QMetaType::Double: {
        const double d = text.toDouble(&ok);
        return ok ? std::optional<QVariant>(d) : std::nullopt;
    }
    case QMetaType::Bool: {
        const QString lower = text.toLower();
        if (lower == u"true" || lower == u"1" || lower == u"yes" || lower == u"on")
            return QVariant(true);
        if (lower == u"false" || lower == u"0" || lower == u"no" || lower == u"off")
            return QVariant(false);
        return std::nullopt;
    }
    case QMetaType::QString:
        // A hand-written INI line such as "system_prompt=Be brief, be kind" reads as a list.
        if (value.metaType().id() == QMetaType::QStringList)
            return QVariant(value.toStringList().join(QStringLiteral(", ")));
        if (value.canConvert<QString>())
            return QVariant(value.toString());
        return std::nullopt;
    default:
        return std::nullopt;
    }
}

QString typeDescription(QMetaType type)
{
    switch (type.id()) {
    case QMetaType::Int:
        return QStringLiteral("expected a whole number");
    case QMetaType::Double:
        return QStringLiteral("expected a number");
    case QMetaType::Bool:
        return QStringLiteral("expected true or false");
    default:
        return QStringLiteral("expected text");
    }
}

// A value never written into a warning, the log or a banner, not even a wrong one.
bool isSecret(const QString &key)
{
    return key == Keys::ServerApiKey.toString();
}

struct IniScan
{
    QStringList problems; // "line N: what is wrong"
    bool hasComments = false;
};

// What QSettings' INI reader does not say: which line it could not parse. QSettings drops such
// lines, reads "[server" as a section anyway, and loses every comment when it writes the file.
// Line contents are quoted only for section headers: a stray line may be an API key.
IniScan scanIni(const QByteArray &text)
{
    IniScan scan;
    const QList<QByteArray> lines = text.split('\n');
    bool continued = false;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const bool continuation = continued;
        continued = line.endsWith('\\');
        if (continuation || line.isEmpty())
            continue;
        if (line.startsWith(';') || line.startsWith('#')) {
            scan.hasComments = true;
            continued = false;
            continue;
        }
        const QString number = QString::number(i + 1);
        if (line.startsWith('[')) {
            if (!line.contains(']'))
                scan.problems.append(QStringLiteral("line %1: the section header '%2' has no closing ']'; it is "
                                                    "read as [%3]")
                                             .arg(number, QString::fromUtf8(line.left(60)),
                                                  QString::fromUtf8(line.mid(1, 59).trimmed())));
            continued = false;
            continue;
        }
        if (!line.contains('='))
            scan.problems.append(
                    QStringLiteral("line %1 is neither a [section] header nor a key=value line; it is ignored")
                            .arg(number));
    }
    return scan;
}

// The first name of file.bak, file.bak.2, … that does not exist yet: an older copy is kept too.
QString freeBackupName(const QString &filePath)
{
    QString name = filePath + QStringLiteral(".bak");
    for (int n = 2; QFileInfo::exists(name); ++n)
        name = filePath + QStringLiteral(".bak.%1").arg(n);
    return name;
}

// A copy made 0600 from the start (QFile::copy gives it the source's mode, only afterwards).
bool copyPrivately(const QString &from, const QString &to)
{
    QFile source(from);
    if (!source.open(QIODevice::ReadOnly))
        return false;
    const QByteArray content = source.readAll();
    if (source.error() != QFileDevice::NoError || AppPaths::createPrivateFile(to))
        return false;
    QFile target(to);
    if (!target.open(QIODevice::WriteOnly | QIODevice::Truncate) || target.write(content) != content.size()
        || !target.flush()) {
        target.remove();
        return false;
    }
    return true;
}

QString shown(const QVariant &value)
{
    if (value.metaType().id() == QMetaType::QStringList)
        return value.toStringList().join(QStringLiteral(", "));
    if (value.metaType().id() == QMetaType::QString && value.toString().isEmpty())
        return QStringLiteral("(empty)");
    return value.toString();
}
} // namespace

Settings::Settings(const QString &filePath, QObject *parent)
    : QObject(parent)
    , m_file(std::make_unique<QSettings>(filePath, QSettings::IniFormat))
{
    load();
}

Settings::~Settings() = default;

QString Settings::defaultFilePath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) + QStringLiteral("/llamadesk.ini");
}

QStringList Settings::keys()
{
    QStringList names;
    for (const KeySpec &spec : table())
        names.append(QString::fromLatin1(spec.name));
    return names;
}

bool Settings::isKnownKey(const QString &key)
{
    return findSpec(key) != nullptr;
}

QVariant Settings::defaultValue(const QString &key)
{
    const KeySpec *spec = findSpec(key);
    return spec ? spec->defaultValue : QVariant();
}

QString Settings::describe(const QString &key)
{
    const KeySpec *spec = findSpec(key);
    return spec ? QString::fromUtf8(spec->help) : QString();
}

std::optional<QString> Settings::validate(const QString &key, const QVariant &value)
{
    const KeySpec *spec = findSpec(key);
    if (!spec)
        return QStringLiteral("'%1' is not a setting Llamadesk knows").arg(key);
    const std::optional<QVariant> converted = convert(value, spec->defaultValue.metaType());
    if (!converted)
        return typeDescription(spec->defaultValue.metaType());
    return spec->check(*converted);
}

QString Settings::filePath() const
{
    return m_file->fileName();
}

QVariant Settings::value(const QString &key) const
{
    const auto it = m_values.constFind(key);
    if (it != m_values.constEnd())
        return *it;
    return defaultValue(key);
}

std::optional<QString> Settings::setValue(const QString &key, const QVariant &value)
{
    if (const std::optional<QString> error = validate(key, value))
        return QStringLiteral("%1: %2").arg(key, *error);
    const QVariant converted = *convert(value, findSpec(key)->defaultValue.metaType());
    if (this->value(key) == converted && m_file->contains(key) && !m_sessionOnly.contains(key))
        return std::nullopt;

    if (const std::optional<QString> error = writeValue(key, converted))
        return error;

    const bool changedValue = this->value(key) != converted;
    m_values.insert(key, converted);
    m_sessionOnly.remove(key);
    if (changedValue)
        Q_EMIT changed(key);
    return std::nullopt;
}

std::optional<QString> Settings::setSessionValue(const QString &key, const QVariant &value)
{
    if (const std::optional<QString> error = validate(key, value))
        return QStringLiteral("%1: %2").arg(key, *error);
    const QVariant converted = *convert(value, findSpec(key)->defaultValue.metaType());
    const bool changedValue = this->value(key) != converted;
    m_values.insert(key, converted);
    m_sessionOnly.insert(key);
    if (changedValue)
        Q_EMIT changed(key);
    return std::nullopt;
}

bool Settings::isSessionValue(const QString &key) const
{
    return m_sessionOnly.contains(key);
}

// The file may hold the server's API key: only its owner may read it. QSettings writes through
// QSaveFile, which gives a new file 0666 & ~umask but keeps the mode of one that exists, so the
// folder (0700) and the file (0600) are made here before QSettings first writes it.
std::optional<QString> Settings::preparePrivateFile(const QString &path)
{
    std::optional<QString> error = AppPaths::makePrivateDirectory(QFileInfo(path).absolutePath());
    if (!error)
        error = AppPaths::createPrivateFile(path);
    if (error) {
        const QString message = QStringLiteral("Could not write the settings file %1: %2").arg(filePath(), *error);
        warn(message);
        return message;
    }
    // Made by an earlier version, under a looser umask.
    AppPaths::tightenExisting(path);
    return std::nullopt;
}

std::optional<QString> Settings::writeValue(const QString &key, const QVariant &value)
{
    if (const std::optional<QString> error = preparePrivateFile(filePath()))
        return error;
    if (m_rewriteNeeded || m_file->status() != QSettings::NoError) {
        if (const std::optional<QString> error = rewriteCleanly())
            return error;
    }
    m_file->setValue(key, value);
    m_file->sync();
    if (m_file->status() != QSettings::NoError) {
        const QString message = QStringLiteral("Could not write the settings file %1").arg(filePath());
        // QSettings keeps an error status for good and keeps the unwritten value: a fresh one
        // reads what is really in the file, and the next write is judged on its own.
        m_file = std::make_unique<QSettings>(filePath(), QSettings::IniFormat);
        warn(message);
        return message;
    }
    return std::nullopt;
}

std::optional<QString> Settings::rewriteCleanly()
{
    const QString path = filePath();
    if (QFileInfo::exists(path)) {
        const QString backup = freeBackupName(path);
        if (!copyPrivately(path, backup)) {
            const QString message =
                    QStringLiteral("Could not write the settings file %1: it could not be read in full, and a "
                                   "copy (%2) could not be made first, so it is left as it is")
                            .arg(path, backup);
            warn(message);
            return message;
        }
        warn(QStringLiteral("The settings file %1 had lines Llamadesk cannot keep; the file as it was is "
                            "saved as %2.")
                     .arg(path, backup));
    }
    // Written beside the file and renamed over it: the original stays whole until the new file is.
    const QString staging = path + QStringLiteral(".new");
    QFile::remove(staging);
    if (const std::optional<QString> error = preparePrivateFile(staging))
        return error;
    {
        QSettings clean(staging, QSettings::IniFormat);
        for (const QString &key : m_file->allKeys())
            clean.setValue(key, m_file->value(key));
        clean.sync();
        std::error_code error;
        if (clean.status() == QSettings::NoError)
            std::filesystem::rename(staging.toStdString(), path.toStdString(), error);
        if (clean.status() != QSettings::NoError || error) {
            QFile::remove(staging);
            const QString message = QStringLiteral("Could not write the settings file %1").arg(path);
            warn(message);
            return message;
        }
    }
    m_file = std::make_unique<QSettings>(path, QSettings::IniFormat);
    m_rewriteNeeded = false;
    return std::nullopt;
}

QStringList Settings::loadWarnings() const
{
    return m_loadWarnings;
}

void Settings::load()
{
    m_values.clear();
    m_loadWarnings.clear();
    m_rewriteNeeded = false;
    QFile file(filePath());
    if (file.exists()) {
        // It may hold the server's API key; one made by an earlier version under a looser umask
        // is made private now.
        AppPaths::tightenExisting(filePath());
        if (!file.open(QIODevice::ReadOnly)) {
            m_loadWarnings.append(QStringLiteral("The settings file %1 could not be read (%2); using the defaults.")
                                          .arg(filePath(), file.errorString()));
            spdlog::warn("{}", m_loadWarnings.constLast());
            // Not rewritten from nothing: a write needs a copy of the file first, and fails without.
            m_rewriteNeeded = true;
            return;
        }
        const IniScan scan = scanIni(file.readAll());
        for (const QString &problem : scan.problems)
            m_loadWarnings.append(QStringLiteral("The settings file %1, %2. The file as it is will be copied to "
                                                 "%1.bak before Llamadesk writes it.")
                                          .arg(filePath(), problem));
        // QSettings also calls a '#' comment a format error; what it parsed is still good.
        m_rewriteNeeded = !scan.problems.isEmpty() || scan.hasComments || m_file->status() != QSettings::NoError;
    }
    const QStringList present = m_file->allKeys();
    for (const KeySpec &spec : table()) {
        const QString key = QString::fromLatin1(spec.name);
        if (!present.contains(key))
            continue;
        const QVariant raw = m_file->value(key);
        if (const std::optional<QString> error = validate(key, raw)) {
            m_loadWarnings.append(
                QStringLiteral("Setting %1 in %2 has the invalid value '%3' (%4); using the default, %5.")
                    .arg(key, filePath(), isSecret(key) ? QStringLiteral("(hidden)") : shown(raw), *error,
                         shown(spec.defaultValue)));
            continue;
        }
        m_values.insert(key, *convert(raw, spec.defaultValue.metaType()));
    }
    for (const QString &key : present) {
        if (!isKnownKey(key))
            m_loadWarnings.append(
                QStringLiteral("Setting %1 in %2 is not one Llamadesk knows; it is ignored.").arg(key, filePath()));
    }
    for (const QString &message : std::as_const(m_loadWarnings))
        spdlog::warn("{}", message);
}

void Settings::warn(const QString &message)
{
    spdlog::warn("{}", message);
    Q_EMIT warningRaised(message);
}
} // namespace Llamadesk
