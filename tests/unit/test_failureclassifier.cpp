#include "server/failureclassifier.h"

#include <gtest/gtest.h>

#include <csignal>
#include <initializer_list>
#include <ostream>
#include <utility>

using namespace Llamadesk;

// Readable values in failure messages (found by argument-dependent lookup).
[[maybe_unused]] static void PrintTo(const QString &value, std::ostream *os)
{
    *os << '"' << value.toStdString() << '"';
}

namespace Llamadesk
{
[[maybe_unused]] static void PrintTo(FailureKind kind, std::ostream *os)
{
    *os << kindName(kind).toStdString();
}
} // namespace Llamadesk

namespace
{
QStringList lines(std::initializer_list<const char *> texts)
{
    QStringList out;
    for (const char *text : texts)
        out.append(QString::fromUtf8(text));
    return out;
}

// How every run starts, before anything goes wrong.
const QStringList Preamble = lines({
        "0.00.000.101 I build: 1 (80fb11a) with cc (Debian 12.2.0-14) 12.2.0 for x86_64-linux-gnu",
        "0.00.000.180 I system info: n_threads = 2, n_threads_batch = 2, total_threads = 2",
        "0.00.000.201 W srv  llama_server: -----------------",
        "0.00.000.202 W srv  llama_server: CORS is set to allow all origins ('*') and no API key is set",
        "0.00.000.203 W srv  llama_server: this can be a security risk (cross-origin attacks)",
});

// The blocks of LLAMA_SERVER.md's table of failing starts, as llama-server prints them.
const QStringList PortInUse = Preamble
        + lines({
                "0.00.000.650 E srv         start: couldn't bind HTTP server socket, hostname: 127.0.0.1, port: 18080",
                "0.00.000.655 E srv  llama_server: exiting due to HTTP server error",
        });

const QStringList ModelMissing = Preamble
        + lines({
                "0.00.000.733 I srv    load_model: loading model '/home/ada/models/nope.gguf'",
                "0.00.000.801 E gguf_init_from_file: failed to open GGUF file '/home/ada/models/nope.gguf' (No such file or "
                "directory)",
                "0.00.000.802 E llama_model_load: error loading model: llama_model_loader: failed to load model from "
                "/home/ada/models/nope.gguf",
                "0.00.000.803 E llama_model_load_from_file_impl: failed to load model",
                "0.00.000.804 E srv    load_model: failed to load model, '/home/ada/models/nope.gguf'",
                "0.00.000.805 I srv    operator(): operator(): cleaning up before exit...",
                "0.00.000.806 E srv  llama_server: exiting due to model loading error",
        });

QStringList failedLoad(const char *path, std::initializer_list<const char *> cause)
{
    const QString model = QString::fromUtf8(path);
    QStringList out = Preamble;
    out.append(QStringLiteral("0.00.000.733 I srv    load_model: loading model '%1'").arg(model));
    out.append(QStringLiteral("0.00.000.790 I llama_model_loader: loaded meta data with 24 key-value pairs"));
    out += lines(cause);
    out.append(QStringLiteral("0.00.000.803 E llama_model_load_from_file_impl: failed to load model"));
    out.append(QStringLiteral("0.00.000.804 E srv    load_model: failed to load model, '%1'").arg(model));
    out.append(QStringLiteral("0.00.000.805 I srv    operator(): operator(): cleaning up before exit..."));
    out.append(QStringLiteral("0.00.000.806 E srv  llama_server: exiting due to model loading error"));
    return out;
}

// A server that ran for a while: no line explains an exit.
const QStringList Running = Preamble
        + lines({
                "0.00.007.312 I srv  llama_server: model loaded",
                "0.00.007.330 I srv  llama_server: listening on http://127.0.0.1:18080",
                "0.01.200.000 I slot launch_slot_: id  0 | task 0 | processing task",
                "0.01.200.900 I slot      release: id  0 | task 0 | stop processing: n_tokens = 15, truncated = 0",
                "0.01.201.000 I srv  log_server_r: request: POST /v1/chat/completions 127.0.0.1 200",
        });
} // namespace

TEST(FailureClassifier, PortInUseNamesHostAndPort)
{
    const Failure failure = classifyExit(PortInUse, 1, false);
    EXPECT_EQ(failure.kind, FailureKind::PortInUse);
    EXPECT_EQ(failure.reason, QStringLiteral("Port 18080 on 127.0.0.1 is already in use."));
    EXPECT_EQ(failure.action, QStringLiteral("Choose another port or stop the program that uses it."));
    EXPECT_FALSE(failure.retryable);
    EXPECT_EQ(failure.evidence,
              QStringLiteral("0.00.000.650 E srv         start: couldn't bind HTTP server socket, "
                             "hostname: 127.0.0.1, port: 18080"));
}

TEST(FailureClassifier, MissingModelBeatsTheGenericLoadFailuresAfterIt)
{
    const Failure failure = classifyExit(ModelMissing, 1, false);
    EXPECT_EQ(failure.kind, FailureKind::ModelMissing);
    EXPECT_EQ(failure.reason, QStringLiteral("The model file '/home/ada/models/nope.gguf' does not exist."));
    EXPECT_EQ(failure.action, QStringLiteral("Choose an existing model file in Settings."));
    EXPECT_FALSE(failure.retryable);
    EXPECT_EQ(failure.evidence, ModelMissing.at(6));
}

TEST(FailureClassifier, UnreadableModelSaysWhy)
{
    const Failure failure =
            classifyExit(failedLoad("/srv/m/locked.gguf",
                                    {"0.00.000.801 E gguf_init_from_file: failed to open GGUF file "
                                     "'/srv/m/locked.gguf' (Permission denied)"}),
                         1, false);
    EXPECT_EQ(failure.kind, FailureKind::ModelMissing);
    EXPECT_EQ(failure.reason,
              QStringLiteral("The model file '/srv/m/locked.gguf' cannot be opened (Permission denied)."));
    EXPECT_FALSE(failure.retryable);
}

