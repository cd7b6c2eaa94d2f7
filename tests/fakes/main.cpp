// fake-llama-server: behaves like llama.cpp's llama-server as LLAMA_SERVER.md records it
// (start-up, readiness, endpoints, errors, stopping), with a deterministic pseudo-model and
// FAKE_LLAMA_* knobs that make it fail in the ways real servers fail. See README.md.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "httpfrontend.h"
#include "model.h"
#include "options.h"
#include "serverlog.h"
#include "release.h"
#include "serverstate.h"
#include "startup.h"

using namespace FakeLlama;

namespace {
using Clock = std::chrono::steady_clock;

void cleaningUp()
{
    // clean_up() is a lambda in llama_server(): its __func__ is "operator()".
    Log::info(Log::srv("operator()") + "operator(): cleaning up before exit...");
}

[[noreturn]] void exitNow(int code)
{
    std::fflush(stderr);
    std::fflush(stdout);
    ::_exit(code);
}

[[noreturn]] void failLoading(const std::vector<std::string> &errorLines, const std::string &serverLine)
{
    for (const std::string &line : errorLines)
        Log::error(line);
    Log::error(Log::srv("load_model") + serverLine);
    cleaningUp();
    Log::error(Log::server() + "exiting due to model loading error");
    exitNow(1);
}

[[noreturn]] void failOutOfMemory(const ModelInfo &model)
{
    // What a CUDA build prints when the weights do not fit (LLAMA_SERVER.md, "seen in the field").
    const double mib = static_cast<double>(model.size) / (1024.0 * 1024.0);
    Log::error(Log::format(
            "ggml_backend_cuda_buffer_type_alloc_buffer: allocating %.2f MiB on device 0: cudaMalloc failed: out of memory",
            mib));
    Log::error(Log::format("alloc_tensor_range: failed to allocate CUDA0 buffer of size %llu",
                           static_cast<unsigned long long>(model.size)));
    failLoading({"llama_model_load: error loading model: unable to allocate CUDA0 buffer",
                 "llama_model_load_from_file_impl: failed to load model"},
                "failed to load model, '" + model.path + "'");
}

int defaultLoadMs(const Options &options)
{
    // Spawn to first 200 with the tiny models (LLAMA_SERVER.md): 155 ms, +3 with a vision
    // projector, +48 audio, +64 both; the process itself takes a few of those.
    return options.mmprojPath.empty() ? 140 : 175;
}

Runtime settleContext(const Options &options, ModelInfo model, std::optional<ProjectorInfo> projector)
{
    Runtime rt;
    rt.aliases = options.aliases;
    rt.modelArgument = options.modelPath;
    rt.nSlots = options.parallel;
    rt.kvUnified = options.kvUnified == 1;
    rt.nCtx = options.ctxSize > 0 ? options.ctxSize : model.nCtxTrain;
    if (rt.kvUnified) {
        rt.nCtxSlot = rt.nCtx;
    } else {
        // llama_context: n_ctx_seq = n_ctx / n_seq_max, rounded down.
        rt.nCtxSlot = std::max(rt.nCtx / rt.nSlots, 1);
    }
    if (rt.nCtxSlot > model.nCtxTrain) {
        Log::warn(Log::srv(release().release == Release::B7347 ? "init" : "load_model")
                  + Log::format(
                          "the slot context (%d) exceeds the training context of the model (%d) - capping",
                          rt.nCtxSlot, model.nCtxTrain));
        rt.nCtxSlot = model.nCtxTrain;
    }
    rt.model = std::move(model);
    rt.projector = std::move(projector);
    return rt;
}

// A second SIGTERM/SIGINT while shutting down ends the process at once (llama-server's
// signal_handler does the same).
void watchForSecondSignal(sigset_t signals)
{
    std::thread([signals] {
        int received = 0;
        ::sigwait(&signals, &received);
        std::fprintf(stderr, "Received second interrupt, terminating immediately.\n");
        exitNow(1);
    }).detach();
}
// One front end per address --host names (0.5.0 takes a list); exits 1 when one cannot bind.
std::vector<std::unique_ptr<HttpFrontEnd>> bindAll(ServerState &state)
{
    Options &options = state.options;
    const std::vector<std::string> hosts = listenAddresses(options);
    if (hosts.size() > 1 && options.port == 0) {
        Log::error(Log::server() + "--port 0 is not supported with multiple TCP addresses");
        exitNow(1);
    }
    std::vector<std::unique_ptr<HttpFrontEnd>> frontEnds;
    for (const std::string &host : hosts) {
        auto http = std::make_unique<HttpFrontEnd>(state);
        if (!http->bind(host)) {
            Log::error(Log::srv("start")
                       + Log::format("couldn't bind HTTP server socket, hostname: %s, port: %d", host.c_str(),
                                     options.port));
            cleaningUp();
            Log::error(Log::server() + "exiting due to HTTP server error");
            exitNow(1);
        }
        frontEnds.push_back(std::move(http));
    }
    for (const auto &http : frontEnds)
        http->startListening();
    return frontEnds;
}
} // namespace

