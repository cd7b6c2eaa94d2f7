#pragma once

// The fake "model": a deterministic reply of pseudo-words for a prompt, one token per
// word, with a reasoning part first when the chat template opened a <think> block.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace FakeLlama {
struct Piece
{
    enum class Kind {
        Reasoning,
        EndOfThinking,
        Content
    };
    Kind kind = Kind::Content;
    std::string text;
};

// The whole natural answer (what the model says when nothing limits it): replyTokens tokens,
// the first third of them reasoning when `thinking`, the same for the same prompt.
// With `essay`, the content is shaped like a long answer: paragraphs of sentences, now and then
// a "## " heading or a short list, each block ended by a blank line; every piece is still one
// token.
std::vector<Piece> naturalReply(const std::string &prompt, int replyTokens, bool thinking, bool essay = false);

// The "delta" object a streamed chunk carries for one generated token, or nothing when the
// token shows no text (the end of a <think> block parsed away). With extractReasoning the
// reasoning goes to "reasoning_content"; without it (reasoning_format "none") the raw text,
// <think> tags included, goes to "content".
std::optional<nlohmann::ordered_json> deltaFor(const Piece &piece, bool thinking, bool extractReasoning,
                                               bool firstToken);
} // namespace FakeLlama