TEST(FailureClassifier, MissingProjectorIsNamedAsTheProjector)
{
    const QStringList block = Preamble
            + lines({
                    "0.00.000.733 I srv    load_model: loading model '/m/tiny.gguf'",
                    "0.00.004.000 E gguf_init_from_file: failed to open GGUF file '/m/mmproj-nope.gguf' (No such file or "
                    "directory)",
                    "0.00.004.001 E mtmd_init_from_file: error: Failed to load CLIP model from /m/mmproj-nope.gguf",
                    "0.00.004.002 E srv    load_model: failed to load multimodal model, '/m/mmproj-nope.gguf'",
                    "0.00.004.003 E srv  llama_server: exiting due to model loading error",
            });
    const Failure failure = classifyExit(block, 1, false);
    EXPECT_EQ(failure.kind, FailureKind::ModelMissing);
    EXPECT_EQ(failure.reason,
              QStringLiteral("The multimodal projector '/m/mmproj-nope.gguf' does not exist."));
    EXPECT_EQ(
        failure.action,
        QStringLiteral("Choose the mmproj-*.gguf file that belongs to the model, or leave the projector "
                       "empty."));
}

TEST(FailureClassifier, FileThatIsNotGgufIsInvalid)
{
    const Failure failure =
            classifyExit(failedLoad("/home/ada/notes.txt",
                                    {"0.00.000.801 E gguf_init_from_reader: invalid magic characters: "
                                     "'?A?[', expected 'GGUF'",
                                     "0.00.000.802 E llama_model_load: error loading model: "
                                     "llama_model_loader: failed to load model from /home/ada/notes.txt"}),
                         1, false);
    EXPECT_EQ(failure.kind, FailureKind::ModelInvalid);
    EXPECT_EQ(failure.reason, QStringLiteral("The model file '/home/ada/notes.txt' is not a GGUF file."));
    EXPECT_EQ(failure.action,
              QStringLiteral("Choose a .gguf file. Models in other formats (safetensors, PyTorch) "
                             "must be converted to GGUF first."));
    EXPECT_FALSE(failure.retryable);
    EXPECT_EQ(
            failure.evidence,
            QStringLiteral(
                    "0.00.000.801 E gguf_init_from_reader: invalid magic characters: '?A?[', expected 'GGUF'"));
}

TEST(FailureClassifier, TensorOutsideTheFileIsATruncatedModel)
{
    const Failure failure =
            classifyExit(failedLoad("/m/half.gguf",
                                    {"0.00.000.802 E llama_model_load: error loading model: tensor "
                                     "'token_embd.weight' data is not within the file bounds, model is "
                                     "corrupted or incomplete"}),
                         1, false);
    EXPECT_EQ(failure.kind, FailureKind::ModelTruncated);
    EXPECT_EQ(failure.reason, QStringLiteral("The model file '/m/half.gguf' is incomplete or damaged."));
    EXPECT_EQ(failure.action, QStringLiteral("Download the file again: it is probably a partial download."));
    EXPECT_FALSE(failure.retryable);
}

TEST(FailureClassifier, HeaderCutShortIsATruncatedModel)
{
    // "failed to read key-value pairs": LLAMA_SERVER.md, "Failing to start"; the other two are
    // ggml/src/gguf.cpp's (GGML_LOG_ERROR("%s: failed to read tensor info\n", __func__) and "failed to
    // read magic") for a file cut inside the tensor infos or before its fourth byte.
    for (const char *cause : {"0.00.000.801 E gguf_init_from_reader: failed to read key-value pairs",
                              "0.00.000.801 E gguf_init_from_reader: failed to read tensor info",
                              "0.00.000.801 E gguf_init_from_reader: failed to read magic"}) {
        const Failure failure = classifyExit(
            failedLoad("/m/cut.gguf",
                       {cause,
                        "0.00.000.802 E llama_model_load: error loading model: llama_model_loader: "
                        "failed to load model from /m/cut.gguf"}),
            1, false);
        EXPECT_EQ(failure.kind, FailureKind::ModelTruncated) << cause;
        EXPECT_EQ(failure.reason, QStringLiteral("The model file '/m/cut.gguf' is incomplete or damaged."));
    }
}

TEST(FailureClassifier, GgufNewerThanTheReleaseIsInvalid)
{
    // ggml/src/gguf.cpp: "%s: this GGUF file is version %u but this software only supports up to
    // version %d" and "%s: tensor '%s' has invalid ggml type %d. should be in [0, %d)".
    for (const char *cause :
         {"0.00.000.801 E gguf_init_from_reader: this GGUF file is version 4 but this "
          "software only supports up to version 3",
          "0.00.000.801 E gguf_init_from_reader: tensor 'blk.0.ffn_up.weight' has invalid "
          "ggml type 44. should be in [0, 40)"}) {
        const Failure failure = classifyExit(failedLoad("/m/next.gguf", {cause}), 1, false);
        EXPECT_EQ(failure.kind, FailureKind::ModelInvalid) << cause;
        EXPECT_EQ(failure.reason,
                  QStringLiteral(
                      "The model file '/m/next.gguf' uses a GGUF feature this llama-server cannot read."));
        EXPECT_EQ(failure.action,
                  QStringLiteral("Update llama.cpp to a newer release, or choose another model."));
        EXPECT_EQ(failure.evidence, QString::fromUtf8(cause));
    }
}

