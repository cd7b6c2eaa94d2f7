#pragma once

#include "core/server/serverconfig.h"
#include "core/server/serverflags.h"

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>
#include <variant>

namespace Llamadesk
{
// Everything needed to spawn llama-server: no shell is involved, and the API key travels in the
// environment (LLAMA_API_KEY), never on the command line, where any local user could read it.
struct LaunchPlan
{
    QString program;                 // absolute path of the binary
    QStringList arguments;           // never a shell string
    QProcessEnvironment environment; // the base environment plus LLAMA_API_KEY when a key is set
    QString workingDirectory;        // the binary's folder (shared-library builds keep their .so files there)
    QString host;                    // where it will listen (--host)
    int port = 0;                    // resolved, never 0
    QString alias;                   // --alias: the model's name in the API (modelAlias())
    QStringList notes;               // for the server log: managed options this binary lacks

    // http://host:port, IPv6 hosts in brackets. A wildcard host (0.0.0.0, ::) is reached through
    // loopback (127.0.0.1, ::1): connecting to a wildcard address does not work everywhere.
    QUrl baseUrl() const;
    // The program and its arguments quoted like a POSIX shell would need them, for the log.
    // Holds no secret: the key is not an argument, and a --hf-token value is shown as "***".
    QString displayCommandLine() const;
};

// -m MODEL [--mmproj MMPROJ] --host H --port P -c CTX [-np N when parallel > 0] [-ngl ...]
// --alias NAME [--jinja], then config.extraArgs split with QProcess::splitCommand. Model and
// projector paths are made absolute (against the current folder, as preflight checked them),
// because the child runs in the binary's folder. -ngl: none for GpuLayersAuto, so that the server
// fits the model to free memory; "all" for GpuLayersAll where the binary takes words, else 999.
// --jinja only where the binary knows it and it is not already on by default.
// flags: what the binary's --help listed (std::nullopt: unknown, nothing is filtered). A managed
// option it lacks is left out and named in notes; an extra argument it does not know is refused
// with a sentence (for the removed --mmap, --no-mmap, --mlock, -dio: what replaces them).
// The environment is base without the LLAMA_ARG_* variables of the managed options, without
// those that move or reshape the log the app reads (LLAMA_ARG_LOG_*, LLAMA_LOG_*) and without
// LLAMA_API_KEY, then LLAMA_API_KEY=key when a key is set: a variable in the user's environment
// must not add a projector, demand a key Llamadesk does not know or send the log elsewhere.
// Fails with a message when the binary cannot be resolved, port is not 1..65535, no model is set,
// or the extra arguments hold an option Llamadesk manages (-m/--model, -mm/--mmproj, --host,
// --port, --api-key, --api-key-file, -a/--alias, the log format options): the message names it
// and the setting to use instead.
std::variant<LaunchPlan, QString>
buildLaunchPlan(const ServerConfig &config, int port, const std::optional<ServerFlags> &flags = std::nullopt,
                const QProcessEnvironment &base = QProcessEnvironment::systemEnvironment());

// "llama-server" → llama-server, "my model.gguf" → 'my model.gguf', "" → ''.
QString shellQuoted(const QString &argument);
} // namespace Llamadesk
