#include "failureclassifiertesting.h"

#include <gtest/gtest.h>

#include <csignal>
#include <utility>

using namespace Llamadesk;
using namespace FailureClassifierTesting;

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