TEST(FailureClassifier, CudaOutOfMemoryAsTheFieldReportsIt)
{
    const Failure failure = classifyExit(
            failedLoad(
                    "/m/big.gguf",
                    {"0.00.002.000 E ggml_backend_cuda_buffer_type_alloc_buffer: allocating 11736.39 MiB on device "
                     "0: cudaMalloc failed: out of memory",
                     "0.00.002.001 E alloc_tensor_range: failed to allocate CUDA0 buffer of size 12306496768",
                     "0.00.002.002 E llama_model_load: error loading model: unable to allocate CUDA0 buffer"}),
            1, false);
    EXPECT_EQ(failure.kind, FailureKind::OutOfMemory);
    EXPECT_EQ(failure.reason, QStringLiteral("llama-server ran out of GPU memory."));
    EXPECT_EQ(failure.action,
              QStringLiteral("Put fewer layers on the GPU (GPU layers in Settings), reduce the "
                             "context size, or choose a smaller model."));
    EXPECT_FALSE(failure.retryable);
    EXPECT_EQ(
            failure.evidence,
            QStringLiteral(
                    "0.00.002.002 E llama_model_load: error loading model: unable to allocate CUDA0 buffer"));
}

TEST(FailureClassifier, OutOfMemoryIsRecognisedInEveryWording)
{
    for (const char *line :
         {"E ggml_backend_cuda_buffer_type_alloc_buffer: allocating 512.00 MiB on device 0: "
          "cudaMalloc failed: out of memory",
          "E alloc_tensor_range: failed to allocate CUDA0 buffer of size 536870912",
          "E ggml_vulkan: vk::Device::allocateMemory: ErrorOutOfDeviceMemory", "CUDA error: out of memory"}) {
        const Failure failure = classifyExit(Preamble + lines({line}), 1, false);
        EXPECT_EQ(failure.kind, FailureKind::OutOfMemory) << line;
        EXPECT_EQ(failure.reason, QStringLiteral("llama-server ran out of GPU memory.")) << line;
        EXPECT_EQ(failure.evidence, QString::fromUtf8(line));
    }
}

TEST(FailureClassifier, OutOfMemoryFromTheRuntimeIsRecognised)
{
    // Texts of what llama.cpp runs on, not of llama.cpp itself: Vulkan-Hpp's name of
    // VK_ERROR_OUT_OF_HOST_MEMORY, libstdc++'s terminate handler, and strerror(ENOMEM) as
    // src/llama-mmap.cpp reports it ("mmap failed: %s").
    for (const char *line :
         {"E ggml_vulkan: vk::Device::allocateMemory: ErrorOutOfHostMemory",
          "terminate called after throwing an instance of 'std::bad_alloc'",
          "0.00.000.802 E llama_model_load: error loading model: mmap failed: Cannot allocate "
          "memory"}) {
        const Failure failure = classifyExit(Preamble + lines({line}), 1, false);
        EXPECT_EQ(failure.kind, FailureKind::OutOfMemory) << line;
        EXPECT_EQ(failure.evidence, QString::fromUtf8(line));
    }
}

TEST(FailureClassifier, MainMemoryRunningOutSaysSo)
{
    const Failure failure = classifyExit(
            failedLoad("/m/big.gguf",
                       {"0.00.002.001 E ggml_backend_cpu_buffer_type_alloc_buffer: failed to "
                        "allocate buffer of size 34359738400",
                        "0.00.002.002 E llama_model_load: error loading model: unable to allocate "
                        "CPU buffer"}),
            1, false);
    EXPECT_EQ(failure.kind, FailureKind::OutOfMemory);
    EXPECT_EQ(failure.reason, QStringLiteral("llama-server ran out of memory."));
    EXPECT_EQ(failure.action,
              QStringLiteral("Reduce the context size or choose a smaller model, and close programs "
                             "that use a lot of memory."));
}

TEST(FailureClassifier, UnknownArchitectureIsNamed)
{
    // src/llama-model.cpp: throw std::runtime_error("unknown model architecture: '" + arch + "'"),
    // which llama_model_load prefixes with "error loading model architecture: ".
    const Failure failure = classifyExit(
            failedLoad("/m/new.gguf",
                       {"0.00.000.802 E llama_model_load: error loading model: error loading model "
                        "architecture: unknown model architecture: 'qwen9next'"}),
            1, false);
    EXPECT_EQ(failure.kind, FailureKind::UnsupportedArchitecture);
    EXPECT_EQ(failure.reason,
              QStringLiteral("This llama-server does not support the model architecture 'qwen9next'."));
    EXPECT_EQ(failure.action,
              QStringLiteral(
                      "Update llama.cpp to a release that supports this model, or choose another model."));
    EXPECT_FALSE(failure.retryable);
}

TEST(FailureClassifier, MissingSharedLibraryIsNamed)
{
    const Failure failure = classifyExit(
            lines({"/opt/llama/build/bin/llama-server: error while loading shared libraries: libllama.so: cannot "
                   "open shared object file: No such file or directory"}),
            127, false);
    EXPECT_EQ(failure.kind, FailureKind::MissingSharedLibrary);
    EXPECT_EQ(failure.reason,
              QStringLiteral("llama-server cannot start because the shared library libllama.so is "
                             "missing."));
    EXPECT_EQ(failure.action,
              QStringLiteral("Keep the .so files that came with llama-server (libllama, libggml and "
                             "the others) in the same folder as llama-server, or reinstall "
                             "llama.cpp."));
    EXPECT_FALSE(failure.retryable);
}

TEST(FailureClassifier, MissingDylibIsNamed)
{
    // macOS's dyld, when the launcher's libraries are not beside it.
    const Failure failure =
            classifyExit(lines({"dyld[4211]: Library not loaded: @rpath/libllama.dylib",
                                "  Referenced from: <5C1E...> /opt/llama/bin/llama-server",
                                "  Reason: tried: '/opt/llama/bin/libllama.dylib' (no such file)"}),
                         SIGABRT, true, SIGABRT);
    EXPECT_EQ(failure.kind, FailureKind::MissingSharedLibrary);
    EXPECT_EQ(failure.reason,
              QStringLiteral("llama-server cannot start because the shared library libllama.dylib is missing."));
}

