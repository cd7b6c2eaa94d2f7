#include "failureclassifier.h"

#include "serverlog.h"

#include <QCoreApplication>
#include <QRegularExpression>

#include <csignal>
#include <initializer_list>
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
    return tr("Choose the mmproj file that belongs to the model, or leave the projector empty.");
}

// The match, the whole line it was found in, and all the lines (for the file being loaded).
using Builder = Failure (*)(const QRegularExpressionMatch &match, const QString &line,
                            const QStringList &lines);

struct Rule
{
    Weight weight;
    QRegularExpression pattern;
    Builder build;
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

Failure notAProjector(const QRegularExpressionMatch &, const QString &, const QStringList &lines)
{
    return make(FailureKind::ModelInvalid,
                aboutFile(loadedFile(lines), "The file '%1' is not a multimodal projector.",
                          "The file '%1' is not a multimodal projector.",
                          "The multimodal projector file is not a projector."),
                chooseProjectorAction(), false);
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

Failure unknownArgument(const QRegularExpressionMatch &m, const QString &, const QStringList &)
{
    const QString argument = m.captured(1).trimmed();
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

// Sorted by weight, heaviest first; within a weight, the more specific first. The texts are
// llama.cpp's own (common/arg.cpp, ggml/src/gguf.cpp, src/llama-model-loader.cpp,
// tools/server, tools/mtmd) and the dynamic loaders' (glibc's ld.so, macOS's dyld).
const std::vector<Rule> &rules()
{
    static const std::vector<Rule> all = {
            {Weight::RootCause,
             anyOf({R"(couldn't bind HTTP server socket, hostname: ([^,\s]+), port: (\d+))"}), portInUse},
            {Weight::RootCause,
             anyOf({R"(error while loading shared libraries: ([^:\s]+): cannot open shared object file)",
                    R"(Library not loaded: (?:\S*/)?([^/\s]+))"}),
             missingLibrary},
            {Weight::RootCause,
             anyOf({R"(failed to open GGUF file '(.+)'(?: \(([^)]*)\))?\s*$)",
                    R"(gguf_init_from_file\w*: failed to open '(.+)': '([^']*)')"}),
             modelMissing},
            {Weight::RootCause, anyOf({R"(unknown model architecture: '([^']*)')"}), unsupportedArchitecture},
            {Weight::RootCause, anyOf({R"(invalid magic characters)"}), notGguf},
            {Weight::RootCause, anyOf({R"(this GGUF file is version \d+)", R"(has invalid ggml type \d+)"}),
             tooNew},
            {Weight::RootCause, anyOf({R"(this is not a multimodal projector)"}), notAProjector},
            {Weight::RootCause,
             anyOf({R"(data is not within the file bounds)",
                    R"(failed to read (?:key-value pairs|tensor info|magic|header))"}),
             truncated},
            {Weight::RootCause,
             anyOf({R"(out of memory)", R"(failed to allocate\b.*\bbuffers?\b)", R"(cudaMalloc failed)",
                    R"(ErrorOutOf(?:Device|Host)Memory)", R"(unable to allocate\b.*\bbuffer)",
                    R"(std::bad_alloc)", R"(cannot allocate memory)", R"(insufficient memory)",
                    R"(not enough memory)"},
                   true),
             outOfMemory},
            {Weight::RootCause, anyOf({R"(error: (?:invalid|unknown|unrecognized) argument:?(.*)$)"}),
             unknownArgument},
            {Weight::RootCause, anyOf({R"re(error while handling argument "([^"]*)":?(.*)$)re"}),
             argumentError},
            {Weight::RootCause, anyOf({R"re(error while handling environment variable "([^"]*)":?(.*)$)re"}),
             environmentError},
            {Weight::Internal,
             anyOf({R"(GGML_ASSERT\((.*)\) failed)", R"(GGML_ASSERT\((.*))",
                    R"(Assertion [`'](.+)' failed)"}),
             assertion},
            {Weight::Described, anyOf({R"(error loading model: )"}), modelNotLoaded},
            {Weight::Generic,
             anyOf({R"(failed to load multimodal model)", R"(Failed to load CLIP model)",
                    R"(failed to load model)", R"(exiting due to model loading error)"}),
             modelNotLoaded},
            {Weight::Generic, anyOf({R"(exiting due to HTTP server error)"}), httpServerError},
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
    case FailureKind::MissingSharedLibrary:
        return QStringLiteral("MissingSharedLibrary");
    case FailureKind::BadArguments:
        return QStringLiteral("BadArguments");
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
    // The newest line first: of two lines of the same weight, the later one decides.
    for (qsizetype i = lastLines.size() - 1; i >= 0 && bestWeight != Weight::RootCause; --i) {
        const ServerLogLine line = parseServerLogLine(lastLines.at(i));
        if (line.level == LogLevel::Info || line.level == LogLevel::Debug)
            continue;
        // Matched after redaction, so that neither the reason nor the evidence can quote a key.
        const QString text = redactSecrets(line.text).trimmed();
        for (const Rule &rule : rules()) {
            if (rule.weight <= bestWeight)
                break;
            if (const QRegularExpressionMatch m = rule.pattern.match(text); m.hasMatch()) {
                best = rule.build(m, text, lastLines);
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
