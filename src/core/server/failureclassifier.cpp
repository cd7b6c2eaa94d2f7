#include "core/server/failureclassifier.h"

#include "core/server/serverlog.h"

#include <QCoreApplication>
#include <QRegularExpression>

#include <array>
#include <csignal>
#include <initializer_list>
#include <utility>
#include <vector>

namespace Llamadesk
{
namespace
{
QString tr(const char *text)
{
    return QCoreApplication::translate("FailureClassifier", text);
}

// How much a kind of line says. A root cause (the port, the file, memory, a library, an
// argument) outweighs an assertion, which outweighs llama_model_load's "error loading model:
// <why>", which outweighs the bare "failed to load model" lines that follow every model problem.
enum class Weight {
    None,
    Generic,
    Described,
    Internal,
    RootCause
};

// The file the failing start was loading, from the lines around the evidence.
struct LoadedFile
{
    QString path;
    bool projector = false;
};

LoadedFile loadedFile(const QStringList &lines)
{
    static const QRegularExpression projector(QStringLiteral(R"(failed to load multimodal model, '(.+)'\s*$)"
                                                             R"(|Failed to load CLIP model from (.+?)\s*$)"));
    static const QRegularExpression model(QStringLiteral(R"(failed to load model, '(.+)'\s*$)"
                                                         R"(|failed to load model from (.+?)\s*$)"
                                                         R"(|loading model '(.+)'\s*$)"));
    const auto firstCaptured = [](const QRegularExpressionMatch &m) {
        for (int i = 1; i <= m.lastCapturedIndex(); ++i) {
            if (!m.captured(i).isEmpty())
                return redactSecrets(m.captured(i));
        }
        return QString();
    };
    for (qsizetype i = lines.size() - 1; i >= 0; --i) {
        if (const auto m = projector.match(lines.at(i)); m.hasMatch())
            return {firstCaptured(m), true};
        if (const auto m = model.match(lines.at(i)); m.hasMatch())
            return {firstCaptured(m), false};
    }
    return {};
}

Failure make(FailureKind kind, const QString &reason, const QString &action, bool retryable)
{
    Failure failure;
    failure.kind = kind;
    failure.reason = reason;
    failure.action = action;
    failure.retryable = retryable;
    return failure;
}

// "%1" filled with the file's path when it is known, the general sentence otherwise.
QString aboutFile(const LoadedFile &file, const char *model, const char *projector, const char *unnamed)
{
    if (file.path.isEmpty())
        return tr(unnamed);
    return tr(file.projector ? projector : model).arg(file.path);
}

QString chooseProjectorAction()
{
    return tr("Choose the mmproj-*.gguf file that belongs to the model, or leave the projector empty.");
}

// The match, the whole line it was found in, and all the lines (for the file being loaded).
using Builder = Failure (*)(const QRegularExpressionMatch &match, const QString &line,
                            const QStringList &lines);

// A failure told in fixed sentences: %1 in the reason is the pattern's first capture.
struct Told
{
    FailureKind kind = FailureKind::None;
    const char *reason = nullptr;
    const char *action = nullptr;
};

struct Rule
{
    Weight weight;
    QRegularExpression pattern;
    Builder build; // null: the failure is told
    Told told;
    bool beforeLoadOnly; // a warning that stops mattering once "model loaded" follows it
};

Failure portInUse(const QRegularExpressionMatch &m, const QString &, const QStringList &)
{
    return make(FailureKind::PortInUse,
                tr("Port %1 on %2 is already in use.").arg(m.captured(2), m.captured(1)),
                tr("Choose another port or stop the program that uses it."), false);
}

Failure httpServerError(const QRegularExpressionMatch &, const QString &, const QStringList &)
{
    return make(FailureKind::PortInUse, tr("llama-server could not open its HTTP port."),
                tr("Choose another port or stop the program that uses it."), false);
}

Failure missingLibrary(const QRegularExpressionMatch &m, const QString &, const QStringList &)
{
    const QString library = !m.captured(1).isEmpty() ? m.captured(1) : m.captured(2);
    return make(FailureKind::MissingSharedLibrary,
                tr("llama-server cannot start because the shared library %1 is missing.").arg(library),
                tr("Keep the .so files that came with llama-server (libllama, libggml and the others) in the "
                   "same folder as llama-server, or reinstall llama.cpp."),
                false);
}

Failure modelMissing(const QRegularExpressionMatch &m, const QString &, const QStringList &lines)
{
    const QString path = !m.captured(1).isEmpty() ? m.captured(1) : m.captured(3);
    const QString error = !m.captured(2).isEmpty() ? m.captured(2) : m.captured(4);
    const bool projector = loadedFile(lines).projector;
    if (error.isEmpty() || error.contains(u"No such file")) {
        return make(FailureKind::ModelMissing,
                    (projector ? tr("The multimodal projector '%1' does not exist.")
                               : tr("The model file '%1' does not exist."))
                            .arg(path),
                    projector ? chooseProjectorAction() : tr("Choose an existing model file in Settings."),
                    false);
    }
    return make(FailureKind::ModelMissing,
                (projector ? tr("The multimodal projector '%1' cannot be opened (%2).")
                           : tr("The model file '%1' cannot be opened (%2)."))
                        .arg(path, error),
                tr("Check that the file can be read, or choose another file in Settings."), false);
}

Failure unsupportedArchitecture(const QRegularExpressionMatch &m, const QString &, const QStringList &)
{
    return make(FailureKind::UnsupportedArchitecture,
                tr("This llama-server does not support the model architecture '%1'.").arg(m.captured(1)),
                tr("Update llama.cpp to a release that supports this model, or choose another model."),
                false);
}

Failure notGguf(const QRegularExpressionMatch &, const QString &, const QStringList &lines)
{
    return make(
            FailureKind::ModelInvalid,
            aboutFile(loadedFile(lines), "The model file '%1' is not a GGUF file.",
                      "The multimodal projector '%1' is not a GGUF file.",
                      "The model file is not a GGUF file."),
            tr("Choose a .gguf file. Models in other formats (safetensors, PyTorch) must be converted to "
               "GGUF first."),
            false);
}

Failure tooNew(const QRegularExpressionMatch &, const QString &, const QStringList &lines)
{
    return make(FailureKind::ModelInvalid,
                aboutFile(loadedFile(lines),
                          "The model file '%1' uses a GGUF feature this llama-server cannot read.",
                          "The multimodal projector '%1' uses a GGUF feature this llama-server cannot read.",
                          "The model file uses a GGUF feature this llama-server cannot read."),
                tr("Update llama.cpp to a newer release, or choose another model."), false);
}

Failure truncated(const QRegularExpressionMatch &, const QString &, const QStringList &lines)
{
    return make(FailureKind::ModelTruncated,
                aboutFile(loadedFile(lines), "The model file '%1' is incomplete or damaged.",
                          "The multimodal projector '%1' is incomplete or damaged.",
                          "The model file is incomplete or damaged."),
                tr("Download the file again: it is probably a partial download."), false);
}

Failure outOfMemory(const QRegularExpressionMatch &, const QString &line, const QStringList &)
{
    static const QRegularExpression gpu(
            QStringLiteral(R"(cuda|vulkan|\bvk|metal|rocm|\bhip|sycl|opencl|gpu|DeviceMemory)"),
            QRegularExpression::CaseInsensitiveOption);
    if (gpu.match(line).hasMatch()) {
        return make(
                FailureKind::OutOfMemory, tr("llama-server ran out of GPU memory."),
                tr("Put fewer layers on the GPU (GPU layers in Settings), reduce the context size, or "
                   "choose a smaller model."),
                false);
    }
    return make(FailureKind::OutOfMemory, tr("llama-server ran out of memory."),
                tr("Reduce the context size or choose a smaller model, and close programs that use a lot of "
                   "memory."),
                false);
}

Failure projectorNotLoaded(const QRegularExpressionMatch &m, const QString &, const QStringList &)
{
    return make(FailureKind::WrongProjector,
                tr("'%1' cannot be loaded as a multimodal projector: it is probably a text model, not an "
                   "mmproj file.")
                    .arg(m.captured(1)),
                chooseProjectorAction(), false);
}

Failure projectorMismatch(const QRegularExpressionMatch &m, const QString &, const QStringList &lines)
{
    return make(
        FailureKind::WrongProjector,
        aboutFile(loadedFile(lines), "The multimodal projector '%1' belongs to another model.",
                  "The multimodal projector '%1' belongs to another model.",
                  "The multimodal projector belongs to another model.")
            + u' '
            + tr("(The model's embedding size is %1, the projector's %2.)").arg(m.captured(1), m.captured(2)),
        chooseProjectorAction(), false);
}

Failure unknownProjectorType(const QRegularExpressionMatch &m, const QString &, const QStringList &)
{
    return make(FailureKind::UnsupportedArchitecture,
                tr("This llama-server does not know the projector type '%1'.").arg(m.captured(1)),
                tr("Update llama-server to a llama.cpp release that supports this projector, or choose "
                   "another one."),
                false);
}

// The flags 0.5.0 removed, with the --load-mode value that does what each did.
struct RemovedFlag
{
    QStringView flag;
    QStringView loadMode;
};
constexpr std::array<RemovedFlag, 5> RemovedFlags{{{u"--mmap", u"mmap"},
                                                   {u"--no-mmap", u"none"},
                                                   {u"--mlock", u"mmap+mlock"},
                                                   {u"-dio", u"dio"},
                                                   {u"--direct-io", u"dio"}}};

Failure invalidArgument(const QRegularExpressionMatch &m, const QString &, const QStringList &)
{
    const QString argument = m.captured(1).trimmed();
    const QString flag = argument.section(u'=', 0, 0);
    for (const RemovedFlag &removed : RemovedFlags) {
        if (flag == removed.flag) {
            return make(FailureKind::BadArguments,
                        tr("The option %1 was removed in this llama-server release: --load-mode replaces it.")
                            .arg(flag),
                        tr("Remove %1 from the extra arguments in Settings; where you need it, use "
                           "--load-mode %2 instead.")
                            .arg(flag, removed.loadMode),
                        false);
        }
    }
    return make(
            FailureKind::BadArguments,
            argument.isEmpty() ? tr("llama-server does not accept one of its arguments.")
                               : tr("llama-server does not accept the argument '%1'.").arg(argument),
            tr("Remove it from the extra arguments in Settings, or update llama.cpp if the option is new."),
            false);
}

QString withoutErrorPrefix(const QString &detail)
{
    QString out = detail.trimmed();
    if (out.startsWith(u"error: "))
        out.remove(0, 7);
    return out;
}

Failure argumentError(const QRegularExpressionMatch &m, const QString &, const QStringList &)
{
    const QString detail = withoutErrorPrefix(m.captured(2));
    const QString reason = detail.isEmpty()
            ? tr("llama-server cannot use the argument '%1'.").arg(m.captured(1))
            : tr("llama-server cannot use the argument '%1' (%2).").arg(m.captured(1), detail);
    return make(
            FailureKind::BadArguments, reason,
            tr("Correct the value in the server settings or the extra arguments; 'llama-server --help' lists "
               "what this release accepts."),
            false);
}

Failure environmentError(const QRegularExpressionMatch &m, const QString &, const QStringList &)
{
    const QString detail = withoutErrorPrefix(m.captured(2));
    const QString reason = detail.isEmpty()
            ? tr("llama-server cannot use the environment variable %1.").arg(m.captured(1))
            : tr("llama-server cannot use the environment variable %1 (%2).").arg(m.captured(1), detail);
    return make(FailureKind::BadArguments, reason,
                tr("Correct or unset the environment variable %1.").arg(m.captured(1)), false);
}

Failure assertion(const QRegularExpressionMatch &m, const QString &, const QStringList &)
{
    QString condition;
    for (int i = 1; i <= m.lastCapturedIndex() && condition.isEmpty(); ++i)
        condition = m.captured(i).trimmed();
    return make(
            FailureKind::Assertion,
            condition.isEmpty()
                    ? tr("llama-server stopped on an internal error (an assertion failed).")
                    : tr("llama-server stopped on an internal error (assertion failed: %1).").arg(condition),
            tr("Start it again; if it keeps failing, try another model or another llama.cpp release."), true);
}

Failure modelNotLoaded(const QRegularExpressionMatch &, const QString &, const QStringList &lines)
{
    const LoadedFile file = loadedFile(lines);
    return make(FailureKind::ModelInvalid,
                aboutFile(file, "llama-server could not load the model '%1'.",
                          "llama-server could not load the multimodal projector '%1'.",
                          "llama-server could not load the model."),
                file.projector ? chooseProjectorAction()
                               : tr("The server log shows the cause; check the model file or choose another "
                                    "model."),
                false);
}

Failure fromTold(const Told &told, const QRegularExpressionMatch &m)
{
    QString reason = tr(told.reason);
    const QString detail = m.captured(1).trimmed();
    if (detail.isEmpty())
        reason.replace(QStringLiteral(" (%1)"), QString());
    else if (reason.contains(u"%1"))
        reason = reason.arg(detail);
    return make(told.kind, reason, tr(told.action), false);
}

// One pattern matching any of the alternatives.
QRegularExpression anyOf(std::initializer_list<const char *> alternatives, bool caseInsensitive = false)
{
    QStringList parts;
    for (const char *alternative : alternatives)
        parts.append(QString::fromLatin1(alternative));
    return QRegularExpression(parts.join(u'|'),
                              caseInsensitive ? QRegularExpression::CaseInsensitiveOption
                                              : QRegularExpression::NoPatternOption);
}

Rule built(Weight weight, QRegularExpression pattern, Builder build)
{
    return {weight, std::move(pattern), build, {}, false};
}

Rule toldRule(Weight weight, QRegularExpression pattern, Told told, bool beforeLoadOnly = false)
{
    return {weight, std::move(pattern), nullptr, told, beforeLoadOnly};
}

// Sorted by weight, heaviest first; within a weight, the more specific first. Every text is one
// that a release prints: LLAMA_SERVER.md and llama-server-samples/ quote most of them; the rest
// are llama.cpp's own (common/arg.cpp, ggml/src/gguf.cpp, ggml/src/ggml.c, src/llama-model.cpp)
// or the system's (glibc's ld.so and assert(), macOS's dyld, libstdc++, strerror, Vulkan), each
// quoted by a test in test_failureclassifier.cpp.
const std::vector<Rule> &rules()
{
    static const std::vector<Rule> all = {
        built(Weight::RootCause,
              anyOf({R"(couldn't bind HTTP server socket, hostname: ([^,\s]+), port: (\d+))"}), portInUse),
        toldRule(Weight::RootCause, anyOf({R"(--port 0 is not supported with multiple TCP addresses)"}),
                 {FailureKind::BadArguments,
                  "llama-server cannot pick a free port by itself (--port 0) when it listens on several "
                  "addresses.",
                  "Choose a port in Settings, or give --host a single address."}),
        built(Weight::RootCause,
              anyOf({R"(error while loading shared libraries: ([^:\s]+): cannot open shared object file)",
                     R"(Library not loaded: (?:\S*/)?([^/\s]+))"}),
              missingLibrary),
        built(Weight::RootCause, anyOf({R"(failed to open GGUF file '(.+)'(?: \(([^)]*)\))?\s*$)"}),
              modelMissing),
        toldRule(Weight::RootCause, anyOf({R"(failed to download model:\s*(.*)$)"}),
                 {FailureKind::DownloadFailed, "llama-server could not download the model (%1).",
                  "Check the internet connection and the model's name, or download the .gguf file "
                  "yourself and choose it in Settings."}),
        built(Weight::RootCause, anyOf({R"(unknown model architecture: '([^']*)')"}),
              unsupportedArchitecture),
        built(Weight::RootCause, anyOf({R"(unknown projector type: ([^\s']+))"}), unknownProjectorType),
        built(Weight::RootCause,
              anyOf({R"(mismatch between text model \(n_embd = (\d+)\) and mmproj \(n_embd = (\d+)\))"}),
              projectorMismatch),
        built(Weight::RootCause, anyOf({R"(invalid magic characters)"}), notGguf),
        built(Weight::RootCause, anyOf({R"(this GGUF file is version \d+)", R"(has invalid ggml type \d+)"}),
              tooNew),
        built(Weight::RootCause,
              anyOf({R"(data is not within the file bounds)",
                     R"(failed to read (?:key-value pairs|tensor info|magic)$)"}),
              truncated),
        built(Weight::RootCause,
              anyOf({R"(out of memory)", R"(failed to allocate\b.*\bbuffers?\b)", R"(cudaMalloc failed)",
                     R"(ErrorOutOf(?:Device|Host)Memory)", R"(unable to allocate\b.*\bbuffer)",
                     R"(std::bad_alloc)", R"(cannot allocate memory)"},
                    true),
              outOfMemory),
        built(Weight::RootCause, anyOf({R"(error: invalid argument:?(.*)$)"}), invalidArgument),
        built(Weight::RootCause, anyOf({R"re(error while handling argument "([^"]*)":?(.*)$)re"}),
              argumentError),
        built(Weight::RootCause, anyOf({R"re(error while handling environment variable "([^"]*)":?(.*)$)re"}),
              environmentError),
        toldRule(Weight::RootCause, anyOf({R"(MCP starting failed:?\s*(.*)$)"}),
                 {FailureKind::ToolsFailed, "llama-server could not start its MCP servers (%1).",
                  "Correct the MCP server configuration (--mcp-servers-config or --mcp-servers-json in "
                  "the extra arguments), or remove it."}),
        toldRule(Weight::RootCause, anyOf({R"(tools setup failed:?\s*(.*)$)"}),
                 {FailureKind::ToolsFailed, "llama-server could not set up its built-in tools (%1).",
                  "Correct the --tools list in the extra arguments ('llama-server --help' names the "
                  "tools), or remove it."}),
        built(
            Weight::Internal,
            anyOf({R"(GGML_ASSERT\((.*)\) failed)", R"(GGML_ASSERT\((.*))", R"(Assertion [`'](.+)' failed)"}),
            assertion),
        built(Weight::Described, anyOf({R"(error loading model: )"}), modelNotLoaded),
        toldRule(Weight::Described, anyOf({R"(failed to create context with model)"}),
                 {FailureKind::OutOfMemory,
                  "llama-server could not create the model's context: the context size is probably too "
                  "large for the free memory.",
                  "Lower the context size in Settings."}),
        // A warning: the model is loaded all the same, so it explains nothing once "model loaded"
        // follows it, nor when the fit did not run because the user set the GPU layers.
        toldRule(Weight::Described,
                 anyOf({R"(failed to fit params to free device memory(?!.*already set by user))"}),
                 {FailureKind::OutOfMemory, "The model is too large for the free memory of this computer.",
                  "Put fewer layers on the GPU or lower the context size in Settings, or choose a "
                  "smaller quantization of the model."},
                 true),
        built(Weight::Described, anyOf({R"(Failed to load CLIP model from (.+?)\s*$)"}), projectorNotLoaded),
        built(Weight::Generic,
              anyOf({R"(failed to load multimodal model)", R"(failed to load model)",
                     R"(exiting due to model loading error)"}),
              modelNotLoaded),
        built(Weight::Generic, anyOf({R"(exiting due to HTTP server error)"}), httpServerError),
    };
    return all;
}

QString signalName(int signal)
{
    switch (signal) {
    case SIGSEGV:
        return tr("segmentation fault");
    case SIGABRT:
        return tr("aborted");
    case SIGILL:
        return tr("illegal instruction");
    case SIGFPE:
        return tr("floating-point exception");
    case SIGTERM:
        return tr("terminated by SIGTERM");
    case SIGINT:
        return tr("interrupted by SIGINT");
#ifdef SIGBUS
    case SIGBUS:
        return tr("bus error");
#endif
#ifdef SIGKILL
    case SIGKILL:
        return tr("killed by SIGKILL");
#endif
    default:
        return tr("signal %1").arg(signal);
    }
}

Failure fromExitStatus(int exitCode, bool crashed, int signal)
{
    // Windows: STATUS_DLL_NOT_FOUND, the loader's exit code when a DLL is missing (no output).
    if (exitCode == static_cast<int>(0xC0000135u)) {
        return make(
                FailureKind::MissingSharedLibrary,
                tr("llama-server cannot start because a DLL it needs is missing."),
                tr("Keep the .dll files that came with llama-server in the same folder as llama-server, or "
                   "reinstall llama.cpp."),
                false);
    }
    if (crashed) {
        if (signal == 0) {
            return make(
                    FailureKind::KilledBySignal, tr("llama-server crashed."),
                    tr("Start it again; if it keeps crashing, try another model or another llama.cpp "
                       "release."),
                    true);
        }
        Failure failure =
                make(FailureKind::KilledBySignal, tr("llama-server crashed (%1).").arg(signalName(signal)),
                     tr("Start it again; if it keeps crashing, try another model or another llama.cpp "
                        "release."),
                     true);
#ifdef SIGKILL
        // Nothing on stderr and SIGKILL: the kernel's out-of-memory killer, most likely.
        if (signal == SIGKILL)
            failure.action =
                    tr("If nobody stopped it, the system probably ran out of memory: reduce the context "
                       "size or choose a smaller model.");
#endif
        if (signal == SIGILL) {
            failure.action =
                    tr("This llama-server build uses processor instructions this computer does not have; "
                       "use a build made for this processor.");
            failure.retryable = false;
        }
        return failure;
    }
    if (exitCode == 0) {
        return make(FailureKind::Unknown, tr("llama-server exited unexpectedly."),
                    tr("Start it again; the server log may show why it stopped."), true);
    }
    return make(FailureKind::Unknown, tr("llama-server exited unexpectedly (exit code %1).").arg(exitCode),
                tr("Start it again; the server log may show why it stopped."), true);
}
} // namespace

QString kindName(FailureKind kind)
{
    switch (kind) {
    case FailureKind::None:
        return QStringLiteral("None");
    case FailureKind::PortInUse:
        return QStringLiteral("PortInUse");
    case FailureKind::ModelMissing:
        return QStringLiteral("ModelMissing");
    case FailureKind::ModelInvalid:
        return QStringLiteral("ModelInvalid");
    case FailureKind::ModelTruncated:
        return QStringLiteral("ModelTruncated");
    case FailureKind::OutOfMemory:
        return QStringLiteral("OutOfMemory");
    case FailureKind::UnsupportedArchitecture:
        return QStringLiteral("UnsupportedArchitecture");
    case FailureKind::WrongProjector:
        return QStringLiteral("WrongProjector");
    case FailureKind::MissingSharedLibrary:
        return QStringLiteral("MissingSharedLibrary");
    case FailureKind::BadArguments:
        return QStringLiteral("BadArguments");
    case FailureKind::DownloadFailed:
        return QStringLiteral("DownloadFailed");
    case FailureKind::ToolsFailed:
        return QStringLiteral("ToolsFailed");
    case FailureKind::Assertion:
        return QStringLiteral("Assertion");
    case FailureKind::KilledBySignal:
        return QStringLiteral("KilledBySignal");
    case FailureKind::Unknown:
        return QStringLiteral("Unknown");
    }
    return {};
}

Failure classifyExit(const QStringList &lastLines, int exitCode, bool crashed, int signal)
{
    Failure best;
    Weight bestWeight = Weight::None;
    bool loadedLater = false; // a "model loaded" line follows the one looked at
    // The newest line first: of two lines of the same weight, the later one decides.
    for (qsizetype i = lastLines.size() - 1; i >= 0 && bestWeight != Weight::RootCause; --i) {
        const ServerLogLine line = parseServerLogLine(lastLines.at(i));
        if (line.message.trimmed() == u"model loaded")
            loadedLater = true;
        if (line.level == LogLevel::Info || line.level == LogLevel::Debug)
            continue;
        // Matched after redaction, so that neither the reason nor the evidence can quote a key.
        const QString text = redactSecrets(line.text).trimmed();
        for (const Rule &rule : rules()) {
            if (rule.weight <= bestWeight)
                break;
            if (rule.beforeLoadOnly && loadedLater)
                continue;
            if (const QRegularExpressionMatch m = rule.pattern.match(text); m.hasMatch()) {
                best = rule.build ? rule.build(m, text, lastLines) : fromTold(rule.told, m);
                best.evidence = text;
                bestWeight = rule.weight;
                break;
            }
        }
    }
    if (bestWeight != Weight::None)
        return best;
    return fromExitStatus(exitCode, crashed, signal);
}
} // namespace Llamadesk