TEST(FailureClassifier, UnknownArgumentIsNamed)
{
    // common/arg.cpp: throw std::invalid_argument(string_format("error: invalid argument: %s", arg.c_str()))
    const Failure failure = classifyExit(lines({"error: invalid argument: --frobnicate"}), 1, false);
    EXPECT_EQ(failure.kind, FailureKind::BadArguments);
    EXPECT_EQ(failure.reason, QStringLiteral("llama-server does not accept the argument '--frobnicate'."));
    EXPECT_EQ(failure.action,
              QStringLiteral("Remove it from the extra arguments in Settings, or update llama.cpp if "
                             "the option is new."));
    EXPECT_FALSE(failure.retryable);
}

TEST(FailureClassifier, BadArgumentValueIsFoundAboveTheUsageText)
{
    // common/arg.cpp: "error while handling argument \"%s\": %s\n\nusage:\n%s\n\nto show complete usage, run
    // with -h"
    const QStringList block = lines({
            "error while handling argument \"--ctx-size\": stoi",
            "",
            "usage:",
            "-c,    --ctx-size N                     size of the prompt context (default: 4096, 0 = loaded from "
            "model)",
            "                                        (env: LLAMA_ARG_CTX_SIZE)",
            "",
            "",
            "to show complete usage, run with -h",
    });
    const Failure failure = classifyExit(block, 1, false);
    EXPECT_EQ(failure.kind, FailureKind::BadArguments);
    EXPECT_EQ(failure.reason, QStringLiteral("llama-server cannot use the argument '--ctx-size' (stoi)."));
    EXPECT_EQ(failure.action,
              QStringLiteral("Correct the value in the server settings or the extra arguments; "
                             "'llama-server --help' lists what this release accepts."));
    EXPECT_EQ(failure.evidence, QStringLiteral("error while handling argument \"--ctx-size\": stoi"));
}

TEST(FailureClassifier, UnknownValueOfAnArgumentIsQuoted)
{
    const Failure failure = classifyExit(
            lines({"error while handling argument \"-fa\": error: unknown value for --flash-attn: 'yes'", "",
                   "usage:",
                   "-fa,   --flash-attn [on|off|auto]       set Flash Attention use ('on', 'off', or "
                   "'auto', default: 'auto')",
                   "", "to show complete usage, run with -h"}),
            1, false);
    EXPECT_EQ(failure.kind, FailureKind::BadArguments);
    EXPECT_EQ(failure.reason,
              QStringLiteral(
                      "llama-server cannot use the argument '-fa' (unknown value for --flash-attn: 'yes')."));
}

TEST(FailureClassifier, BadEnvironmentVariableIsNamed)
{
    // common/arg.cpp: "error while handling environment variable \"%s\": %s\n\n"
    const Failure failure = classifyExit(
            lines({"error while handling environment variable \"LLAMA_ARG_CTX_SIZE\": stoi", ""}), 1, false);
    EXPECT_EQ(failure.kind, FailureKind::BadArguments);
    EXPECT_EQ(failure.reason,
              QStringLiteral("llama-server cannot use the environment variable LLAMA_ARG_CTX_SIZE (stoi)."));
    EXPECT_EQ(failure.action, QStringLiteral("Correct or unset the environment variable LLAMA_ARG_CTX_SIZE."));
}

TEST(FailureClassifier, GgmlAssertIsAnAssertionEvenWhenItAborts)
{
    const QStringList block = Running
            + lines({
                    "/home/runner/work/llama.cpp/ggml/src/ggml-cpu/ops.cpp:4211: GGML_ASSERT(ne00 % 2 == 0) failed",
                    "/opt/llama/libggml-base.so(+0x15f1b)[0x7f3b2a4a1f1b]",
                    "/opt/llama/libggml-base.so(ggml_abort+0x15c)[0x7f3b2a4a22fc]",
            });
    const Failure failure = classifyExit(block, SIGABRT, true, SIGABRT);
    EXPECT_EQ(failure.kind, FailureKind::Assertion);
    EXPECT_EQ(failure.reason,
              QStringLiteral("llama-server stopped on an internal error (assertion failed: ne00 % 2 "
                             "== 0)."));
    EXPECT_EQ(failure.action,
              QStringLiteral("Start it again; if it keeps failing, try another model or another "
                             "llama.cpp release."));
    EXPECT_TRUE(failure.retryable);
    EXPECT_EQ(failure.evidence, block.at(Running.size()));
}

TEST(FailureClassifier, LibcAssertionIsAnAssertion)
{
    const Failure failure = classifyExit(
            Running
                    + lines({"llama-server: /src/llama-batch.cpp:98: bool llama_batch_allocr::init(): Assertion "
                             "`n_seq_max > 0' failed."}),
            SIGABRT, true, SIGABRT);
    EXPECT_EQ(failure.kind, FailureKind::Assertion);
    EXPECT_EQ(failure.reason,
              QStringLiteral("llama-server stopped on an internal error (assertion failed: n_seq_max > 0)."));
    EXPECT_TRUE(failure.retryable);
}

TEST(FailureClassifier, RootCauseBeatsTheAssertionItTriggers)
{
    const Failure failure = classifyExit(
            Running
                    + lines({"E ggml_gallocr_reserve_n: failed to allocate CUDA0 buffer of size 2147483648",
                             "/src/ggml/src/ggml-backend.cpp:1800: GGML_ASSERT(buf != NULL) failed"}),
            SIGABRT, true, SIGABRT);
    EXPECT_EQ(failure.kind, FailureKind::OutOfMemory);
}

