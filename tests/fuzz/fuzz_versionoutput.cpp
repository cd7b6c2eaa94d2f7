// Whatever `llama-server --version` printed (backend loading lines first, another program's
// version, garbage), parseVersionOutput gives a version or nothing, never a crash.
//
// Invariants: a version is never empty; the version and the build line are single trimmed lines;
// Windows line ends read the same as Unix ones.
#include "core/server/versionprobe.h"

#include "fuzzcheck.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace LlamadeskFuzz;
    const QString output = textOf(data, size);
    const std::optional<Llamadesk::VersionInfo> info = Llamadesk::parseVersionOutput(output);
    if (info) {
        check(!info->version.isEmpty(), "a version is never empty");
        for (const QString &text : {info->version, info->buildInfo}) {
            check(text == text.trimmed(), "trimmed", text);
            check(!text.contains(u'\n') && !text.contains(u'\r'), "one line", text);
        }
        check(!info->flags, "--version alone lists no flags");
    }
    QString windows = output;
    windows.replace(u'\n', QStringLiteral("\r\n"));
    check(Llamadesk::parseVersionOutput(windows) == info, "CRLF line ends read the same");
    return 0;
}
