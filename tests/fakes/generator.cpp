#include "generator.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace FakeLlama {
namespace {
constexpr std::array<const char *, 48> Words = {
        "Express", "llama",  "river",    "quiet",  "lantern", "orbit",   "meadow",  "signal",
        "copper",  "gentle", "harbor",   "puzzle", "violet",  "engine",  "summit",  "breeze",
        "canvas",  "delta",  "ember",    "fable",  "glacier", "hollow",  "island",  "jasmine",
        "kettle",  "ledger", "marble",   "nectar", "oasis",   "pebble",  "quartz",  "ribbon",
        "saddle",  "timber", "umbrella", "velvet", "willow",  "yonder",  "zephyr",  "anchor",
        "bramble", "cobalt", "drift",    "echo",   "falcon",  "granite", "horizon", "ivory",
};

uint64_t fnv1a(const std::string &text)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

uint64_t splitmix(uint64_t &state)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
} // namespace

std::vector<Piece> naturalReply(const std::string &prompt, int replyTokens, bool thinking)
{
    uint64_t state = fnv1a(prompt);
    std::vector<Piece> pieces;
    const int reasoning = thinking ? std::max(1, replyTokens / 3) : 0;
    for (int i = 0; i < replyTokens; ++i) {
        if (thinking && i == reasoning) {
            pieces.push_back({Piece::Kind::EndOfThinking, "\n</think>\n\n"});
            continue;
        }
        // SentencePiece words carry their leading space, as in the measured " Express".
        const char *word = Words[splitmix(state) % Words.size()];
        pieces.push_back(
                {i < reasoning ? Piece::Kind::Reasoning : Piece::Kind::Content, std::string(" ") + word});
    }
    return pieces;
}

std::optional<nlohmann::ordered_json> deltaFor(const Piece &piece, bool thinking, bool extractReasoning,
                                               bool firstToken)
{
    if (extractReasoning) {
        if (piece.kind == Piece::Kind::EndOfThinking)
            return std::nullopt;
        const char *field = piece.kind == Piece::Kind::Reasoning ? "reasoning_content" : "content";
        return nlohmann::ordered_json{{field, piece.text}};
    }
    // The <think> that opened the block sits in the prompt; reasoning_format "none" still
    // shows the whole block inside content.
    const std::string prefix = thinking && firstToken ? "<think>\n" : "";
    return nlohmann::ordered_json{{"content", prefix + piece.text}};
}
} // namespace FakeLlama
