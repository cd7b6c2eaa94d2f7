#include "launchplan.h"

#include "server/executablelocator.h"
#include "server/portprobe.h"

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
constexpr std::array<ManagedOption, 5> ManagedOptions{{
        {{u"-m", u"--model"}, u"Model"},
        {{u"-mm", u"--mmproj"}, u"Multimodal projector"},
        {{u"--host", nullptr}, u"Host"},
        {{u"--port", nullptr}, u"Port"},
        {{u"--api-key", u"--api-key-file"}, u"API key"},
}};

// The environment variables llama.cpp reads for the managed options.
constexpr std::array<const char16_t *, 6> ManagedVariables{
        u"LLAMA_ARG_MODEL", u"LLAMA_ARG_MMPROJ", u"LLAMA_ARG_HOST",
        u"LLAMA_ARG_PORT",  u"LLAMA_API_KEY",    u"LLAMA_ARG_API_KEY_FILE",
};

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

std::optional<QString> managedOptionIn(const QStringList &extra)
{
    for (QString token : extra) {
        // llama.cpp reads "--api_key" as "--api-key".
        if (token.startsWith(u"--"))
            token.replace(u'_', u'-');
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
        parts.append(hideNext ? QStringLiteral("***") : shellQuoted(argument));
        hideNext = argument == u"-hft" || argument == u"--hf-token";
    }
    return parts.join(u' ');
}

std::variant<LaunchPlan, QString> buildLaunchPlan(const ServerConfig &config, int port,
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

    plan.host = listenHost(config.host);
    plan.port = port;
    plan.workingDirectory = QFileInfo(plan.program).absolutePath();

    plan.arguments << QStringLiteral("-m") << absolutePath(config.model);
    if (!config.mmproj.isEmpty())
        plan.arguments << QStringLiteral("--mmproj") << absolutePath(config.mmproj);
    plan.arguments << QStringLiteral("--host") << plan.host << QStringLiteral("--port")
                   << QString::number(port) << QStringLiteral("-c") << QString::number(config.contextSize);
    if (config.parallel > 0)
        plan.arguments << QStringLiteral("-np") << QString::number(config.parallel);
    plan.arguments << QStringLiteral("-ngl")
                   << QString::number(config.gpuLayers == -1 ? 999 : config.gpuLayers);
    plan.arguments << extra;

    plan.environment = base;
    for (const char16_t *variable : ManagedVariables)
        plan.environment.remove(QStringView(variable).toString());
    const QString key = config.apiKey.trimmed();
    if (!key.isEmpty())
        plan.environment.insert(ApiKeyVariable, key);
    return plan;
}
} // namespace Llamadesk
