// Whatever llama-server printed before it stopped, and however it stopped, classifyExit explains
// it: a kind, a reason and an action for the user, never a crash.
//
// Input: the first three bytes are the exit code (a signed byte), whether it crashed (bit 0) and
// the signal (modulo 33, 0 = not known); the rest is its last stderr lines, oldest first.
//
// Invariants:
// - there is always a kind other than None, a reason and an action;
// - the evidence is one of the lines, as redacted and trimmed, never an info or debug line, and
//   is redacted once and for all; a failure without evidence comes from the exit status;
// - no Hugging Face token of the lines reaches the reason or the action, and the evidence holds
//   none (a token counts where it stands as a word, as redactSecrets sees it).
#include "core/server/failureclassifier.h"
#include "core/server/serverlog.h"

#include "fuzzcheck.h"

#include <cstdint>

namespace
{
using Llamadesk::FailureKind;

bool fromExitStatus(FailureKind kind)
{
    return kind == FailureKind::KilledBySignal || kind == FailureKind::Unknown
            || kind == FailureKind::MissingSharedLibrary; // Windows: STATUS_DLL_NOT_FOUND
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace LlamadeskFuzz;
    if (size < 3)
        return 0;
    const int exitCode = static_cast<std::int8_t>(data[0]);
    const bool crashed = (data[1] & 1) != 0;
    const int signal = data[2] % 33;
    const QStringList lines = textOf(data + 3, size - 3).split(u'\n');

    const Llamadesk::Failure failure = Llamadesk::classifyExit(lines, exitCode, crashed, signal);
    check(failure.kind != FailureKind::None, "there is always a failure");
    check(!Llamadesk::kindName(failure.kind).isEmpty(), "every kind has a name");
    check(!failure.reason.isEmpty() && !failure.action.isEmpty(), "a reason and an action");

    if (failure.evidence.isEmpty()) {
        check(fromExitStatus(failure.kind), "a failure without evidence comes from the exit status",
              Llamadesk::kindName(failure.kind));
    } else {
        check(failure.kind != FailureKind::KilledBySignal && failure.kind != FailureKind::Unknown,
              "evidence beats the exit status");
        bool found = false;
        for (const QString &text : lines) {
            const Llamadesk::ServerLogLine line = Llamadesk::parseServerLogLine(text);
            if (line.level == Llamadesk::LogLevel::Info || line.level == Llamadesk::LogLevel::Debug)
                continue;
            if (Llamadesk::redactSecrets(line.text).trimmed() == failure.evidence) {
                found = true;
                break;
            }
        }
        check(found, "the evidence is one of the lines, not at info or debug level", failure.evidence);
        check(Llamadesk::redactSecrets(failure.evidence) == failure.evidence, "the evidence is redacted",
              failure.evidence);
    }

    // A token counts where it stands as a word, as redactSecrets sees it ("xhf_…" is no token).
    check(hfTokensIn(failure.evidence).isEmpty(), "no Hugging Face token in the evidence", failure.evidence);
    QStringList tokens;
    for (const QString &text : lines)
        tokens += hfTokensIn(text);
    for (const QString &quoted : hfTokensIn(failure.reason + u'\n' + failure.action))
        check(!tokens.contains(quoted), "no Hugging Face token of the lines in the reason or the action", quoted);
    return 0;
}
