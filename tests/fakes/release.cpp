#include "release.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <regex>

#include "samples.h"

namespace FakeLlama {
namespace {
constexpr std::array<ReleaseTraits, 3> Releases = {{
        {.release = Release::R0_5_0,
         .name = "0.5.0",
         .buildInfo = "b1-de3ff81",
         .modelNamedByBasename = false,
         .refusesMmapFlags = true,
         .knowsLoadMode = true,
         .nglTakesWords = true,
         .hostList = true,
         .modelsNeedNoKey = false,
         .checksAudioFormat = false,
         .separatesReasoning = true,
         .timestampedLog = true,
         .initializingLine = true,
         .abortsOnBothProjector = false},
        {.release = Release::R0_4_0,
         .name = "0.4.0",
         .buildInfo = "b1-80fb11a",
         .modelNamedByBasename = false,
         .refusesMmapFlags = false,
         .knowsLoadMode = true,
         .nglTakesWords = true,
         .hostList = false,
         .modelsNeedNoKey = false,
         .checksAudioFormat = false,
         .separatesReasoning = true,
         .timestampedLog = true,
         .initializingLine = false,
         .abortsOnBothProjector = false},
        {.release = Release::B7347,
         .name = "b7347",
         .buildInfo = "b1-57a6f5c",
         .modelNamedByBasename = true,
         .refusesMmapFlags = false,
         .knowsLoadMode = false,
         .nglTakesWords = false,
         .hostList = false,
         .modelsNeedNoKey = true,
         .checksAudioFormat = true,
         .separatesReasoning = false,
         .timestampedLog = false,
         .initializingLine = false,
         .abortsOnBothProjector = true},
}};

// The samples end with the exit code the capture saw ("exit 0"), which is not output.
std::string withoutExitLine(std::string text)
{
    const size_t last = text.rfind("\nexit ");
    if (last != std::string::npos)
        text.erase(last + 1);
    return text;
}

// The first line of `text` that contains `needle`, without its newline.
std::string lineWith(const std::string &text, const std::string &needle)
{
    const size_t at = text.find(needle);
    if (at == std::string::npos)
        return {};
    const size_t begin = text.rfind('\n', at);
    const size_t start = begin == std::string::npos ? 0 : begin + 1;
    return text.substr(start, text.find('\n', at) - start);
}

// A log line's timestamp and level ("0.00.000.593 I ").
const std::regex &logPrefix()
{
    static const std::regex prefix(R"(\d+\.\d{2}\.\d{3}\.\d{3} [IWED] )");
    return prefix;
}
} // namespace

const ReleaseTraits &release()
{
    static const ReleaseTraits &chosen = [&]() -> const ReleaseTraits & {
        const char *value = std::getenv("FAKE_LLAMA_RELEASE");
        const std::string wanted = value && *value ? value : "0.5.0";
        for (const ReleaseTraits &traits : Releases)
            if (wanted == traits.name)
                return traits;
        std::fprintf(stderr, "fake-llama-server: FAKE_LLAMA_RELEASE='%s' is none of 0.5.0, 0.4.0, b7347\n",
                     wanted.c_str());
        std::exit(1);
    }();
    return chosen;
}

std::string versionText()
{
    const std::string v050 = withoutExitLine(Samples::s_0_5_0_version_txt);
    // 0.5.0 prints its "initializing ..." log line first; that goes through the log.
    const std::string v050Version = v050.substr(v050.find("version: "));
    switch (release().release) {
    case Release::R0_5_0:
        return v050Version;
    case Release::R0_4_0:
        // No 0.4.0 sample: LLAMA_SERVER.md's first line, the 0.5.0 sample's compiler line.
        return "version: 0.4.0-dev (build 1, commit 80fb11a)\n" + lineWith(v050Version, "built with ") + "\n";
    case Release::B7347:
        return withoutExitLine(Samples::s_b7347_version_txt);
    }
    return v050Version;
}

std::string helpText()
{
    if (release().release == Release::B7347)
        return withoutExitLine(Samples::s_b7347_help_txt);
    // 0.4.0 has no sample: it prints the 0.5.0 text. In the 0.5.0 capture the stderr line
    // "initializing ..." landed inside a stdout line; the help itself is the text without it.
    std::string help = withoutExitLine(Samples::s_0_5_0_help_txt);
    std::smatch found;
    static const std::regex interleaved(R"(\d+\.\d{2}\.\d{3}\.\d{3} I srv  llama_server: initializing \.\.\.\n)");
    if (std::regex_search(help, found, interleaved))
        help.erase(static_cast<size_t>(found.position(0)), static_cast<size_t>(found.length(0)));
    return help;
}

std::string initializingMessage()
{
    const std::string line = lineWith(Samples::s_0_5_0_version_txt, "initializing ...");
    return std::regex_replace(line, logPrefix(), "", std::regex_constants::format_first_only);
}

bool keylessPath(std::string_view path)
{
    // keyless-status-codes.txt of each release; 0.4.0 is 0.5.0's (LLAMA_SERVER.md).
    if (path == "/health" || path == "/v1/health" || path == "/")
        return true;
    return release().modelsNeedNoKey && (path == "/models" || path == "/v1/models" || path == "/api/tags");
}
} // namespace FakeLlama
