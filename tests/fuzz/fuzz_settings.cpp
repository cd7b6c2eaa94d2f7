// Whatever bytes the settings file holds, every value a reader gets is valid.
#include "core/settings.h"

#include <QCoreApplication>
#include <QFile>
#include <QTemporaryDir>

#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static int argc = 1;
    static char name[] = "fuzz_settings";
    static char *argv[] = {name, nullptr};
    static QCoreApplication app(argc, argv);
    static QTemporaryDir dir;
    // Every malformed line is reported: at fuzzing speed the log would be most of the work.
    static const bool quiet = [] {
        spdlog::set_level(spdlog::level::off);
        return true;
    }();
    (void)quiet;
    const QString path = dir.filePath(QStringLiteral("fuzz.ini"));
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return 0;
        file.write(reinterpret_cast<const char *>(data), static_cast<qint64>(size));
    }
    Llamadesk::Settings settings(path);
    for (const QString &key : Llamadesk::Settings::keys()) {
        if (Llamadesk::Settings::validate(key, settings.value(key)))
            std::abort();
    }
    return 0;
}
