// SseParser on a realistic llama-server stream, fed in 1 KiB and in 7-byte pieces, against a
// plain memchr scan of the same bytes (the least any line splitter must do), measured in the
// same run so the ratio can be read. Decoding the chunks' JSON (parseStreamData) is measured
// on its own: it is a different cost, paid per event rather than per byte.
#include "core/chat/chatprotocol.h"
#include "core/chat/sseparser.h"

#include "ratioreporter.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <iterator>
#include <string>
#include <vector>

namespace
{
constexpr int ContentEvents = 4000;

QByteArray chunkJson(const QByteArray &delta, const QByteArray &finishReason)
{
    return R"({"choices":[{"finish_reason":)" + finishReason + R"(,"index":0,"delta":)" + delta
            + R"(}],"created":1747900123,"id":"chatcmpl-Vq3mXyTq0c8wZkRrJgHf1bN2dLs7PaEu","model":"tiny-llama.gguf","system_fingerprint":"b1-80fb11a","object":"chat.completion.chunk"})";
}

// What llama-server sends for a 4,000-token answer with include_usage (LLAMA_SERVER.md):
// one role chunk, one chunk per token, the finish chunk, the usage chunk and [DONE].
const QByteArray &stream()
{
    static const QByteArray bytes = [] {
        static const char *const words[] = {" Express", " the", " model", ",", " quickly", " and", "\\n",
                                            " \\\"quoted\\\"", " llama", " server", ".", " It"};
        QByteArray out;
        const auto add = [&out](const QByteArray &data) { out += "data: " + data + "\n\n"; };
        add(chunkJson(R"({"role":"assistant","content":null})", "null"));
        for (int i = 0; i < ContentEvents; ++i)
            add(chunkJson(R"({"content":")" + QByteArray(words[i % std::size(words)]) + R"("})", "null"));
        add(chunkJson("{}", R"("length")"));
        add(R"({"choices":[],"created":1747900123,"id":"chatcmpl-Vq3mXyTq0c8wZkRrJgHf1bN2dLs7PaEu","model":"tiny-llama.gguf","system_fingerprint":"b1-80fb11a","object":"chat.completion.chunk","usage":{"completion_tokens":4000,"prompt_tokens":11,"total_tokens":4011,"prompt_tokens_details":{"cached_tokens":4}},"timings":{"cache_n":4,"prompt_n":7,"prompt_ms":3.125,"prompt_per_token_ms":0.446,"prompt_per_second":2240.0,"predicted_n":4000,"predicted_ms":2531.6,"predicted_per_token_ms":0.6329,"predicted_per_second":1580.03}})");
        add("[DONE]");
        return out;
    }();
    return bytes;
}

void setRates(benchmark::State &state, std::int64_t eventsPerPass)
{
    const auto passes = static_cast<std::int64_t>(state.iterations());
    state.SetBytesProcessed(passes * stream().size());
    state.counters["events/s"] =
            benchmark::Counter(static_cast<double>(passes * eventsPerPass), benchmark::Counter::kIsRate);
}

// The baseline: find every line end with memchr, and nothing else.
void BM_MemchrScan(benchmark::State &state)
{
    const QByteArray &bytes = stream();
    std::int64_t lines = 0;
    for (auto _ : state) {
        const char *p = bytes.constData();
        const char *const end = p + bytes.size();
        while (const void *hit = std::memchr(p, '\n', static_cast<std::size_t>(end - p))) {
            p = static_cast<const char *>(hit) + 1;
            ++lines;
        }
        benchmark::DoNotOptimize(lines);
    }
    setRates(state, ContentEvents + 4);
}
BENCHMARK(BM_MemchrScan);

void BM_SseParser(benchmark::State &state)
{
    const QByteArray &bytes = stream();
    const qsizetype piece = state.range(0);
    qsizetype events = 0;
    for (auto _ : state) {
        Llamadesk::SseParser parser;
        events = 0;
        for (qsizetype i = 0; i < bytes.size(); i += piece)
            events += parser.feed(QByteArrayView(bytes).sliced(i, std::min(piece, bytes.size() - i))).size();
        benchmark::DoNotOptimize(events);
    }
    if (events != ContentEvents + 4)
        state.SkipWithError("wrong number of events");
    setRates(state, events);
}
BENCHMARK(BM_SseParser)->Arg(1024)->Arg(7);

// The JSON side: every event's data through parseStreamData, as ChatClient does.
void BM_ParseStreamData(benchmark::State &state)
{
    Llamadesk::SseParser parser;
    const QList<Llamadesk::SseEvent> events = parser.feed(stream());
    qsizetype deltas = 0;
    for (auto _ : state) {
        deltas = 0;
        for (const Llamadesk::SseEvent &event : events)
            deltas += Llamadesk::parseStreamData(event.data).kind == Llamadesk::StreamChunk::Kind::Delta ? 1 : 0;
        benchmark::DoNotOptimize(deltas);
    }
    if (deltas != ContentEvents + 3)
        state.SkipWithError("wrong number of deltas");
    setRates(state, events.size());
}
BENCHMARK(BM_ParseStreamData);

} // namespace

int main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    Llamadesk::Bench::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    const double mb = static_cast<double>(stream().size()) / 1e6;
    const double baseline = reporter.times["BM_MemchrScan"];
    std::printf("stream: %.2f MB, %d events\n", mb, ContentEvents + 4);
    for (const char *name : {"BM_SseParser/1024", "BM_SseParser/7", "BM_ParseStreamData"}) {
        const double ours = reporter.times[name];
        if (baseline > 0 && ours > 0) {
            // GetAdjustedRealTime() is in the benchmark's time unit: nanoseconds here.
            std::printf("%s / memchr scan: ratio %.1f (%.0f MB/s vs %.0f MB/s)\n", name, ours / baseline,
                        mb / (ours * 1e-9), mb / (baseline * 1e-9));
        }
    }
    benchmark::Shutdown();
    return 0;
}
