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

std::vector<Piece> naturalReply(const std::string &prompt, int replyTokens, bool thinking, bool essay)
{
    uint64_t state = fnv1a(prompt);
    std::vector<Piece> pieces;
    const int reasoning = thinking ? std::max(1, replyTokens / 3) : 0;
    // The essay's shape: words left in this sentence, sentences left in this paragraph, and
    // the kind of block being written.
    enum class Block { Paragraph, Heading, List };
    Block block = Block::Paragraph;
    int wordsLeft = 0;
    int sentencesLeft = 0;
    int itemsLeft = 0;
    bool blockStart = true;
    for (int i = 0; i < replyTokens; ++i) {
        if (thinking && i == reasoning) {
            pieces.push_back({Piece::Kind::EndOfThinking, "\n</think>\n\n"});
            continue;
        }
        const Piece::Kind kind = i < reasoning ? Piece::Kind::Reasoning : Piece::Kind::Content;
        // SentencePiece words carry their leading space, as in the measured " Express".
        std::string word = Words[splitmix(state) % Words.size()];
        if (!essay || kind == Piece::Kind::Reasoning) {
            pieces.push_back({kind, " " + word});
            continue;
        }
        if (blockStart) {
            blockStart = false;
            const uint64_t pick = splitmix(state) % 10;
            block = pick == 0 ? Block::Heading : pick == 1 ? Block::List : Block::Paragraph;
            wordsLeft = block == Block::Heading ? 2 + static_cast<int>(splitmix(state) % 4)
                                                : 6 + static_cast<int>(splitmix(state) % 14);
            sentencesLeft = 3 + static_cast<int>(splitmix(state) % 5);
            itemsLeft = 3 + static_cast<int>(splitmix(state) % 3);
            pieces.push_back({kind, block == Block::Heading ? "## " : block == Block::List ? "- " : ""});
            pieces.back().text += word;
            --wordsLeft;
            continue;
        }
        if (wordsLeft > 0) {
            pieces.push_back({kind, " " + word});
            --wordsLeft;
            continue;
        }
        // The end of a sentence, a heading or a list item: one token of punctuation and breaks.
        std::string end;
        switch (block) {
        case Block::Heading:
            end = "\n\n";
            blockStart = true;
            break;
        case Block::List:
            end = --itemsLeft > 0 ? "\n- " : "\n\n";
            blockStart = itemsLeft <= 0;
            wordsLeft = 3 + static_cast<int>(splitmix(state) % 8);
            break;
        case Block::Paragraph:
            end = --sentencesLeft > 0 ? "." : ".\n\n";
            blockStart = sentencesLeft <= 0;
            wordsLeft = 6 + static_cast<int>(splitmix(state) % 14);
            break;
        }
        pieces.push_back({kind, end});
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
