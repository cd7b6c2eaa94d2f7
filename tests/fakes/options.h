#pragma once

// Command line of the fake llama-server (the subset of llama.cpp's common/arg.cpp that
// Llamadesk and its tests use, plus harmless flags that are accepted and ignored) and the
// FAKE_LLAMA_* failure knobs read from the environment.

#include <string>
#include <vector>

namespace FakeLlama {
struct Options
{
    std::string modelPath;  // -m, exactly as given: /v1/models reports it verbatim
    std::string mmprojPath; // --mmproj
    std::vector<std::string> aliases; // -a NAME[,NAME…]: the first names the model in the API
    std::string host = "127.0.0.1"; // 0.5.0: a comma-separated list
    int port = 8080;
    int ctxSize = 0;    // 0: the model's training context
    int parallel = -1;  // -1: "auto" (4 slots and a unified KV cache)
    int kvUnified = -1; // -1: not given; 0/1: --no-kv-unified / --kv-unified
    int nPredict = -1;  // server-wide default for n_predict
    // --context-shift: a reply is no longer cut at the slot context (the real server drops old
    // tokens and goes on); --no-context-shift, the default here, cuts it with finish_reason length.
    bool contextShift = false;
    int ssePingIntervalS = 30;
    std::vector<std::string> apiKeys;
    bool jinja = true;
    bool metrics = false;
    bool slots = true;
    std::string reasoningFormat = "auto";
    std::string mediaPath;
};

// What the fake is told to do wrong, from FAKE_LLAMA_* environment variables
// (documented in README.md).
struct FailureModes
{
    int loadMs = -1; // -1: about what the real server needs for the given model and projector
    bool hangLoading = false;
    bool neverHealthy = false;
    bool oomAtStart = false;
    int crashAfterTokens = -1;
    int stallAfterTokens = -1;
    int errorAfterTokens = -1;
    int endlessLineAfterTokens = -1; // FAKE_LLAMA_ENDLESS_LINE_AFTER_TOKENS
    bool malformedChunks = false;
    double tokensPerSecond = 1500.0;
    int replyTokens = 24;
    int sigtermStallMs = -1; // -1: the SSE ping interval
    std::string recordDir;   // FAKE_LLAMA_RECORD_DIR: each chat request body is written there
    int promptMs = -1;       // FAKE_LLAMA_PROMPT_MS: prompt processing time; -1: from the prompt size
    bool essay = false;      // FAKE_LLAMA_ESSAY: answers as paragraphs, headings and lists
    // FAKE_LLAMA_BURN_US_PER_TOKEN: each token costs this much CPU time on each of burnThreads
    // threads (FAKE_LLAMA_BURN_THREADS, default: every core), as llama-server's decode does;
    // the pace is then what the CPU allows (capped by tokensPerSecond). 0: sleep-paced.
    int burnMicrosPerToken = 0;
    int burnThreads = 0;
};

// FAKE_LLAMA_RECORD_DIR: argv.json, a JSON array of the arguments after argv[0]. Called
// first thing in main(), before anything can fail.
void recordArguments(int argc, char **argv);

enum class ParseOutcome {
    Run,
    ExitSuccess,
    ExitFailure
};

// Parses argv (and the LLAMA_ARG_* / LLAMA_API_KEY environment variables the real server
// reads). Prints what the real server prints for --version, --help and bad arguments.
ParseOutcome parseArguments(int argc, char **argv, Options &options);

FailureModes readFailureModes();
} // namespace FakeLlama
