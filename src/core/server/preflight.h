#pragma once

#include "core/server/executablelocator.h"
#include "core/server/portowner.h"
#include "core/server/serverconfig.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

namespace Llamadesk
{
// What can be known to be wrong before llama-server is spawned, each with a message that names
// the file, port or host concerned and a hint that says what fixes it.
enum class PreflightCode {
    NoExecutable,
    ExecutableMissing,
    ExecutableNotExecutable,
    NotLlamaServer, // from VersionProbe, through notLlamaServerIssue()
    NoModel,
    ModelMissing,
    ModelUnreadable,
    ModelNotGguf,
    MmprojMissing,
    MmprojUnreadable,
    MmprojNotGguf,
    PortOutOfRange,
    PortBusy,
    RemoteHostWithoutKey,
    NoFreePort,
    CannotListen, // the host is not an address of this computer, or the port needs privileges
};

struct PreflightIssue
{
    PreflightCode code = PreflightCode::NoExecutable;
    QString message;                    // one sentence naming the path, port or host
    QString hint;                       // what to do about it
    std::optional<int> suggestedPort;   // PortBusy: the next free port ("Use port N.")
    std::optional<PortOwner> portOwner; // PortBusy: who holds the port, when the OS tells
    QStringList candidates;             // NoExecutable: what findExecutableCandidates() found

    bool operator==(const PreflightIssue &) const = default;
};

// Where llama.cpp's release builds are downloaded from.
QString llamaCppReleasesUrl();

// The first 4 bytes of the file are "GGUF".
bool hasGgufMagic(const QString &path);

// The synchronous checks, in this order: executable (resolve, exists, is executable), model,
// mmproj, port range, host/API key. Reads at most 4 bytes of each file; runs nothing, binds nothing.
std::optional<PreflightIssue> checkConfig(const ServerConfig &config,
                                          const ExecutableSearch &search = defaultExecutableSearch());

// Whether resolvePort looks for a busy port's owner itself (Now: reads /proc/*/fd, which takes
// time on a machine with many processes) or leaves that to the caller (Later: withPortOwner()).
enum class PortOwnerSearch { Now, Later };

// config.port == 0: a port the OS picks (NoFreePort when none). Otherwise the configured port when
// it can be bound, else PortBusy (with suggestedPort, and portOwner when searched Now),
// PortOutOfRange or CannotListen.
std::variant<int, PreflightIssue> resolvePort(const ServerConfig &config,
                                              PortOwnerSearch ownerSearch = PortOwnerSearch::Now);
// A PortBusy issue of resolvePort(config, Later) with the owner found since named in its message;
// other issues unchanged.
PreflightIssue withPortOwner(const ServerConfig &config, PreflightIssue issue, const std::optional<PortOwner> &owner);

// 127.0.0.0/8, ::1 (with or without brackets), "localhost".
bool isLoopbackHost(const QString &host);

// A new API key: 43 letters and digits (256 bits) from QRandomGenerator::system().
QString generateApiKey();

// VersionProbe's error about `executable --version` as an issue to show like the others, with the
// other llama-server binaries found as candidates.
PreflightIssue notLlamaServerIssue(const QString &executable, const QString &probeError,
                                   const ExecutableSearch &search = defaultExecutableSearch());
} // namespace Llamadesk
