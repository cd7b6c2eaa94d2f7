#include "apppaths.h"
#include "chat/chatclient.h"
#include "chat/chatsession.h"
#include "chat/chatstore.h"
#include "chatpane.h"
#include "audiocapture.h"
#include "commandline.h"
#include "voiceinput.h"
#include "logging.h"
#include "mainwindow.h"
#include "globalhotkey.h"
#include "keychainsecretstore.h"
#include "platformfactory.h"
#include "screengrabber.h"
#include "screenshotcontroller.h"
#include "secrets/serverkey.h"
#include "server/processguard.h"
#include "server/serversupervisor.h"
#include "qtfmt.h"
#include "settingkeys.h"
#include "settings.h"

#include <QApplication>
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

    Llamadesk::Settings settings(settingsPath);
    applyOverrides(settings, options);
    // The server always has a key; the system keychain keeps it (the settings file when no keychain
    // answers). The store is chosen here and nowhere else.
    Llamadesk::KeychainSecretStore secrets(QStringLiteral("llamadesk"));
    Llamadesk::ServerKey serverKey(settings, secrets);

    const std::unique_ptr<Llamadesk::ProcessGuard> guard = Llamadesk::Platform::createProcessGuard();
    spdlog::info("Child processes are guarded by {}", guard->description());
    Llamadesk::ServerSupervisor supervisor(guard.get());
    // Every start (autostart, the settings' Start, a banner's Retry) waits until the key is there.
    serverKey.holdStartsUntilReady(supervisor);

    Llamadesk::ChatStore store(Llamadesk::ChatStore::defaultPath());
    QStringList problems = settings.loadWarnings();
    if (!store.open())
        problems.append(QCoreApplication::translate("main", "Conversations cannot be saved: %1").arg(store.lastError()));
    else if (!store.openNotice().isEmpty())
        problems.append(store.openNotice());
    if (const int interrupted = store.recoverInterrupted(); interrupted > 0)
        spdlog::info("{} answer(s) were cut off when Llamadesk last stopped; marked as interrupted", interrupted);
    Llamadesk::ChatClient client;
    Llamadesk::ChatSession session(store, client, settings);
    auto *chatPane = new Llamadesk::ChatPane(store, session, client, supervisor, settings);

    Llamadesk::MainWindow window(settings, supervisor, Llamadesk::Logging::defaultDirectory(), chatPane);
    window.reportSettingsWarnings(problems);
    // The whole file is checked off the GUI thread, after the window shows; damage is reported
    // in the banner and the file is moved aside at the next start (nothing deleted).
    QObject::connect(&store, &Llamadesk::ChatStore::integrityChecked, &window, [&window](const QString &problem) {
        if (!problem.isEmpty())
            window.reportSettingsWarnings({problem});
    });
    if (store.isOpen())
        store.startIntegrityCheck();

    Llamadesk::AudioCapture capture;
    capture.setDevice(settings.get(Llamadesk::Keys::AudioInputDevice).toUtf8());
    Llamadesk::MessageBoxClipPrompt clipPrompt(&window);
    Llamadesk::VoiceInput voice(capture, client, settings, clipPrompt);
    chatPane->setVoiceInput(&voice, capture.isAvailable());
    const std::unique_ptr<Llamadesk::GlobalHotkey> hotkey = Llamadesk::Platform::createGlobalHotkey();
    chatPane->setGlobalHotkey(hotkey.get());
    const std::unique_ptr<Llamadesk::ScreenGrabber> grabber = Llamadesk::Platform::createScreenGrabber();
    Llamadesk::ScreenshotController screenshots(*grabber, settings, &window);
    chatPane->setScreenshots(&screenshots);
    const std::unique_ptr<Llamadesk::GlobalHotkey> screenshotHotkey =
            Llamadesk::Platform::createGlobalHotkey(QKeyCombination(Qt::ControlModifier | Qt::ShiftModifier, Qt::Key_S));
    chatPane->setScreenshotHotkey(screenshotHotkey.get());
    QObject::connect(&settings, &Llamadesk::Settings::changed, &capture, [&](const QString &key) {
        if (key == Llamadesk::Keys::AudioInputDevice.toString())
            capture.setDevice(settings.get(Llamadesk::Keys::AudioInputDevice).toUtf8());
    });
    window.show();

    using Llamadesk::Keys::ServerAutostart;
    using Llamadesk::Keys::ServerModel;
    // Not set up yet: the dot stays grey (unknown) and its tooltip says what to do. Set up but
    // not started automatically: red, stopped.
    // The key is read asynchronously (the keychain answers over D-Bus); the server starts once
    // it is there, so that it never runs without one.
    QObject::connect(&serverKey, &Llamadesk::ServerKey::ready, &supervisor, [&] {
        if (settings.get(ServerModel).isEmpty())
            return;
        if (settings.get(ServerAutostart))
            supervisor.start();
        else
            supervisor.stop();
    }, Qt::SingleShotConnection);
    serverKey.load();

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