TEST(FailureClassifier, NewestRootCauseWins)
{
    const Failure failure = classifyExit(
            lines({"E alloc_tensor_range: failed to allocate CUDA0 buffer of size 536870912",
                   "E srv         start: couldn't bind HTTP server socket, hostname: 0.0.0.0, port: 8080"}),
            1, false);
    EXPECT_EQ(failure.kind, FailureKind::PortInUse);
    EXPECT_EQ(failure.reason, QStringLiteral("Port 8080 on 0.0.0.0 is already in use."));
}

TEST(FailureClassifier, SignalWithoutEvidenceIsACrashNamingTheSignal)
{
    const Failure failure = classifyExit(Running, SIGSEGV, true, SIGSEGV);
    EXPECT_EQ(failure.kind, FailureKind::KilledBySignal);
    EXPECT_EQ(failure.reason, QStringLiteral("llama-server crashed (segmentation fault)."));
    EXPECT_EQ(failure.action,
              QStringLiteral("Start it again; if it keeps crashing, try another model or another "
                             "llama.cpp release."));
    EXPECT_TRUE(failure.retryable);
    EXPECT_EQ(failure.evidence, QString());
}

TEST(FailureClassifier, SigkillPointsAtMemory)
{
    const Failure failure = classifyExit(Running, SIGKILL, true, SIGKILL);
    EXPECT_EQ(failure.kind, FailureKind::KilledBySignal);
    EXPECT_EQ(failure.reason, QStringLiteral("llama-server crashed (killed by SIGKILL)."));
    EXPECT_EQ(failure.action,
              QStringLiteral("If nobody stopped it, the system probably ran out of memory: reduce "
                             "the context size or choose a smaller model."));
    EXPECT_TRUE(failure.retryable);
}

TEST(FailureClassifier, IllegalInstructionIsNotRetried)
{
    const Failure failure = classifyExit(Preamble, SIGILL, true, SIGILL);
    EXPECT_EQ(failure.kind, FailureKind::KilledBySignal);
    EXPECT_EQ(failure.reason, QStringLiteral("llama-server crashed (illegal instruction)."));
    EXPECT_FALSE(failure.retryable);
}

TEST(FailureClassifier, CrashWithUnknownSignal)
{
    const Failure failure = classifyExit({}, 0, true, 0);
    EXPECT_EQ(failure.kind, FailureKind::KilledBySignal);
    EXPECT_EQ(failure.reason, QStringLiteral("llama-server crashed."));
    EXPECT_TRUE(failure.retryable);
}

TEST(FailureClassifier, CleanExitNobodyAskedForIsUnexpected)
{
    const Failure failure = classifyExit(Running, 0, false);
    EXPECT_EQ(failure.kind, FailureKind::Unknown);
    EXPECT_EQ(failure.reason, QStringLiteral("llama-server exited unexpectedly."));
    EXPECT_EQ(failure.action, QStringLiteral("Start it again; the server log may show why it stopped."));
    EXPECT_TRUE(failure.retryable);
    EXPECT_EQ(failure.evidence, QString());
}

TEST(FailureClassifier, ErrorExitWithoutEvidenceGivesTheCode)
{
    const Failure failure = classifyExit({}, 3, false);
    EXPECT_EQ(failure.kind, FailureKind::Unknown);
    EXPECT_EQ(failure.reason, QStringLiteral("llama-server exited unexpectedly (exit code 3)."));
    EXPECT_TRUE(failure.retryable);
    EXPECT_EQ(failure.evidence, QString());
}

TEST(FailureClassifier, InfoLinesAreNeverEvidence)
{
    const Failure failure = classifyExit(
            Running
                    + lines({"0.02.000.000 I slot update_slots: id  0 | task 5 | prompt: why does my GPU run out of "
                             "memory?"}),
            0, false);
    EXPECT_EQ(failure.kind, FailureKind::Unknown);
}

TEST(FailureClassifier, GenericLoadFailureAloneIsAnInvalidModel)
{
    const Failure failure =
            classifyExit(failedLoad("/m/odd.gguf",
                                    {"0.00.000.802 E llama_model_load: error loading model: something new"}),
                         1, false);
    EXPECT_EQ(failure.kind, FailureKind::ModelInvalid);
    EXPECT_EQ(failure.reason, QStringLiteral("llama-server could not load the model '/m/odd.gguf'."));
    EXPECT_EQ(failure.action,
              QStringLiteral("The server log shows the cause; check the model file or choose "
                             "another model."));
    EXPECT_FALSE(failure.retryable);
    // The line that says what went wrong, not the "exiting" line after it.
    EXPECT_EQ(failure.evidence,
              QStringLiteral("0.00.000.802 E llama_model_load: error loading model: something new"));
}

TEST(FailureClassifier, ReasonAndEvidenceNeverQuoteAKey)
{
    const Failure failure = classifyExit(lines({"error: invalid argument: --api-key=hunter2"}), 1, false);
    EXPECT_EQ(failure.kind, FailureKind::BadArguments);
    EXPECT_EQ(failure.reason,
              QStringLiteral("llama-server does not accept the argument '--api-key=[redacted]'."));
    EXPECT_EQ(failure.evidence, QStringLiteral("error: invalid argument: --api-key=[redacted]"));
}

TEST(FailureClassifier, KindsHaveDistinctNames)
{
    QStringList names;
    for (int k = static_cast<int>(FailureKind::None); k <= static_cast<int>(FailureKind::Unknown); ++k) {
        const QString name = kindName(static_cast<FailureKind>(k));
        EXPECT_FALSE(name.isEmpty());
        EXPECT_FALSE(names.contains(name)) << name.toStdString();
        names.append(name);
    }
}

// The releases' own outputs, line by line as ../shared/llama-server-samples/ has them.

