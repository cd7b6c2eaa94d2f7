#pragma once

#include "core/chat/chatrequest.h"

#include <QString>

namespace Llamadesk
{
class AudioClip;
struct ChatResult;

// Speech to text through the chat endpoint: the request that asks a model with an audio projector
// for the words of a clip, and what its answer means. Pure: values in, values out.
namespace Transcription
{
// A recording the microphone cut short is offered for transcription only from this length on:
// a shorter piece hardly holds a word.
inline constexpr double MinimumInterruptedSeconds = 0.5;

// One user message holding the instruction and the clip (16-bit WAV), streamed, with the answer
// capped at maxTokens (sent as max_tokens, which b7347, 0.4.0 and 0.5.0 all read as n_predict).
// A model that loops on audio would otherwise write until the context is full.
ChatRequest request(const AudioClip &clip, const QString &instruction, int maxTokens);

struct Transcript
{
    QString text;        // trimmed; what arrived, also when cut
    int cutAtTokens = 0; // > 0: the server stopped the model at this many tokens (finish_reason "length")
    bool isCut() const { return cutAtTokens > 0; }
    bool operator==(const Transcript &) const = default;
};

// maxTokens: the cap the request was sent with, named when the server reports no usage.
Transcript fromResult(const ChatResult &result, int maxTokens);

// For the user: the transcript was cut, and why that usually happens.
QString cutMessage(int tokens);

// Whether what the microphone recorded before it stopped is worth offering.
bool worthOffering(const AudioClip &partial);
// The question of the banner that offers it: "The recording stopped after 4.2 s. <reason> Transcribe …?"
QString interruptedQuestion(const QString &reason, double seconds);
} // namespace Transcription
} // namespace Llamadesk
