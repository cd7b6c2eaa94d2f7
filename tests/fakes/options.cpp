#include "options.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "serverlog.h"
#include "release.h"

namespace FakeLlama {
namespace {
using Apply = std::function<void(Options &, const std::string &)>;

struct Flag
{
    std::vector<std::string> names;
    bool takesValue = false;
    Apply apply;               // may be empty: accepted and ignored
    const char *env = nullptr; // environment variable the real server reads for it
};

int toInt(const std::string &value)
{
    size_t used = 0;
    const int result = std::stoi(value, &used);
    if (used != value.size())
        throw std::invalid_argument("stoi");
    return result;
}

bool envTruthy(const std::string &value)
{
    return value == "1" || value == "true" || value == "on" || value == "enabled";
}

std::vector<std::string> splitKeys(const std::string &value)
{
    std::vector<std::string> keys;
    size_t start = 0;
    while (start <= value.size()) {
        const size_t comma = value.find(',', start);
        const std::string key =
                value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!key.empty())
            keys.push_back(key);
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return keys;
}

std::vector<Flag> flagTable()
{
    std::vector<Flag> flags = {
            {{"-m", "--model"},
             true,
             [](Options &o, const std::string &v) { o.modelPath = v; },
             "LLAMA_ARG_MODEL"},
            {{"-mm", "--mmproj"},
             true,
             [](Options &o, const std::string &v) { o.mmprojPath = v; },
             "LLAMA_ARG_MMPROJ"},
            {{"-a", "--alias"},
             true,
             [](Options &o, const std::string &v) { o.aliases = splitKeys(v); },
             "LLAMA_ARG_ALIAS"},
            {{"--host"}, true, [](Options &o, const std::string &v) { o.host = v; }, "LLAMA_ARG_HOST"},
            {{"--port"}, true, [](Options &o, const std::string &v) { o.port = toInt(v); }, "LLAMA_ARG_PORT"},
            {{"-c", "--ctx-size"},
             true,
             [](Options &o, const std::string &v) { o.ctxSize = toInt(v); },
             "LLAMA_ARG_CTX_SIZE"},
            {{"-np", "--parallel"},
             true,
             [](Options &o, const std::string &v) { o.parallel = toInt(v); },
             "LLAMA_ARG_N_PARALLEL"},
            {{"-kvu", "--kv-unified"},
             false,
             [](Options &o, const std::string &) { o.kvUnified = 1; },
             "LLAMA_ARG_KV_UNIFIED"},
            {{"-no-kvu", "--no-kv-unified"},
             false,
             [](Options &o, const std::string &) { o.kvUnified = 0; },
             nullptr},
            {{"-n", "--predict", "--n-predict"},
             true,
             [](Options &o, const std::string &v) { o.nPredict = toInt(v); },
             "LLAMA_ARG_N_PREDICT"},
            {{"--api-key"},
             true,
             [](Options &o, const std::string &v) { o.apiKeys = splitKeys(v); },
             "LLAMA_API_KEY"},
            {{"--api-key-file"},
             true,
             [](Options &o, const std::string &v) {
                 std::ifstream file(v);
                 if (!file)
                     throw std::runtime_error("failed to open file '" + v + "'");
                 for (std::string key; std::getline(file, key);)
                     if (!key.empty() && key.front() != '#')
                         o.apiKeys.push_back(key);
             },
             nullptr},
            {{"--jinja"}, false, [](Options &o, const std::string &) { o.jinja = true; }, "LLAMA_ARG_JINJA"},
            {{"--no-jinja"}, false, [](Options &o, const std::string &) { o.jinja = false; }, nullptr},
            {{"--metrics"},
             false,
             [](Options &o, const std::string &) { o.metrics = true; },
             "LLAMA_ARG_ENDPOINT_METRICS"},
            {{"--slots"}, false, [](Options &o, const std::string &) { o.slots = true; }, nullptr},
            {{"--no-slots"}, false, [](Options &o, const std::string &) { o.slots = false; }, nullptr},
            {{"--reasoning-format"},
             true,
             [](Options &o, const std::string &v) {
                 if (v != "none" && v != "auto" && v != "deepseek" && v != "deepseek-legacy")
                     throw std::invalid_argument("Unknown reasoning format: " + v);
                 o.reasoningFormat = v;
             },
             "LLAMA_ARG_THINK"},
            {{"--sse-ping-interval"},
             true,
             [](Options &o, const std::string &v) { o.ssePingIntervalS = toInt(v); },
             nullptr},
            {{"--context-shift"}, false, [](Options &o, const std::string &) { o.contextShift = true; }, nullptr},
            {{"--no-context-shift"}, false, [](Options &o, const std::string &) { o.contextShift = false; }, nullptr},
            {{"--media-path"}, true, [](Options &o, const std::string &v) { o.mediaPath = v; }, nullptr},
            {{"-ngl", "--gpu-layers", "--n-gpu-layers"},
             true,
             [](Options &, const std::string &v) {
                 // b7347: a number; 0.4.0/0.5.0 also "auto" and "all" (their --help).
                 if (!(release().nglTakesWords && (v == "auto" || v == "all")))
                     toInt(v);
             },
             "LLAMA_ARG_N_GPU_LAYERS"},
    };
    if (release().knowsLoadMode)
        flags.push_back({{"-lm", "--load-mode"}, true, {}, "LLAMA_ARG_LOAD_MODE"});
    // 0.5.0 removed the loading switches (--load-mode replaces them): they are unknown
    // arguments there. b7347's --help lists --mlock and --no-mmap only; 0.4.0 still takes all
    // four (deprecated).
    if (release().release == Release::B7347) {
        flags.push_back({{"--mlock"}, false, {}, nullptr});
        flags.push_back({{"--no-mmap"}, false, {}, nullptr});
    } else if (release().release == Release::R0_4_0) {
        for (const char *name : {"--mlock", "--no-mmap", "--mmap", "-dio"})
            flags.push_back({{name}, false, {}, nullptr});
    }

    // Accepted so that an argument builder written for the real server also starts the fake;
    // they change nothing here.
    const std::initializer_list<std::initializer_list<const char *>> ignoredSwitches = {
            {"--props"},
            {"-cb", "--cont-batching"},
            {"-nocb", "--no-cont-batching"},
            {"--no-warmup"},
            {"--embedding", "--embeddings"},
            {"--reranking", "--rerank"},
            {"-v", "--verbose", "--log-verbose"},
            {"--log-disable"},
            {"--log-prefix"},
            {"--log-timestamps"},
            {"--no-webui"},
            {"--webui"},
            {"--no-ui"},
            {"--ui"},
            {"--no-mmproj"},
            {"--mmproj-offload"},
            {"--no-mmproj-offload"},
            {"--no-perf"},
            {"--perf"},
            {"--check-tensors"},
            {"-nkvo", "--no-kv-offload"},
            {"--kv-offload"},
            {"-sp", "--special"},
            {"--swa-full"},
            {"--offline"},
            {"--verbose-prompt"},
            {"--no-prefill-assistant"},
            {"--cache-prompt"},
            {"--no-cache-prompt"},
            {"-cmoe", "--cpu-moe"},
            {"--no-op-offload"},
    };
    const std::initializer_list<std::initializer_list<const char *>> ignoredValues = {
            {"-t", "--threads"},
            {"-tb", "--threads-batch"},
            {"-b", "--batch-size"},
            {"-ub", "--ubatch-size"},
            {"-fa", "--flash-attn"},
            {"--reasoning-budget"},
            {"-rea", "--reasoning"},
            {"--chat-template"},
            {"--chat-template-file"},
            {"--chat-template-kwargs"},
            {"-to", "--timeout"},
            {"--threads-http"},
            {"--cache-reuse"},
            {"-ctk", "--cache-type-k"},
            {"-ctv", "--cache-type-v"},
            {"-lv", "--verbosity", "--log-verbosity"},
            {"--log-file"},
            {"--rpc"},
            {"-dev", "--device"},
            {"-ts", "--tensor-split"},
            {"-sm", "--split-mode"},
            {"-mg", "--main-gpu"},
            {"-s", "--seed"},
            {"--temp"},
            {"--top-k"},
            {"--top-p"},
            {"--min-p"},
            {"--repeat-penalty"},
            {"--repeat-last-n"},
            {"--presence-penalty"},
            {"--frequency-penalty"},
            {"--keep"},
            {"--path"},
            {"--api-prefix"},
            {"-cram", "--cache-ram"},
            {"--sleep-idle-seconds"},
            {"-fit", "--fit"},
            {"--numa"},
            {"-ncmoe", "--n-cpu-moe"},
            {"-ot", "--override-tensor"},
            {"--lora"},
            {"--grammar"},
            {"--grammar-file"},
            {"--slot-save-path"},
            {"--image-min-tokens"},
            {"--image-max-tokens"},
            {"--prio"},
            {"--cors-origins"},
    };
    for (const auto &names : ignoredSwitches)
        flags.push_back({std::vector<std::string>(names.begin(), names.end()), false, {}, nullptr});
    for (const auto &names : ignoredValues)
        flags.push_back({std::vector<std::string>(names.begin(), names.end()), true, {}, nullptr});
    return flags;
}

void printVersion()
{
    // arg.cpp prints these lines with fprintf(stderr, ...), not through the log.
    const std::string text = versionText();
    std::fwrite(text.data(), 1, text.size(), stderr);
}

void printUsage()
{
    const std::string text = helpText();
    std::fwrite(text.data(), 1, text.size(), stdout);
}

std::string normalised(std::string arg)
{
    // arg.cpp accepts "--ctx_size" for "--ctx-size".
    if (arg.rfind("--", 0) == 0)
        std::replace(arg.begin(), arg.end(), '_', '-');
    return arg;
}
} // namespace

ParseOutcome parseArguments(int argc, char **argv, Options &options)
{
    const std::vector<Flag> flags = flagTable();
    std::map<std::string, const Flag *> byName;
    for (const Flag &flag : flags)
        for (const std::string &name : flag.names)
            byName[name] = &flag;

    // Environment first; the command line overrides it (arg.cpp's order).
    for (const Flag &flag : flags) {
        if (!flag.env || !flag.apply)
            continue;
        const char *value = std::getenv(flag.env);
        if (!value)
            continue;
        if (!flag.takesValue && !envTruthy(value))
            continue;
        try {
            flag.apply(options, flag.takesValue ? std::string(value) : std::string());
        } catch (const std::exception &e) {
            std::fprintf(stderr, "error while handling environment variable \"%s\": %s\n\n", flag.env,
                         e.what());
            return ParseOutcome::ExitFailure;
        }
    }

    for (int i = 1; i < argc; ++i) {
        const std::string arg = normalised(argv[i]);
        if (arg == "--version") {
            printVersion();
            return ParseOutcome::ExitSuccess;
        }
        if (arg == "-h" || arg == "--help" || arg == "--usage") {
            printUsage();
            return ParseOutcome::ExitSuccess;
        }
        const auto found = byName.find(arg);
        if (found == byName.end()) {
            // The real server refuses unknown arguments too (common_params_parse_ex).
            std::fprintf(stderr, "error: invalid argument: %s\n", arg.c_str());
            return ParseOutcome::ExitFailure;
        }
        const Flag &flag = *found->second;
        if (flag.env && std::getenv(flag.env))
            std::fprintf(
                    stderr,
                    "warn: %s environment variable is set, but will be overwritten by command line argument %s\n",
                    flag.env, arg.c_str());
        std::string value;
        if (flag.takesValue) {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "error while handling argument \"%s\": expected value for argument\n\n",
                             arg.c_str());
                return ParseOutcome::ExitFailure;
            }
            value = argv[++i];
        }
        try {
            if (flag.apply)
                flag.apply(options, value);
        } catch (const std::exception &e) {
            std::fprintf(stderr,
                         "error while handling argument \"%s\": %s\n\nto show complete usage, run with -h\n",
                         arg.c_str(), e.what());
            return ParseOutcome::ExitFailure;
        }
    }
    return ParseOutcome::Run;
}

