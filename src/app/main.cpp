#include "application/app.h"
#include "core/apppaths.h"
#include "app/commandline.h"
#include "app/logging.h"
#include "ui/mainwindow.h"
#include "core/qtfmt.h"
#include "core/settingkeys.h"
#include "core/settings.h"

#include <QApplication>
#include <QStandardPaths>
#include <QDir>
#include <QFileInfo>
#include <QIcon>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace
{
void print(std::FILE *stream, const QString &text)
{
    std::fputs(text.toLocal8Bit().constData(), stream);
}

// Options given on the command line are saved, as if set in the settings dialog.
void applyOverrides(Llamadesk::Settings &settings, const Llamadesk::CommandLineOptions &options)
{
    using namespace Llamadesk;
    auto apply = [&](const QString &key, const QVariant &value) {
        if (const auto error = settings.setValue(key, value))
            spdlog::error("Command line: {}", *error);
    };
    if (!options.serverExecutable.isEmpty())
        apply(Keys::ServerExecutable.toString(), QFileInfo(options.serverExecutable).absoluteFilePath());
    if (!options.model.isEmpty())
        apply(Keys::ServerModel.toString(), QFileInfo(options.model).absoluteFilePath());
    if (options.port)
        apply(Keys::ServerPort.toString(), *options.port);
}
} // namespace

// Everything the app is, alive while the event loop runs and destroyed (the window, the chat
// store, the server stopped) before main() ends.
int run(const Llamadesk::CommandLineOptions &options)
{
    Llamadesk::Logging::initialize(options.logLevel);
    const QString settingsPath = options.settingsFile.isEmpty() ? Llamadesk::Settings::defaultFilePath()
                                                                : QFileInfo(options.settingsFile).absoluteFilePath();
    spdlog::info("Llamadesk {} starting; settings in {}, logs in {}", LLAMADESK_VERSION, settingsPath,
                 Llamadesk::Logging::defaultDirectory());

    // Folders an earlier version made under the user's umask (0755) are made private to their
    // owner; new ones are created 0700 (Settings, ChatStore, Logging). A folder named on the
    // command line is the user's business and left alone.
    if (options.settingsFile.isEmpty())
        Llamadesk::AppPaths::tightenExisting(QFileInfo(settingsPath).absolutePath());
    Llamadesk::AppPaths::tightenExisting(QFileInfo(Llamadesk::ChatStore::defaultPath()).absolutePath());

    Llamadesk::AppOptions appOptions;
    appOptions.settingsFile = settingsPath;
    appOptions.logDirectory = Llamadesk::Logging::defaultDirectory();
    Llamadesk::App app(std::move(appOptions));
    applyOverrides(app.settings(), options);

    Llamadesk::MainWindow window(app);
    window.show();
    // Not set up yet: the dot stays grey (unknown) and its tooltip says what to do. Set up but
    // not started automatically: red, stopped. The server starts once its API key is read from
    // the keychain, so that it never runs without one.
    app.start();
    return QApplication::exec();
}

int main(int argc, char *argv[])
{
    QCoreApplication::setApplicationName(QStringLiteral("llamadesk"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LLAMADESK_VERSION));

    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    // --help and --version are answered before any window system is touched.
    const Llamadesk::CommandLine commandLine = Llamadesk::parseCommandLine(arguments);
    switch (commandLine.action) {
    case Llamadesk::CommandLine::Action::ShowHelp:
    case Llamadesk::CommandLine::Action::ShowVersion:
        print(stdout, commandLine.text);
        return 0;
    case Llamadesk::CommandLine::Action::Error:
        print(stderr, commandLine.text);
        return 2;
    case Llamadesk::CommandLine::Action::Models: {
        // No display: a core application, the same library code as the window's picker.
        QCoreApplication core(argc, argv);
        // The folders the window's library reads: the machine's and the user's (models/folders).
        const Llamadesk::Settings settings(Llamadesk::Settings::defaultFilePath());
        const QStringList own = settings.get(Llamadesk::Keys::ModelsFolders).split(u'\n', Qt::SkipEmptyParts);
        const Llamadesk::CommandOutput output = Llamadesk::runModelsCommand(
                commandLine.models, Llamadesk::modelFolders(Llamadesk::ModelFolderEnvironment::current(own)),
                QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QStringLiteral("/models.json"));
        print(stdout, output.out);
        print(stderr, output.err);
        return output.exitCode;
    }
    case Llamadesk::CommandLine::Action::Run:
        break;
    }

    QApplication app(argc, argv);
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Llamadesk"));
    QGuiApplication::setDesktopFileName(QStringLiteral("llamadesk"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/llamadesk.svg")));

    const int status = run(commandLine.options);
    spdlog::info("Llamadesk exiting with status {}", status);
    Llamadesk::Logging::shutdown();
    // Everything of ours is destroyed and flushed by now. Qt 6.4's PulseAudio backend can abort in
    // libpulse while its global state is torn down after main(); nothing is left to lose, so the
    // process ends here instead.
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(status);
}
