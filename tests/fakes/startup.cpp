#include "startup.h"

#include <algorithm>
#include <thread>

#include "release.h"
#include "samples.h"
#include "serverlog.h"
#include "serverstate.h"

namespace FakeLlama {
namespace {
bool isB7347()
{
    return release().release == Release::B7347;
}

// The line of a sample that contains `needle`, without its newline.
std::string sampleLine(const std::string &sample, const std::string &needle)
{
    const size_t at = sample.find(needle);
    if (at == std::string::npos)
        return needle;
    const size_t begin = sample.rfind('\n', at);
    const size_t start = begin == std::string::npos ? 0 : begin + 1;
    return sample.substr(start, sample.find('\n', at) - start);
}

// A 0.5.0 sample line without its timestamp and level: the message the log prints.
std::string sampleMessage(const std::string &sample, const std::string &needle)
{
    const std::string line = sampleLine(sample, needle);
    const size_t level = line.find(' ');
    return level == std::string::npos || level + 3 > line.size() ? line : line.substr(level + 3);
}

void printApiKeys(const Options &options)
{
    if (options.apiKeys.size() == 1) {
        const std::string &key = options.apiKeys.front();
        Log::info(Log::srv("init") + "api_keys: ****" + key.substr(key.size() > 4 ? key.size() - 4 : 0));
    } else if (options.apiKeys.size() > 1) {
        Log::info(Log::srv("init") + Log::format("api_keys: %zu keys loaded", options.apiKeys.size()));
    }
}

int httpThreads(const Options &options)
{
    return std::max(options.parallel + 4, static_cast<int>(std::thread::hardware_concurrency()) - 1);
}

void printPortNotice(const Options &options)
{
    // A paraphrase: no capture shows the real wording (README.md).
    if (options.port == 8080)
        Log::warn(Log::server()
                  + "NOTICE: the default port 8080 will change to 9931 in a future release, pass --port to keep it");
}

void printB7347Startup(const Options &options, bool autoParallel)
{
    const std::string sample = Samples::s_b7347_startup_think_vision_stderr;
    if (autoParallel)
        Log::info(sampleLine(sample, "main: setting n_parallel = 4 and kv_unified = true"));
    Log::info(sampleLine(sample, "build: "));
    Log::info(sampleLine(sample, "system info: "));
    Log::info("");
    Log::info(sampleLine(sample, "system_info: "));
    Log::info("");
    // b7347 prints no CORS or missing-key warning.
    printApiKeys(options);
    Log::info(Log::format("init: using %d threads for HTTP server", httpThreads(options)));
    printPortNotice(options);
    Log::info("start: binding port with default address family");
}

void print040Startup(const Options &options, bool autoParallel)
{
    Log::info(Log::cmn("common_param") + "common_params_print_info: verbosity = 3 (adjust with the `-lv N` CLI arg)");
    if (autoParallel)
        Log::info(Log::server() + "n_parallel is set to auto, using n_parallel = 4 and kv_unified = true");
    printApiKeys(options);
    Log::info(Log::srv("init") + Log::format("using %d threads for HTTP server", httpThreads(options)));
    if (options.apiKeys.empty()) {
        // LLAMA_SERVER.md's 0.4.0 text.
        const std::string srv = Log::server();
        Log::warn(srv + "-----------------");
        Log::warn(srv + "CORS is set to allow all origins ('*') and no API key is set");
        Log::warn(srv + "this can be a security risk (cross-origin attacks)");
        Log::warn(srv + "more info: https://github.com/ggml-org/llama.cpp/pull/25655");
        Log::warn(srv + "-----------------");
    }
    printPortNotice(options);
    Log::info(Log::srv("start") + "binding port with default address family");
}

void print050Startup(const Options &options)
{
    // "initializing ..." came first, before the arguments were parsed (main.cpp).
    const std::string sample = Samples::s_0_5_0_startup_think_vision_stderr;
    Log::info(sampleMessage(sample, "common_params_print_info: "));
    if (options.apiKeys.empty())
        Log::warn(sampleMessage(Samples::s_0_5_0_missing_model_stderr, "security: no API key is set"));
    printPortNotice(options);
}
} // namespace

std::vector<std::string> listenAddresses(const Options &options)
{
    if (!release().hostList)
        return {options.host};
    std::vector<std::string> hosts;
    size_t start = 0;
    for (;;) {
        const size_t comma = options.host.find(',', start);
        hosts.push_back(options.host.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos)
            return hosts;
        start = comma + 1;
    }
}

void printStartupWarnings(const Options &options, bool autoParallel)
{
    switch (release().release) {
    case Release::B7347:
        return printB7347Startup(options, autoParallel);
    case Release::R0_4_0:
        return print040Startup(options, autoParallel);
    case Release::R0_5_0:
        return print050Startup(options);
    }
}

void printLoadingModel(const Options &options)
{
    if (isB7347())
        Log::info("main: loading model");
    Log::info(Log::srv("load_model") + "loading model '" + options.modelPath + "'");
}

void printSlotsInitialized(const Runtime &runtime)
{
    if (!isB7347()) {
        Log::info(Log::srv("load_model")
                  + Log::format("initializing, n_slots = %d, n_ctx_slot = %d, kv_unified = '%s'", runtime.nSlots,
                                runtime.nCtxSlot, runtime.kvUnified ? "true" : "false"));
        return;
    }
    Log::info(Log::srv("init") + Log::format("initializing slots, n_slots = %d", runtime.nSlots));
    for (int i = 0; i < runtime.nSlots; ++i)
        Log::info(Log::slot("init", i, -1) + Log::format("new slot, n_ctx = %d", runtime.nCtxSlot));
}

void printReady(const Options &options)
{
    Log::info(Log::server() + "model loaded");
    for (const std::string &host : listenAddresses(options)) {
        if (isB7347())
            Log::info(Log::format("main: server is listening on http://%s:%d", host.c_str(), options.port));
        else
            Log::info(Log::server() + Log::format("listening on http://%s:%d", host.c_str(), options.port));
    }
    if (isB7347()) {
        Log::info("main: starting the main loop...");
        Log::info(Log::srv("update_slots") + "all slots are idle");
    }
}
} // namespace FakeLlama