namespace {
std::string envString(const char *name)
{
    const char *value = std::getenv(name);
    return value ? std::string(value) : std::string();
}

template<typename T, typename Convert>
void readNumber(const char *name, T &target, Convert convert)
{
    const std::string value = envString(name);
    if (value.empty())
        return;
    try {
        target = convert(value);
    } catch (const std::exception &) {
        Log::warn(Log::server() + "fake: ignoring " + name + "='" + value + "': not a number");
    }
}

int toIntEnv(const std::string &value)
{
    return toInt(value);
}

double toDoubleEnv(const std::string &value)
{
    size_t used = 0;
    const double result = std::stod(value, &used);
    if (used != value.size())
        throw std::invalid_argument("stod");
    return result;
}
} // namespace

FailureModes readFailureModes()
{
    FailureModes modes;
    readNumber("FAKE_LLAMA_LOAD_MS", modes.loadMs, toIntEnv);
    modes.hangLoading = envTruthy(envString("FAKE_LLAMA_HANG_LOADING"));
    modes.neverHealthy = envTruthy(envString("FAKE_LLAMA_NEVER_HEALTHY"));
    modes.oomAtStart = envTruthy(envString("FAKE_LLAMA_OOM_AT_START"));
    readNumber("FAKE_LLAMA_CRASH_AFTER_TOKENS", modes.crashAfterTokens, toIntEnv);
    readNumber("FAKE_LLAMA_STALL_AFTER_TOKENS", modes.stallAfterTokens, toIntEnv);
    readNumber("FAKE_LLAMA_ERROR_AFTER_TOKENS", modes.errorAfterTokens, toIntEnv);
    readNumber("FAKE_LLAMA_ENDLESS_LINE_AFTER_TOKENS", modes.endlessLineAfterTokens, toIntEnv);
    modes.malformedChunks = envTruthy(envString("FAKE_LLAMA_MALFORMED_CHUNKS"));
    readNumber("FAKE_LLAMA_TOKENS_PER_SECOND", modes.tokensPerSecond, toDoubleEnv);
    if (modes.tokensPerSecond <= 0)
        modes.tokensPerSecond = 1500.0;
    readNumber("FAKE_LLAMA_REPLY_TOKENS", modes.replyTokens, toIntEnv);
    modes.replyTokens = std::max(modes.replyTokens, 1);
    readNumber("FAKE_LLAMA_SIGTERM_STALL_MS", modes.sigtermStallMs, toIntEnv);
    if (const char *dir = std::getenv("FAKE_LLAMA_RECORD_DIR"))
        modes.recordDir = dir;
    readNumber("FAKE_LLAMA_PROMPT_MS", modes.promptMs, toIntEnv);
    modes.essay = envTruthy(envString("FAKE_LLAMA_ESSAY"));
    readNumber("FAKE_LLAMA_BURN_US_PER_TOKEN", modes.burnMicrosPerToken, toIntEnv);
    readNumber("FAKE_LLAMA_BURN_THREADS", modes.burnThreads, toIntEnv);
    if (modes.burnThreads <= 0)
        modes.burnThreads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    return modes;
}

void recordArguments(int argc, char **argv)
{
    const char *dir = std::getenv("FAKE_LLAMA_RECORD_DIR");
    if (!dir || !*dir)
        return;
    nlohmann::json arguments = nlohmann::json::array();
    for (int i = 1; i < argc; ++i)
        arguments.push_back(argv[i]);
    const std::string text = arguments.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    // Written aside and renamed, so that a reader never sees half a file.
    const std::filesystem::path partial = std::filesystem::path(dir) / "argv.json.part";
    if (std::FILE *file = std::fopen(partial.c_str(), "wb")) {
        std::fwrite(text.data(), 1, text.size(), file);
        std::fclose(file);
        std::error_code error;
        std::filesystem::rename(partial, std::filesystem::path(dir) / "argv.json", error);
    }
}
} // namespace FakeLlama
