// A stand-in for the app in the no-orphan test: runs a ServerSupervisor with the platform's
// process guard, prints the server's pid once it runs, and waits to be killed.
#include "platform/platformfactory.h"
#include "core/server/processguard.h"
#include "core/server/serversupervisor.h"

#include <QCoreApplication>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // Standard output carries only the pid line the test reads.
    spdlog::set_default_logger(spdlog::stderr_color_mt("host"));
    const QStringList args = QCoreApplication::arguments();
    if (args.size() != 3) {
        std::fprintf(stderr, "usage: supervisor_host LLAMA_SERVER MODEL\n");
        return 2;
    }
    const auto guard = Llamadesk::Platform::createProcessGuard();
    Llamadesk::ServerSupervisor supervisor(guard.get());
    Llamadesk::ServerConfig config;
    config.executable = args.at(1);
    config.model = args.at(2);
    config.port = 0;
    supervisor.setConfig(config);
    QObject::connect(&supervisor, &Llamadesk::ServerSupervisor::stateChanged, &app,
                     [&](Llamadesk::ServerState state, const QString &reason) {
                         if (state == Llamadesk::ServerState::Running) {
                             std::printf("PID %lld\n", static_cast<long long>(supervisor.processId()));
                             std::fflush(stdout);
                         } else if (state == Llamadesk::ServerState::Failed) {
                             std::fprintf(stderr, "failed: %s\n", qPrintable(reason));
                             QCoreApplication::exit(1);
                         }
                     });
    supervisor.start();
    return QCoreApplication::exec();
}
