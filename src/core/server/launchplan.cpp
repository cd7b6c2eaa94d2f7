#include "core/server/launchplan.h"

#include "core/models/modelname.h"
#include "core/server/executablelocator.h"
#include "core/server/portprobe.h"

#include <QFileInfo>
#include <QHostAddress>
#include <QProcess>

#include <algorithm>
#include <array>
#include <optional>

namespace Llamadesk
{
namespace
{
struct ManagedOption
{
    std::array<const char16_t *, 2> names; // nullptr where there is no second spelling
    const char16_t *setting;
};

// Options whose value Llamadesk passes itself; a second one in the extra arguments would make
// the server disagree with what the app shows and checks.
constexpr std::array<ManagedOption, 6> ManagedOptions{{
        {{u"-m", u"--model"}, u"Model"},
        {{u"-mm", u"--mmproj"}, u"Multimodal projector"},
        {{u"--host", nullptr}, u"Host"},
        {{u"--port", nullptr}, u"Port"},
        {{u"--api-key", u"--api-key-file"}, u"API key"},
        {{u"-a", u"--alias"}, u"Model"},
}};

// Options that move the log off stderr or change the line form the app parses.
constexpr std::array<const char16_t *, 8> LogFormatOptions{
        u"--log-disable",    u"--log-jsonl",        u"--no-log-jsonl",     u"--log-prefix",
        u"--no-log-prefix",  u"--log-timestamps",   u"--no-log-timestamps", u"--log-colors",
};

// The environment variables llama.cpp reads for the managed options.
constexpr std::array<const char16_t *, 12> ManagedVariables{
        u"LLAMA_ARG_MODEL",     u"LLAMA_ARG_MMPROJ",      u"LLAMA_ARG_HOST",
        u"LLAMA_ARG_PORT",      u"LLAMA_API_KEY",         u"LLAMA_ARG_API_KEY_FILE",
        u"LLAMA_ARG_ALIAS",     u"LLAMA_ARG_CTX_SIZE",    u"LLAMA_ARG_N_PARALLEL",
        u"LLAMA_ARG_N_GPU_LAYERS", u"LLAMA_ARG_JINJA",    u"LLAMA_ARG_NO_JINJA",
};
// Prefixes of the variables that move or reshape the log (LLAMA_ARG_LOG_JSONL sends every line
// to stdout as JSON; b7347 spells them LLAMA_LOG_*).
constexpr std::array<const char16_t *, 2> LogVariablePrefixes{u"LLAMA_ARG_LOG_", u"LLAMA_LOG_"};

const QString ApiKeyVariable = QStringLiteral("LLAMA_API_KEY");

bool isOption(const QString &token, const char16_t *name)
{
    if (!name)
        return false;
    const QStringView option(name);
    // "--port=8080" is refused as well: whichever way a llama.cpp build reads it, it names a managed option.
    return token == option
            || (token.startsWith(option) && token.size() > option.size() && token.at(option.size()) == u'=');
}

// llama.cpp reads "--api_key" as "--api-key"; "--port=8080" names --port.
QString flagOf(QString token)
{
    if (token.startsWith(u"--"))
        token.replace(u'_', u'-');
    const qsizetype equals = token.indexOf(u'=');
    return equals < 0 ? token : token.left(equals);
}

bool looksLikeFlag(const QString &token)
{
    if (!token.startsWith(u'-') || token.size() < 2)
        return false;
    bool number = false;
    token.toDouble(&number); // "-1" is a value
    return !number;
}

std::optional<QString> managedOptionIn(const QStringList &extra)
{
    for (const QString &raw : extra) {
        const QString token = raw.startsWith(u"--") ? QString(raw).replace(u'_', u'-') : raw;
        for (const char16_t *name : LogFormatOptions) {
            if (isOption(token, name)) {
                return QStringLiteral("The extra arguments contain %1, which changes the log Llamadesk reads "
                                      "to follow the server: remove it.")
                        .arg(QStringView(name).toString());
            }
        }
        for (const ManagedOption &managed : ManagedOptions) {
            for (const char16_t *name : managed.names) {
                if (isOption(token, name)) {
                    return QStringLiteral(
                                   "The extra arguments contain %1, which Llamadesk sets itself: use the %2 "
                                   "setting instead.")
                            .arg(QStringView(name).toString(), QStringView(managed.setting).toString());
                }
            }
        }
    }
    return std::nullopt;
}

// An extra argument the binary does not list in its --help would make it exit at once.
std::optional<QString> unknownFlagIn(const QStringList &extra, const ServerFlags &flags)
{
    for (const QString &token : extra) {
        if (!looksLikeFlag(token))
            continue;
        const QString flag = flagOf(token);
        if (flags.knows(flag))
            continue;
        const QString replacement = replacementForRemovedFlag(flag);
        if (!replacement.isEmpty()) {
            return QStringLiteral("This llama-server no longer has %1 (it was removed from llama.cpp): use %2 in the "
                                  "extra arguments instead.")
                    .arg(flag, replacement);
        }
        return QStringLiteral("This llama-server does not know the extra argument %1 and would exit at once: "
                              "remove it, or check its spelling against 'llama-server --help'.")
                .arg(flag);
    }
    return std::nullopt;
}

QString absolutePath(const QString &path)
{
    return QFileInfo(path).absoluteFilePath();
}

bool isSafeForShell(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
            || QStringView(u"_-+=.,:/@%").contains(c);
}
} // namespace

QString shellQuoted(const QString &argument)
{
    if (!argument.isEmpty() && std::all_of(argument.cbegin(), argument.cend(), isSafeForShell))
        return argument;
    QString quoted = argument;
    quoted.replace(u'\'', QStringLiteral("'\\''"));
    return u'\'' + quoted + u'\'';
}

QUrl LaunchPlan::baseUrl() const
{
    QString address = hostWithoutBrackets(host);
    const QHostAddress literal(address);
    if (literal == QHostAddress(QHostAddress::AnyIPv4))
        address = QStringLiteral("127.0.0.1");
    else if (literal == QHostAddress(QHostAddress::AnyIPv6))
        address = QStringLiteral("::1");
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(address);
    url.setPort(port);
    return url;
}

QString LaunchPlan::displayCommandLine() const
{
    QStringList parts{shellQuoted(program)};
    bool hideNext = false;
    for (const QString &argument : arguments) {
        if (hideNext) {
            parts.append(QStringLiteral("***"));
            hideNext = false;
            continue;
        }
        // The token given as one argument ("--hf-token=hf_…") keeps its flag, as written.
        bool hidden = false;
        for (const QString &flag : {QStringLiteral("--hf-token"), QStringLiteral("-hft")}) {
            if (argument == flag) {
                hideNext = true;
            } else if (argument.startsWith(QString(flag + u'='))) {
                parts.append(QString(flag + QStringLiteral("=***")));
                hidden = true;
            }
        }
        if (!hidden)
            parts.append(shellQuoted(argument));
    }
    return parts.join(u' ');
}

std::variant<LaunchPlan, QString> buildLaunchPlan(const ServerConfig &config, int port,
                                                  const std::optional<ServerFlags> &flags,
                                                  const QProcessEnvironment &base)
{
    LaunchPlan plan;
    plan.program = resolveExecutable(config.executable);
    if (plan.program.isEmpty()) {
        if (config.executable.trimmed().isEmpty())
            return QStringLiteral("No llama-server is configured, and there is none on PATH.");
        return QStringLiteral("The llama-server executable %1 is not on PATH.")
                .arg(config.executable.trimmed());
    }
    if (!isValidPort(port))
        return QStringLiteral("Port %1 is out of range (1–65535).").arg(port);
    if (config.model.isEmpty())
        return QStringLiteral("No model is selected.");

    const QStringList extra = QProcess::splitCommand(config.extraArgs);
    if (std::optional<QString> conflict = managedOptionIn(extra))
        return *conflict;
    if (flags) {
        if (std::optional<QString> unknown = unknownFlagIn(extra, *flags))
            return *unknown;
    }

    plan.host = listenHost(config.host);
    plan.port = port;
    plan.workingDirectory = QFileInfo(plan.program).absolutePath();
    plan.alias = modelAlias(config.model);

    // A managed option this binary lacks is left out (it would refuse to start) and noted.
    const auto add = [&](const QString &flag, const QString &value, const QString &what) {
        if (flags && !flags->knows(flag)) {
            plan.notes.append(QStringLiteral("This llama-server has no %1 option; %2 is left to its default.")
                                      .arg(flag, what));
            return;
        }
        plan.arguments << flag;
        if (!value.isNull())
            plan.arguments << value;
    };
    plan.arguments << QStringLiteral("-m") << absolutePath(config.model);
    if (!config.mmproj.isEmpty()) {
        add(QStringLiteral("--mmproj"), absolutePath(config.mmproj), QStringLiteral("the projector"));
    }
    plan.arguments << QStringLiteral("--host") << plan.host << QStringLiteral("--port") << QString::number(port);
    add(QStringLiteral("-c"), QString::number(config.contextSize), QStringLiteral("the context size"));
    if (config.parallel > 0)
        add(QStringLiteral("-np"), QString::number(config.parallel), QStringLiteral("the number of slots"));
    if (config.gpuLayers == ServerConfig::GpuLayersAll) {
        const bool words = flags && flags->gpuLayersTakeWords;
        add(QStringLiteral("-ngl"), words ? QStringLiteral("all") : QStringLiteral("999"),
            QStringLiteral("the GPU layers"));
    } else if (config.gpuLayers >= 0) {
        add(QStringLiteral("-ngl"), QString::number(config.gpuLayers), QStringLiteral("the GPU layers"));
    }
    if (!plan.alias.isEmpty())
        add(QStringLiteral("--alias"), plan.alias, QStringLiteral("the model's name in answers"));
    // Jinja templates separate reasoning from the answer and make tool calls work; b7347-era
    // builds that have it off by default get it switched on.
    if (flags && flags->knows(QStringLiteral("--jinja")) && !flags->jinjaByDefault)
        plan.arguments << QStringLiteral("--jinja");
    plan.arguments << extra;

    plan.environment = base;
    for (const char16_t *variable : ManagedVariables)
        plan.environment.remove(QStringView(variable).toString());
    const QStringList names = plan.environment.keys();
    for (const QString &name : names) {
        for (const char16_t *prefix : LogVariablePrefixes) {
            if (name.startsWith(QStringView(prefix)))
                plan.environment.remove(name);
        }
    }
    const QString key = config.apiKey.trimmed();
    if (!key.isEmpty())
        plan.environment.insert(ApiKeyVariable, key);
    return plan;
}
} // namespace Llamadesk