TEST(FailureClassifier, MissingModelSampleOfRelease050)
{
    // 0.5.0/missing-model.stderr. Its "encountered an error while trying to fit params to free
    // device memory" line is not the fit failing, and must not make this a memory problem.
    const QStringList sample = lines({
        "0.00.000.540 I srv  llama_server: initializing ...",
        "0.00.003.856 I cmn  common_param: common_params_print_info: verbosity = 3 (adjust with the `-lv N` CLI arg)",
        "0.00.004.138 W srv  llama_server: security: no API key is set and CORS allows all origins (see "
        "https://github.com/ggml-org/llama.cpp/pull/25655)",
        "0.00.006.102 I srv    load_model: loading model '/SHARED/models/nope.gguf'",
        "0.00.006.314 E gguf_init_from_file: failed to open GGUF file '/SHARED/models/nope.gguf' (No such file or "
        "directory)",
        "0.00.006.457 E llama_model_load: error loading model: llama_model_loader: failed to load model from "
        "/SHARED/models/nope.gguf",
        "0.00.006.477 E llama_model_load_from_file_impl: failed to load model",
        "0.00.006.522 E common_fit_params: encountered an error while trying to fit params to free device memory: "
        "failed to load model",
        "0.00.006.544 E gguf_init_from_file: failed to open GGUF file '/SHARED/models/nope.gguf' (No such file or "
        "directory)",
        "0.00.006.551 E llama_model_load: error loading model: llama_model_loader: failed to load model from "
        "/SHARED/models/nope.gguf",
        "0.00.006.552 E llama_model_load_from_file_impl: failed to load model",
        "0.00.006.555 E cmn  common_init_: failed to load model '/SHARED/models/nope.gguf'",
        "0.00.006.559 E srv    load_model: failed to load model, '/SHARED/models/nope.gguf'",
        "0.00.006.560 I srv    operator(): operator(): cleaning up before exit...",
        "0.00.007.213 E srv  llama_server: exiting due to model loading error",
    });
    const Failure failure = classifyExit(sample, 1, false);
    EXPECT_EQ(failure.kind, FailureKind::ModelMissing);
    EXPECT_EQ(failure.reason, QStringLiteral("The model file '/SHARED/models/nope.gguf' does not exist."));
    EXPECT_EQ(failure.evidence, sample.at(8));
}

TEST(FailureClassifier, MissingModelSampleOfReleaseB7347)
{
    // b7347/missing-model.stderr: no timestamps, no level letters, and no errno after the path.
    const QStringList sample = lines({
        "main: setting n_parallel = 4 and kv_unified = true (add -kvu to disable this)",
        "build: 1 (57a6f5c) with GNU 12.2.0 for Linux x86_64",
        "main: loading model",
        "srv    load_model: loading model '/SHARED/models/nope.gguf'",
        "gguf_init_from_file: failed to open GGUF file '/SHARED/models/nope.gguf'",
        "llama_model_load: error loading model: llama_model_loader: failed to load model from "
        "/SHARED/models/nope.gguf",
        "llama_model_load_from_file_impl: failed to load model",
        "common_init_from_params: failed to load model '/SHARED/models/nope.gguf', try reducing --n-gpu-layers if "
        "you're running out of VRAM",
        "srv    load_model: failed to load model, '/SHARED/models/nope.gguf'",
        "srv    operator(): operator(): cleaning up before exit...",
        "main: exiting due to model loading error",
    });
    const Failure failure = classifyExit(sample, 1, false);
    EXPECT_EQ(failure.kind, FailureKind::ModelMissing);
    EXPECT_EQ(failure.reason, QStringLiteral("The model file '/SHARED/models/nope.gguf' does not exist."));
    EXPECT_EQ(failure.evidence, sample.at(4));
}

TEST(FailureClassifier, FlagRemovedIn050NamesLoadModeAsItsReplacement)
{
    // 0.5.0/removed-flag.stderr, measured with --no-mmap; LLAMA_SERVER.md ("Release differences")
    // says --mmap, --mlock and -dio are refused the same way.
    const QStringList sample = lines({
        "0.00.000.575 I srv  llama_server: initializing ...",
        "error: invalid argument: --no-mmap",
    });
    const Failure failure = classifyExit(sample, 1, false);
    EXPECT_EQ(failure.kind, FailureKind::BadArguments);
    EXPECT_EQ(failure.reason,
              QStringLiteral(
                  "The option --no-mmap was removed in this llama-server release: --load-mode replaces it."));
    EXPECT_EQ(failure.action,
              QStringLiteral("Remove --no-mmap from the extra arguments in Settings; where you need "
                             "it, use --load-mode none instead."));
    EXPECT_FALSE(failure.retryable);
    EXPECT_EQ(failure.evidence, sample.at(1));

    for (const auto &[flag, mode] :
         {std::pair{"--mmap", "mmap"}, std::pair{"--mlock", "mmap+mlock"}, std::pair{"-dio", "dio"}}) {
        const Failure other = classifyExit(
            QStringList{QStringLiteral("error: invalid argument: ") + QString::fromUtf8(flag)}, 1, false);
        EXPECT_EQ(other.reason,
                  QStringLiteral("The option %1 was removed in this llama-server release: --load-mode "
                                 "replaces it.")
                      .arg(QString::fromUtf8(flag)));
        EXPECT_TRUE(
            other.action.contains(QStringLiteral("--load-mode %1 instead").arg(QString::fromUtf8(mode))))
            << other.action.toStdString();
    }
}

// The 0.5.0 failures that LLAMA_SERVER.md lists at its end, from that release's source. Where a
// line's prefix (the function llama.cpp names) is not known, the test gives the message as
// LLAMA_SERVER.md does, alone on the line; what follows the colon is made up.

