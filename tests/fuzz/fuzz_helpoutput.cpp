// Whatever `llama-server --help` printed (another release, another program, a crash half-way),
// parseHelpOutput gives the flags or nothing, never a crash.
//
// Invariants: flags are given only with -m (or --model) and --port among them; every name is a
// flag ("-x" or "--name", letters, digits, '-' and '_'); Windows line ends read the same as Unix
// ones.
#include "core/server/serverflags.h"

#include "fuzzcheck.h"

#include <QRegularExpression>

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace LlamadeskFuzz;
    const QString output = textOf(data, size);
    const std::optional<Llamadesk::ServerFlags> flags = Llamadesk::parseHelpOutput(output);
    if (flags) {
        static const QRegularExpression flag(QStringLiteral("^--?[A-Za-z][A-Za-z0-9_-]*$"));
        check(flags->knows(QStringLiteral("--port")), "--port is among the flags");
        check(flags->knows(QStringLiteral("-m")) || flags->knows(QStringLiteral("--model")),
              "-m or --model is among the flags");
        for (const QString &name : flags->names)
            check(flag.match(name).hasMatch(), "every name is a flag", name);
    }
    if (!output.contains(u'\r')) {
        QString windows = output;
        windows.replace(u'\n', QStringLiteral("\r\n"));
        check(Llamadesk::parseHelpOutput(windows) == flags, "CRLF line ends read the same");
    }
    return 0;
}
