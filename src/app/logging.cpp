#include "app/logging.h"

#include "core/apppaths.h"
#include "core/qtfmt.h"

#include <QDir>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>
#include <vector>

namespace Llamadesk::Logging
{
namespace
{
constexpr std::size_t MaxFileSize = 5 * 1024 * 1024;
constexpr std::size_t MaxFiles = 3;

// Log lines may quote conversations and paths: the files are the user's alone. spdlog fopen()s
// them (0666 & ~umask) when it opens and when it starts a new file after a rotation; created
// empty with 0600 just before, they keep that mode. Files from earlier versions are tightened.
spdlog::file_event_handlers privateFiles()
{
    spdlog::file_event_handlers handlers;
    // Nothing here may log: after a rotation it runs inside the sink, under the sink's lock.
    // A failure shows when spdlog opens the file.
    handlers.before_open = [](const spdlog::filename_t &name) {
        (void)AppPaths::createPrivateFile(QString::fromStdString(name));
    };
    return handlers;
}

// llamadesk.log, llamadesk.1.log, … as spdlog's rotating sink names them.
void tightenLogFiles(const QString &directory, const QString &baseName)
{
    AppPaths::tightenExisting(QStringLiteral("%1/%2.log").arg(directory, baseName));
    for (std::size_t i = 1; i <= MaxFiles; ++i)
        AppPaths::tightenExisting(QStringLiteral("%1/%2.%3.log").arg(directory, baseName).arg(i));
}

spdlog::level::level_enum levelFromName(const QString &name)
{
    if (name == u"trace")
        return spdlog::level::trace;
    if (name == u"debug")
        return spdlog::level::debug;
    if (name == u"warning" || name == u"warn")
        return spdlog::level::warn;
    if (name == u"error")
        return spdlog::level::err;
    if (name == u"critical")
        return spdlog::level::critical;
    if (name == u"off")
        return spdlog::level::off;
    return spdlog::level::info;
}

void forwardQtMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const char *category = context.category ? context.category : "default";
    const bool plain = qstrcmp(category, "default") == 0;
    auto log = [&](spdlog::level::level_enum level) {
        if (plain)
            spdlog::log(level, "{}", message);
        else
            spdlog::log(level, "[{}] {}", category, message);
    };
    switch (type) {
    case QtDebugMsg:
        log(spdlog::level::debug);
        break;
    case QtInfoMsg:
        log(spdlog::level::info);
        break;
    case QtWarningMsg:
        log(spdlog::level::warn);
        break;
    case QtCriticalMsg:
        log(spdlog::level::err);
        break;
    case QtFatalMsg:
        log(spdlog::level::critical);
        spdlog::shutdown();
        std::abort();
    }
}
} // namespace

QString defaultDirectory()
{
    return AppPaths::logDirectory();
}

std::optional<QString> initialize(const QString &level, const QString &directory)
{
    std::vector<spdlog::sink_ptr> sinks;
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());

    std::optional<QString> problem;
    const QString filePath = directory + QStringLiteral("/llamadesk.log");
    if (const std::optional<QString> folderError = AppPaths::makePrivateDirectory(directory)) {
        problem = QStringLiteral("Could not create the log folder %1 (%2); logging to stderr only.")
                          .arg(directory, *folderError);
    } else {
        AppPaths::tightenExisting(directory);
        tightenLogFiles(directory, QStringLiteral("llamadesk"));
        tightenLogFiles(directory, QStringLiteral("llama-server"));
        try {
            sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                QDir::toNativeSeparators(filePath).toStdString(), MaxFileSize, MaxFiles, false, privateFiles()));
        } catch (const spdlog::spdlog_ex &error) {
            problem = QStringLiteral("Could not open the log file %1 (%2); logging to stderr only.")
                          .arg(filePath, QString::fromLocal8Bit(error.what()));
        }
    }

    // llama-server's own lines go to a file of their own, so that its request log does not
    // drown the app's.
    spdlog::drop(ServerLoggerName);
    if (!problem) {
        try {
            auto serverFile = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                QDir::toNativeSeparators(directory + QStringLiteral("/llama-server.log")).toStdString(), MaxFileSize,
                MaxFiles, false, privateFiles());
            auto serverLogger = std::make_shared<spdlog::logger>(ServerLoggerName, serverFile);
            serverLogger->set_pattern("%Y-%m-%d %H:%M:%S.%e %v");
            serverLogger->flush_on(spdlog::level::info);
            spdlog::register_logger(serverLogger);
        } catch (const spdlog::spdlog_ex &error) {
            spdlog::warn("Could not open llama-server.log: {}", error.what());
        }
    }

    auto logger = std::make_shared<spdlog::logger>("llamadesk", sinks.begin(), sinks.end());
    logger->set_level(levelFromName(level));
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e [%^%l%$] %v");
    // Warnings reach the file at once, so that a crash right after one does not lose it; the
    // rest within a second, so that someone reading the file sees what is happening now.
    logger->flush_on(spdlog::level::warn);
    spdlog::flush_every(std::chrono::seconds(1));
    spdlog::set_default_logger(logger);

    qInstallMessageHandler(forwardQtMessage);
    if (problem)
        spdlog::warn("{}", *problem);
    return problem;
}

void shutdown()
{
    qInstallMessageHandler(nullptr);
    spdlog::drop(ServerLoggerName);
    if (auto logger = spdlog::default_logger())
        logger->flush();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "llamadesk", std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
}
} // namespace Llamadesk::Logging
