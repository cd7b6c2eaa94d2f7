// FailureClassifier on what the 0.5.0 and b7347 releases print when they fail to start.
#include "failureclassifiertesting.h"

#include <gtest/gtest.h>

#include <csignal>
#include <utility>

using namespace Llamadesk;
using namespace FailureClassifierTesting;

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