int main(int argc, char **argv)
{
    recordArguments(argc, argv);
    Log::startClock();
    if (release().initializingLine)
        Log::info(initializingMessage());
    ServerState state;
    Options &options = state.options;
    switch (parseArguments(argc, argv, options)) {
    case ParseOutcome::ExitSuccess:
        return 0;
    case ParseOutcome::ExitFailure:
        return 1;
    case ParseOutcome::Run:
        break;
    }
    state.modes = readFailureModes();
    ::signal(SIGPIPE, SIG_IGN);

    // Threads started from here on never take SIGTERM/SIGINT: the main thread decides when
    // they end the process.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    if (options.modelPath.empty()) {
        Log::error(Log::server() + "fake-llama-server has no router mode: pass -m MODEL");
        return 1;
    }
    if (options.parallel < 0) {
        options.parallel = 4;
        options.kvUnified = 1;
        printStartupWarnings(options, true);
    } else {
        printStartupWarnings(options, false);
    }

    const auto frontEnds = bindAll(state);

    // Until the model is loaded the real server has no signal handler: SIGTERM simply kills it.
    printLoadingModel(options);
    const auto loadStart = Clock::now();
    const auto loadTime =
            std::chrono::milliseconds(state.modes.loadMs >= 0 ? state.modes.loadMs : defaultLoadMs(options));
    pthread_sigmask(SIG_UNBLOCK, &stopSignals, nullptr);

    std::vector<std::string> errors;
    std::optional<ModelInfo> model = loadTextModel(options.modelPath, errors);
    if (!model)
        failLoading(errors, "failed to load model, '" + options.modelPath + "'");
    if (state.modes.oomAtStart)
        failOutOfMemory(*model);
    while (state.modes.hangLoading)
        ::pause();
    std::this_thread::sleep_until(loadStart + loadTime * 3 / 4);
    if (release().timestampedLog)
        Log::info(Log::cmn("init")
                  + Log::format("llama threadpool init, n_threads = %u",
                                std::max(1u, std::thread::hardware_concurrency())));

    std::optional<ProjectorInfo> projector;
    if (!options.mmprojPath.empty()) {
        projector = loadProjector(options.mmprojPath, errors);
        if (!projector)
            failLoading(errors, "failed to load multimodal model, '" + options.mmprojPath + "'");
    }
    std::this_thread::sleep_until(loadStart + loadTime);
    if (projector)
        Log::info(Log::srv("load_model") + "loaded multimodal model, '" + options.mmprojPath + "'");

    state.runtime = settleContext(options, std::move(*model), std::move(projector));
    state.slots.resize(state.runtime.nSlots);
    printSlotsInitialized(state.runtime);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    state.ready = true;
    printReady(options);

    int received = 0;
    sigwait(&stopSignals, &received);
    // Generation stops; open streams hang, without data or close, until the process exits
    // after the SSE ping interval (or FAKE_LLAMA_SIGTERM_STALL_MS). No open request: at once.
    state.terminating = true;
    cleaningUp();
    watchForSecondSignal(stopSignals);
    state.waitForIdle(state.modes.sigtermStallMs >= 0 ? state.modes.sigtermStallMs
                                                      : options.ssePingIntervalS * 1000);
    exitNow(0);
}