TEST(FailureClassifier, TextModelGivenAsProjector)
{
    // tools/mtmd/mtmd.cpp: throw std::runtime_error("Failed to load CLIP model from %s"), logged by
    // mtmd_init_from_file as "%s: error: %s"; tools/server: "failed to load multimodal model, '%s'".
    const QStringList block = Preamble
        + lines({
            "0.00.000.733 I srv    load_model: loading model '/m/tiny.gguf'",
            "0.00.160.001 E clip_init: failed to load model '/m/tiny-q8.gguf': something about the file",
            "0.00.160.002 E mtmd_init_from_file: error: Failed to load CLIP model from /m/tiny-q8.gguf",
            "0.00.160.003 E srv    load_model: failed to load multimodal model, '/m/tiny-q8.gguf'",
            "0.00.160.004 E srv  llama_server: exiting due to model loading error",
        });
    const Failure failure = classifyExit(block, 1, false);
    EXPECT_EQ(failure.kind, FailureKind::WrongProjector);
    EXPECT_EQ(failure.reason,
              QStringLiteral("'/m/tiny-q8.gguf' cannot be loaded as a multimodal projector: it is "
                             "probably a text model, not an mmproj file."));
    EXPECT_EQ(failure.action,
              QStringLiteral(
                  "Choose the mmproj-*.gguf file that belongs to the model, or leave the projector empty."));
    EXPECT_FALSE(failure.retryable);
    EXPECT_EQ(failure.evidence, block.at(Preamble.size() + 2));
}

TEST(FailureClassifier, ProjectorTypeNewerThanTheRelease)
{
    // tools/mtmd/clip.cpp: throw std::runtime_error("%s: unknown projector type: %s\n", __func__, ...)
    // inside load_hparams, which clip_init logs as "failed to load model '%s': %s".
    const QStringList block = Preamble
        + lines({
            "0.00.160.001 E clip_init: failed to load model '/m/mmproj-new.gguf': load_hparams: unknown "
            "projector type: kimi9",
            "0.00.160.002 E mtmd_init_from_file: error: Failed to load CLIP model from /m/mmproj-new.gguf",
            "0.00.160.003 E srv    load_model: failed to load multimodal model, '/m/mmproj-new.gguf'",
        });
    const Failure failure = classifyExit(block, 1, false);
    EXPECT_EQ(failure.kind, FailureKind::UnsupportedArchitecture);
    EXPECT_EQ(failure.reason, QStringLiteral("This llama-server does not know the projector type 'kimi9'."));
    EXPECT_EQ(failure.action,
              QStringLiteral("Update llama-server to a llama.cpp release that supports this "
                             "projector, or choose another one."));
    EXPECT_FALSE(failure.retryable);
}

TEST(FailureClassifier, ProjectorOfAnotherModel)
{
    // tools/mtmd/mtmd.cpp: "mismatch between text model (n_embd = %d) and mmproj (n_embd = %d)\n"
    // "hint: you may be using wrong mmproj\n", so the hint is a line of its own; LLAMA_SERVER.md
    // quotes both on one line.
    const QStringList twoLines = Preamble
        + lines({
            "0.00.160.002 E mtmd_init_from_file: error: mismatch between text model (n_embd = 2048) and "
            "mmproj (n_embd = 4096)",
            "hint: you may be using wrong mmproj",
            "0.00.160.003 E srv    load_model: failed to load multimodal model, '/m/mmproj-other.gguf'",
            "0.00.160.004 E srv  llama_server: exiting due to model loading error",
        });
    const QStringList oneLine =
        Preamble
        + lines(
            {"mismatch between text model (n_embd = 2048) and mmproj (n_embd = 4096) hint: you may be using "
             "wrong mmproj",
             "0.00.160.003 E srv    load_model: failed to load multimodal model, '/m/mmproj-other.gguf'"});
    for (const QStringList &block : {twoLines, oneLine}) {
        const Failure failure = classifyExit(block, 1, false);
        EXPECT_EQ(failure.kind, FailureKind::WrongProjector);
        EXPECT_EQ(
            failure.reason,
            QStringLiteral("The multimodal projector '/m/mmproj-other.gguf' belongs to another model. (The "
                           "model's embedding size is 2048, the projector's 4096.)"));
        EXPECT_EQ(failure.action,
                  QStringLiteral("Choose the mmproj-*.gguf file that belongs to the model, or leave "
                                 "the projector empty."));
        EXPECT_EQ(failure.evidence, block.at(Preamble.size()));
    }
}

TEST(FailureClassifier, ContextTooLargeForTheMemory)
{
    // common/common.cpp: LOG_ERR("%s: failed to create context with model '%s'"); the prefix is
    // that of its neighbour "E cmn  common_init_: failed to load model" in 0.5.0/missing-model.stderr.
    const QStringList block = Preamble
        + lines({
            "0.00.000.733 I srv    load_model: loading model '/m/big.gguf'",
            "0.00.412.007 E cmn  common_init_: failed to create context with model '/m/big.gguf'",
            "0.00.412.009 E srv    load_model: failed to load model, '/m/big.gguf'",
            "0.00.412.010 E srv  llama_server: exiting due to model loading error",
        });
    const Failure failure = classifyExit(block, 1, false);
    EXPECT_EQ(failure.kind, FailureKind::OutOfMemory);
    EXPECT_EQ(failure.reason,
              QStringLiteral("llama-server could not create the model's context: the context size is "
                             "probably too large for the free memory."));
    EXPECT_EQ(failure.action, QStringLiteral("Lower the context size in Settings."));
    EXPECT_FALSE(failure.retryable);
    EXPECT_EQ(failure.evidence, block.at(Preamble.size() + 1));

    // The allocation that failed says more than the context that could not be made of it.
    QStringList withCause = block;
    withCause.insert(Preamble.size() + 1,
                     QStringLiteral("0.00.412.001 E ggml_backend_cpu_buffer_type_alloc_buffer: "
                                    "failed to allocate buffer of size 68719476736"));
    EXPECT_EQ(classifyExit(withCause, 1, false).reason, QStringLiteral("llama-server ran out of memory."));
}

