#include "app/commandline.h"

#include "core/settingkeys.h"
#include "core/settings.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>

namespace Llamadesk
{
namespace
{
QString tr(const char *text)
{
    return QCoreApplication::translate("CommandLine", text);
}

QString helpText(const QCommandLineParser &parser, const QString &program)
{
    // QCommandLineParser::helpText() wants an application object for the program name;
    // build the same text without one.
    QString text = tr("Usage: %1 [options]").arg(program) + u'\n';
    text += tr("Llamadesk: a local LLM one keystroke away. It runs llama.cpp's llama-server for you.") + u"\n\n";
    text += parser.helpText().section(u'\n', 2);
    text += u'\n' + tr("Settings given here are saved, as if set in the settings dialog.") + u'\n';
    text += u'\n' + tr("Commands (no window is opened):") + u'\n';
    text += tr("  %1 models list        The GGUF models on this computer, in the folders Llamadesk looks in.")
                    .arg(program)
            + u'\n';
    text += tr("  %1 models info FILE   What a GGUF file says about itself.").arg(program) + u'\n';
    return text;
}
} // namespace

QStringList logLevelNames()
{
    return {QStringLiteral("trace"), QStringLiteral("debug"), QStringLiteral("info"), QStringLiteral("warning"),
            QStringLiteral("error"), QStringLiteral("critical"), QStringLiteral("off")};
}

QString versionText()
{
    return QStringLiteral("Llamadesk %1\nQt %2 (built against %3)\n")
        .arg(QStringLiteral(LLAMADESK_VERSION), QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR));
}

CommandLine parseCommandLine(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, tr("Show this help and exit."));
    const QCommandLineOption version({QStringLiteral("v"), QStringLiteral("version")}, tr("Show the version and exit."));
    const QCommandLineOption settingsFile(QStringLiteral("settings"),
                                          tr("Read and write settings in FILE instead of %1.")
                                              .arg(Settings::defaultFilePath()),
                                          QStringLiteral("FILE"));
    const QCommandLineOption serverExe(QStringLiteral("server-exe"),
                                       tr("The llama-server program, or the folder that holds it."),
                                       QStringLiteral("PATH"));
    const QCommandLineOption model(QStringLiteral("model"), tr("The GGUF model to load."), QStringLiteral("PATH"));
    const QCommandLineOption port(QStringLiteral("port"), tr("The port llama-server listens on (0: any free port)."),
                                  QStringLiteral("N"));
    const QCommandLineOption logLevel(QStringLiteral("log-level"),
                                      tr("How much to log: %1. Default: info.").arg(logLevelNames().join(u", ")),
                                      QStringLiteral("LEVEL"), QStringLiteral("info"));
    parser.addOptions({help, version, settingsFile, serverExe, model, port, logLevel});

    CommandLine result;
    const QString program = arguments.isEmpty() ? QStringLiteral("llamadesk")
                                                : QFileInfo(arguments.constFirst()).fileName();
    auto fail = [&](const QString &message) {
        result.action = CommandLine::Action::Error;
        result.text = message + u'\n' + tr("Try '%1 --help' for the options.").arg(program) + u'\n';
        return result;
    };

    if (!parser.parse(arguments))
        return fail(parser.errorText());
    const QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty() && positional.constFirst() == u"models") {
        const QString sub = positional.value(1, QStringLiteral("list"));
        if (sub == u"list" && positional.size() <= 2) {
            result.action = CommandLine::Action::Models;
            result.models.kind = ModelsCommand::Kind::List;
            return result;
        }
        if (sub == u"info" && positional.size() == 3) {
            result.action = CommandLine::Action::Models;
            result.models.kind = ModelsCommand::Kind::Info;
            result.models.file = positional.at(2);
            return result;
        }
        if (sub == u"info")
            return fail(tr("Usage: %1 models info FILE").arg(program));
        return fail(tr("Unknown models command '%1': use 'models list' or 'models info FILE'.")
                            .arg(positional.mid(1).join(u' ')));
    }
    if (!positional.isEmpty())
        return fail(tr("Unexpected argument: %1").arg(positional.constFirst()));
    if (parser.isSet(help)) {
        result.action = CommandLine::Action::ShowHelp;
        result.text = helpText(parser, program);
        return result;
    }
    if (parser.isSet(version)) {
        result.action = CommandLine::Action::ShowVersion;
        result.text = versionText();
        return result;
    }

    CommandLineOptions &options = result.options;
    options.settingsFile = parser.value(settingsFile);
    options.serverExecutable = parser.value(serverExe);
    options.model = parser.value(model);
    if (parser.isSet(port)) {
        const QString text = parser.value(port);
        if (const auto error = Settings::validate(Keys::ServerPort.toString(), text))
            return fail(tr("Invalid --port '%1': %2.").arg(text, *error));
        options.port = text.toInt();
    }
    options.logLevel = parser.value(logLevel).toLower();
    if (options.logLevel == u"warn")
        options.logLevel = QStringLiteral("warning");
    if (!logLevelNames().contains(options.logLevel))
        return fail(tr("Invalid --log-level '%1': use one of %2.")
                        .arg(parser.value(logLevel), logLevelNames().join(u", ")));
    return result;
}
} // namespace Llamadesk
