#include "core/server/preflight.h"

#include "core/server/portprobe.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QRandomGenerator>

namespace Llamadesk
{
namespace
{
enum class FileCheck {
    Ok,
    Missing,
    Folder,
    Unreadable,
    NotGguf
};

constexpr QByteArrayView GgufMagic = "GGUF";

FileCheck checkGgufFile(const QString &path)
{
    const QFileInfo info(path);
    if (!info.exists())
        return FileCheck::Missing;
    if (info.isDir())
        return FileCheck::Folder;
    if (!info.isFile())
        return FileCheck::Unreadable; // a FIFO or a device: opening it could block
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return FileCheck::Unreadable;
    char magic[4] = {};
    const qint64 read = file.read(magic, sizeof magic);
    if (read < 0)
        return FileCheck::Unreadable;
    return QByteArrayView(magic, read) == GgufMagic ? FileCheck::Ok : FileCheck::NotGguf;
}

QString shown(const QString &path)
{
    return QDir::toNativeSeparators(path);
}

PreflightIssue issue(PreflightCode code, const QString &message, const QString &hint)
{
    PreflightIssue result;
    result.code = code;
    result.message = message;
    result.hint = hint;
    return result;
}

struct GgufRole
{
    QString noun; // "model", "multimodal projector"
    PreflightCode missing;
    PreflightCode unreadable;
    PreflightCode notGguf;
};

std::optional<PreflightIssue> checkGguf(const QString &path, const GgufRole &role)
{
    const QString subject = QStringLiteral("The %1 %2").arg(role.noun, shown(path));
    switch (checkGgufFile(path)) {
    case FileCheck::Ok:
        return std::nullopt;
    case FileCheck::Missing:
        return issue(role.missing, subject + u" does not exist.",
                     QStringLiteral("Choose the %1 again in Settings; it may have been moved or deleted.")
                             .arg(role.noun));
    case FileCheck::Folder:
        return issue(role.unreadable, subject + u" cannot be read.",
                     QStringLiteral("It is a folder: choose the .gguf file inside it."));
    case FileCheck::Unreadable:
        return issue(role.unreadable, subject + u" cannot be read.",
                     QStringLiteral("Check the file's permissions, or choose another file."));
    case FileCheck::NotGguf:
        return issue(
                role.notGguf, subject + u" is not a GGUF file.",
                QStringLiteral(
                        "llama-server loads GGUF files only: download the %1 in GGUF form, or convert it "
                        "with llama.cpp's convert_hf_to_gguf.py.")
                        .arg(role.noun));
    }
    return std::nullopt;
}

QString notExecutableHint(const QFileInfo &info)
{
    if (info.isDir())
        return QStringLiteral("It is a folder: choose the llama-server program inside it.");
#ifdef Q_OS_WIN
    return QStringLiteral("Choose llama-server.exe.");
#else
    return QStringLiteral("Make it executable (chmod +x %1), or choose another program.")
            .arg(shown(info.filePath()));
#endif
}

std::optional<PreflightIssue> checkExecutable(const QString &configured, const ExecutableSearch &search)
{
    const QString trimmed = configured.trimmed();
    const QString resolved = resolveExecutable(trimmed, search);
    if (trimmed.isEmpty() && resolved.isEmpty()) {
        PreflightIssue result =
                issue(PreflightCode::NoExecutable,
                      QStringLiteral("No llama-server is configured, and there is none on PATH."), {});
        result.candidates = findExecutableCandidates(search);
        result.hint = result.candidates.isEmpty()
                ? QStringLiteral("Download llama-server from %1 and choose it in Settings.")
                          .arg(llamaCppReleasesUrl())
                : QStringLiteral("Choose one of the programs found, or download llama-server from %1.")
                          .arg(llamaCppReleasesUrl());
        return result;
    }
    if (resolved.isEmpty()) {
        PreflightIssue result =
                issue(PreflightCode::ExecutableMissing,
                      QStringLiteral("The llama-server executable %1 is not on PATH.").arg(trimmed),
                      QStringLiteral("Choose the program by its full path in Settings."));
        result.candidates = findExecutableCandidates(search);
        return result;
    }
    const QFileInfo info(resolved);
    if (!info.exists()) {
        const QFileInfo configuredInfo(trimmed);
        PreflightIssue result = issue(
                PreflightCode::ExecutableMissing,
                QStringLiteral("The llama-server executable %1 does not exist.").arg(shown(resolved)),
                configuredInfo.isDir()
                        ? QStringLiteral(
                                  "The folder %1 holds no %2: choose the program itself, or the folder of a llama.cpp "
                                  "build that has it (build/bin).")
                                  .arg(shown(trimmed), executableFileName())
                        : QStringLiteral(
                                "Choose the llama-server program, or the folder that holds it, in Settings."));
        result.candidates = findExecutableCandidates(search);
        return result;
    }
    if (info.isDir() || !info.isExecutable())
        return issue(PreflightCode::ExecutableNotExecutable,
                     QStringLiteral("%1 is not executable.").arg(shown(resolved)), notExecutableHint(info));
    return std::nullopt;
}

PreflightIssue portOutOfRange(int port)
{
    return issue(PreflightCode::PortOutOfRange,
                 QStringLiteral("Port %1 is out of range (1–65535).").arg(port),
                 QStringLiteral("Choose a port from 1024 to 65535, or 0 to let Llamadesk pick a free one."));
}

PreflightIssue cannotListen(const QString &host, int port, QString error)
{
    // Qt says "The address is not available"; it goes after a colon here.
    if (!error.isEmpty())
        error[0] = error.at(0).toLower();
    const QString message = port == 0
            ? QStringLiteral("No port on %1 can be used: %2.").arg(host, error)
            : QStringLiteral("Port %1 on %2 cannot be used: %3.").arg(QString::number(port), host, error);
    return issue(PreflightCode::CannotListen, message,
                 port > 0 && port < 1024
                         ? QStringLiteral("Ports below 1024 need administrator rights: choose a port from 1024 up.")
                         : QStringLiteral("Listen on 127.0.0.1, or on an address this computer has."));
}

void describePortBusy(PreflightIssue &result, const QString &host, int port)
{
    const QString where = QStringLiteral("Port %1 on %2 is in use by ").arg(QString::number(port), host);
    result.message = where
            + (result.portOwner ? QStringLiteral("%1 (pid %2).")
                                          .arg(result.portOwner->name, QString::number(result.portOwner->pid))
                                : QStringLiteral("another program."));
    result.hint = result.suggestedPort
            ? QStringLiteral("Use port %1.").arg(*result.suggestedPort)
            : QStringLiteral("Choose another port in Settings, or 0 to let Llamadesk pick a free one.");
}

PreflightIssue portBusy(const QString &host, int port, PortOwnerSearch ownerSearch)
{
    PreflightIssue result;
    result.code = PreflightCode::PortBusy;
    if (ownerSearch == PortOwnerSearch::Now)
        result.portOwner = findPortOwner(port);
    result.suggestedPort = nextFreePort(host, port);
    describePortBusy(result, host, port);
    return result;
}
} // namespace

QString llamaCppReleasesUrl()
{
    return QStringLiteral("https://github.com/ggml-org/llama.cpp/releases");
}

bool hasGgufMagic(const QString &path)
{
    return checkGgufFile(path) == FileCheck::Ok;
}

std::optional<PreflightIssue> checkConfig(const ServerConfig &config, const ExecutableSearch &search)
{
    if (auto problem = checkExecutable(config.executable, search))
        return problem;

    if (config.model.isEmpty())
        return issue(PreflightCode::NoModel, QStringLiteral("No model is selected."),
                     QStringLiteral("Choose a GGUF model file in Settings."));
    const GgufRole model{QStringLiteral("model"), PreflightCode::ModelMissing, PreflightCode::ModelUnreadable,
                         PreflightCode::ModelNotGguf};
    if (auto problem = checkGguf(config.model, model))
        return problem;

    if (!config.mmproj.isEmpty()) {
        const GgufRole mmproj{QStringLiteral("multimodal projector"), PreflightCode::MmprojMissing,
                              PreflightCode::MmprojUnreadable, PreflightCode::MmprojNotGguf};
        if (auto problem = checkGguf(config.mmproj, mmproj))
            return problem;
    }

    if (config.port != 0 && !isValidPort(config.port))
        return portOutOfRange(config.port);

    const QString host = listenHost(config.host);
    if (!isLoopbackHost(host) && config.apiKey.trimmed().isEmpty())
        return issue(
                PreflightCode::RemoteHostWithoutKey,
                QStringLiteral(
                        "llama-server would listen on %1, which other computers can reach, without an API key.")
                        .arg(host),
                QStringLiteral("Generate an API key in Settings, or listen on 127.0.0.1 only."));
    return std::nullopt;
}

std::variant<int, PreflightIssue> resolvePort(const ServerConfig &config, PortOwnerSearch ownerSearch)
{
    const QString host = listenHost(config.host);
    if (config.port == 0) {
        if (const std::optional<int> port = anyFreePort(host))
            return *port;
        const PortProbeResult probe = probePort(host, 0);
        if (probe.status == PortStatus::Unavailable)
            return cannotListen(host, 0, probe.error);
        return issue(PreflightCode::NoFreePort,
                     QStringLiteral("No free port could be found on %1.").arg(host),
                     QStringLiteral("Close programs that hold many ports, or choose a port in Settings."));
    }
    if (!isValidPort(config.port))
        return portOutOfRange(config.port);
    const PortProbeResult probe = probePort(host, config.port);
    switch (probe.status) {
    case PortStatus::Free:
        return config.port;
    case PortStatus::InUse:
        return portBusy(host, config.port, ownerSearch);
    case PortStatus::Unavailable:
        break;
    }
    return cannotListen(host, config.port, probe.error);
}

PreflightIssue withPortOwner(const ServerConfig &config, PreflightIssue issue, const std::optional<PortOwner> &owner)
{
    if (issue.code != PreflightCode::PortBusy)
        return issue;
    issue.portOwner = owner;
    describePortBusy(issue, listenHost(config.host), config.port);
    return issue;
}

bool isLoopbackHost(const QString &host)
{
    const QString literal = hostWithoutBrackets(host);
    if (literal.compare(u"localhost", Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(literal);
    return !address.isNull() && address.isLoopback();
}

// Letters and digits only: 0.4.0/0.5.0 split a key at commas, and such a key survives any header,
// shell or INI file unquoted. 43 characters from 62 are 256 bits.
QString generateApiKey()
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static constexpr int alphabetSize = sizeof(alphabet) - 1;
    QString key(43, Qt::Uninitialized);
    QRandomGenerator *random = QRandomGenerator::system();
    for (QChar &c : key)
        c = QLatin1Char(alphabet[random->bounded(alphabetSize)]);
    return key;
}

PreflightIssue notLlamaServerIssue(const QString &executable, const QString &probeError,
                                   const ExecutableSearch &search)
{
    PreflightIssue result = issue(
            PreflightCode::NotLlamaServer, probeError,
            QStringLiteral("Choose the llama-server program of a llama.cpp build, or download one from %1.")
                    .arg(llamaCppReleasesUrl()));
    const QString rejected = QFileInfo(executable).canonicalFilePath();
    const QStringList found = findExecutableCandidates(search);
    for (const QString &candidate : found) {
        if (rejected.isEmpty() || QFileInfo(candidate).canonicalFilePath() != rejected)
            result.candidates.append(candidate);
    }
    return result;
}
} // namespace Llamadesk
