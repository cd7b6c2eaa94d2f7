#pragma once

#include <QMetaType>
#include <QString>
#include <QStringList>

namespace Llamadesk
{
// Why llama-server stopped when nobody asked it to.
enum class FailureKind {
    None,
    PortInUse,
    ModelMissing,            // the model (or projector) file cannot be opened
    ModelInvalid,            // not a GGUF file, or a GGUF this release cannot read
    ModelTruncated,          // a partial download
    OutOfMemory,             // RAM or GPU memory
    UnsupportedArchitecture, // a model or projector type newer than the llama.cpp release
    WrongProjector,          // the projector is a text model, or belongs to another model
    MissingSharedLibrary,    // libllama.so & co. not beside llama-server
    BadArguments,            // an option llama-server does not know or cannot use
    DownloadFailed,          // llama-server could not download the model (-hf, -mu)
    ToolsFailed,             // the built-in tools or the MCP servers could not be set up
    Assertion,               // GGML_ASSERT / assert(): a bug or an odd model, may be transient
    KilledBySignal,          // crashed with no explanation on stderr
    Unknown,
};

struct Failure
{
    FailureKind kind = FailureKind::None;
    QString reason;        // one user-readable sentence: "Port 18080 on 127.0.0.1 is already in use."
    QString action;        // what to do: "Choose another port or stop the program that uses it."
    bool retryable = true; // false where a restart cannot help
    QString evidence;      // the stderr line that decided it (redacted), empty if none
    bool operator==(const Failure &) const = default;
};

// "PortInUse", "OutOfMemory", ...: for logs and test output, not for users.
QString kindName(FailureKind kind);

// Explains an exit of llama-server from its last stderr lines (oldest first, as
// ServerLog::lastTexts gives them) and the exit status as QProcess reports it; signal is the
// terminating signal when known (0 otherwise).
//
// Evidence on stderr beats the exit status: a GGML_ASSERT that ends in SIGABRT is an
// Assertion. Among the lines, a root cause (port, model file, memory, library, arguments)
// beats an assertion, which beats the generic "failed to load model" lines that follow every
// model problem; between lines of the same weight the newest wins. Lines llama.cpp logged at
// info or debug level are never evidence (they may quote prompts or file names).
Failure classifyExit(const QStringList &lastLines, int exitCode, bool crashed, int signal = 0);
} // namespace Llamadesk

Q_DECLARE_METATYPE(Llamadesk::Failure)
