#pragma once

// Which llama-server release the fake imitates (FAKE_LLAMA_RELEASE = 0.5.0, the default,
// 0.4.0 or b7347) and everything that differs between them: LLAMA_SERVER.md's "Release
// differences" and the real outputs in ../shared/llama-server-samples/. Every other file asks
// here instead of testing the release itself.

#include <string>
#include <string_view>

namespace FakeLlama {
enum class Release {
    R0_4_0,
    R0_5_0,
    B7347
};

struct ReleaseTraits
{
    Release release;
    const char *name;      // as FAKE_LLAMA_RELEASE spells it
    const char *buildInfo; // /props build_info and every chunk's system_fingerprint
    // b7347 names the model by the basename of -m; 0.4.0/0.5.0 by -m exactly as given.
    bool modelNamedByBasename;
    bool refusesMmapFlags;     // 0.5.0: --mmap, --no-mmap, --mlock, -dio are gone
    bool knowsLoadMode;        // -lm/--load-mode
    bool nglTakesWords;        // -ngl auto|all besides a number
    bool hostList;             // --host takes a comma-separated list (0.5.0)
    bool modelsNeedNoKey;      // b7347 lets /models, /v1/models and /api/tags through
    bool checksAudioFormat;    // b7347: input_audio.format must be wav or mp3
    bool separatesReasoning;   // reasoning_content apart from content (not b7347)
    bool timestampedLog;       // "M.SS.mmm.uuu L ..." lines; b7347 prints bare text
    bool initializingLine;     // 0.5.0 logs "initializing ..." before anything else
    bool abortsOnBothProjector; // b7347: GGML_ASSERT with tiny-mmproj-both.gguf
};

// The release chosen by FAKE_LLAMA_RELEASE, read once. An unknown value ends the process
// (exit 1) with a message: a typo must not silently test the default.
const ReleaseTraits &release();

// --version output (stderr) and --help output (stdout), quoted from the samples.
std::string versionText();
std::string helpText();
// 0.5.0 only: the log line ("srv  llama_server: initializing ...") that precedes everything.
std::string initializingMessage();

// Whether `path` answers without the API key when one is set.
bool keylessPath(std::string_view path);
} // namespace FakeLlama