TEST(FailureClassifier, ModelThatDoesNotFitTheFreeMemory)
{
    // common/fit.cpp logs "failed to fit params to free device memory: <why>" as a warning, and
    // the model is loaded all the same (source). <why> is made up here.
    const QStringList block = failedLoad(
        "/m/huge.gguf",
        {"0.00.366.780 W common_fit_params: failed to fit params to free device memory: the model needs 80 GiB"});
    const Failure failure = classifyExit(block, 1, false);
    EXPECT_EQ(failure.kind, FailureKind::OutOfMemory);
    EXPECT_EQ(failure.reason, QStringLiteral("The model is too large for the free memory of this computer."));
    EXPECT_EQ(failure.action,
              QStringLiteral("Put fewer layers on the GPU or lower the context size in Settings, or "
                             "choose a smaller quantization of the model."));
    EXPECT_FALSE(failure.retryable);
    EXPECT_EQ(failure.evidence,
              QStringLiteral(
                  "0.00.366.780 W common_fit_params: failed to fit params to free device memory: the model "
                  "needs 80 GiB"));
}

TEST(FailureClassifier, FitThatDidNotRunOrDidNotMatterIsNoEvidence)
{
    // LLAMA_SERVER.md: any explicit -ngl switches the fit off, "n_gpu_layers already set by user … abort".
    const Failure userSet = classifyExit(
        failedLoad("/m/odd.gguf",
                   {"0.00.366.780 W common_fit_params: failed to fit params to free device memory: "
                    "n_gpu_layers already set by user to 999, abort"}),
        1, false);
    EXPECT_EQ(userSet.kind, FailureKind::ModelInvalid);

    // A server that loaded its model and then crashed: the warning before "model loaded" is not why.
    const QStringList ran =
        Preamble
        + lines(
            {"0.00.366.780 W common_fit_params: failed to fit params to free device memory: the model needs "
             "80 GiB",
             "0.00.407.312 I srv  llama_server: model loaded",
             "0.00.407.330 I srv  llama_server: listening on http://127.0.0.1:18080"});
    EXPECT_EQ(classifyExit(ran, SIGSEGV, true, SIGSEGV).kind, FailureKind::KilledBySignal);
}

TEST(FailureClassifier, DownloadThatFailed)
{
    // Prefix unknown: the message as LLAMA_SERVER.md gives it, with a made-up detail.
    const Failure failure = classifyExit(
        Preamble + lines({"failed to download model: HTTP 404 from https://huggingface.co/ada/nope-GGUF"}), 1,
        false);
    EXPECT_EQ(failure.kind, FailureKind::DownloadFailed);
    EXPECT_EQ(failure.reason,
              QStringLiteral("llama-server could not download the model (HTTP 404 from "
                             "https://huggingface.co/ada/nope-GGUF)."));
    EXPECT_EQ(failure.action,
              QStringLiteral("Check the internet connection and the model's name, or download the "
                             ".gguf file yourself and choose it in Settings."));
    EXPECT_FALSE(failure.retryable);

    EXPECT_EQ(classifyExit(lines({"failed to download model:"}), 1, false).reason,
              QStringLiteral("llama-server could not download the model."));
}

TEST(FailureClassifier, ToolsOrMcpServersThatCannotStart)
{
    // tools/server: SRV_ERR("MCP starting failed: %s\n", e.what()) and SRV_ERR("tools setup
    // failed: %s\n", e.what()) in the function that also logs "exiting due to ..."; the details are
    // made up.
    const Failure mcp = classifyExit(
        Preamble + lines({"0.00.001.200 E srv  llama_server: MCP starting failed: cannot parse mcp.json"}), 1,
        false);
    EXPECT_EQ(mcp.kind, FailureKind::ToolsFailed);
    EXPECT_EQ(mcp.reason,
              QStringLiteral("llama-server could not start its MCP servers (cannot parse mcp.json)."));
    EXPECT_EQ(mcp.action,
              QStringLiteral("Correct the MCP server configuration (--mcp-servers-config or "
                             "--mcp-servers-json in the extra arguments), or remove it."));
    EXPECT_FALSE(mcp.retryable);

    const Failure tools = classifyExit(
        Preamble + lines({"0.00.001.200 E srv  llama_server: tools setup failed: unknown tool 'shell9'"}), 1,
        false);
    EXPECT_EQ(tools.kind, FailureKind::ToolsFailed);
    EXPECT_EQ(tools.reason,
              QStringLiteral("llama-server could not set up its built-in tools (unknown tool 'shell9')."));
    EXPECT_EQ(tools.action,
              QStringLiteral("Correct the --tools list in the extra arguments ('llama-server --help' "
                             "names the tools), or remove it."));
}

TEST(FailureClassifier, PortZeroWithSeveralAddresses)
{
    // tools/server: SRV_ERR("%s", "--port 0 is not supported with multiple TCP addresses\n"); the
    // function it names is not known, so the message stands alone.
    const Failure failure =
        classifyExit(Preamble + lines({"--port 0 is not supported with multiple TCP addresses"}), 1, false);
    EXPECT_EQ(failure.kind, FailureKind::BadArguments);
    EXPECT_EQ(failure.reason,
              QStringLiteral("llama-server cannot pick a free port by itself (--port 0) when it "
                             "listens on several addresses."));
    EXPECT_EQ(failure.action, QStringLiteral("Choose a port in Settings, or give --host a single address."));
    EXPECT_FALSE(failure.retryable);
}
