#include "core/chat/sseparser.h"


#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>

namespace Llamadesk
{
// Readable events in failure messages (found by argument-dependent lookup).
[[maybe_unused]] static void PrintTo(const SseEvent &e, std::ostream *os)
{
    *os << "{event=\"" << e.event.toStdString() << "\" data=\"" << e.data.toStdString() << "\" id=\""
        << e.id.toStdString() << "\"}";
}
} // namespace Llamadesk

using namespace Llamadesk;

namespace
{
// A stream as llama-server writes it for tiny-llama.gguf with include_usage (LLAMA_SERVER.md,
// "Streaming (SSE)"): role chunk, one content chunk, finish chunk, usage chunk, [DONE].
const QByteArray First =
        R"({"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"created":1747900123,"id":"chatcmpl-Vq3mXyTq0c8wZkRrJgHf1bN2dLs7PaEu","model":"tiny-llama.gguf","system_fingerprint":"b1-80fb11a","object":"chat.completion.chunk"})";
const QByteArray Content =
        R"({"choices":[{"finish_reason":null,"index":0,"delta":{"content":" Express"}}],"created":1747900123,"id":"chatcmpl-Vq3mXyTq0c8wZkRrJgHf1bN2dLs7PaEu","model":"tiny-llama.gguf","system_fingerprint":"b1-80fb11a","object":"chat.completion.chunk"})";
const QByteArray Finish =
        R"({"choices":[{"finish_reason":"length","index":0,"delta":{}}],"created":1747900123,"id":"chatcmpl-Vq3mXyTq0c8wZkRrJgHf1bN2dLs7PaEu","model":"tiny-llama.gguf","system_fingerprint":"b1-80fb11a","object":"chat.completion.chunk"})";
const QByteArray UsageChunk =
        R"({"choices":[],"created":1747900123,"id":"chatcmpl-Vq3mXyTq0c8wZkRrJgHf1bN2dLs7PaEu","model":"tiny-llama.gguf","system_fingerprint":"b1-80fb11a","object":"chat.completion.chunk","usage":{"completion_tokens":4,"prompt_tokens":11,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":4}},"timings":{"cache_n":4,"prompt_n":7,"prompt_ms":3.125,"prompt_per_token_ms":0.446,"prompt_per_second":2240.0,"predicted_n":4,"predicted_ms":2.53,"predicted_per_token_ms":0.6325,"predicted_per_second":1581.027}})";
const QByteArray Done = "[DONE]";

// "data: <payload>\n": one field line.
QByteArray dataLine(const QByteArray &payload)
{
    return "data: " + payload + "\n";
}

// A whole event: the field line and the blank line.
QByteArray eventText(const QByteArray &payload)
{
    return "data: " + payload + "\n\n";
}

QByteArray realStream()
{
    QByteArray out;
    for (const QByteArray &data : {First, Content, Finish, UsageChunk, Done})
        out += eventText(data);
    return out;
}

SseEvent event(const QByteArray &data, const QByteArray &type = {}, const QByteArray &id = {})
{
    return SseEvent{type, data, id};
}

QList<SseEvent> parse(QByteArrayView bytes)
{
    SseParser parser;
    return parser.feed(bytes);
}

QList<SseEvent> parseInPieces(QByteArrayView bytes, qsizetype pieceSize)
{
    SseParser parser;
    QList<SseEvent> events;
    for (qsizetype i = 0; i < bytes.size(); i += pieceSize)
        events += parser.feed(bytes.sliced(i, std::min(pieceSize, bytes.size() - i)));
    return events;
}

// Every input of this file: the split tests run each of them cut at every byte.
const QList<QByteArray> &allInputs()
{
    static const QList<QByteArray> inputs = {
            realStream(),
            "data: first\ndata: second\ndata: third\n\n",
            "data: one\r\n\r\ndata: two\r\ndata: more\r\n\r\n",
            "data: one\r\rdata: two\rdata: more\r\r",
            "data: mixed\r\n\ndata: ends\r\r\n",
            "event: progress\ndata: 42\nid: 7\n\ndata: later\n\n",
            ": ping\n\n: ping\ndata: after ping\n\n",
            "data\n\ndata:\n\n",
            "\xEF\xBB\xBF" "data: bom\n\n",
            "data:  two spaces\ndata:none\n\n",
            "data: unfinished",
            "data: no blank line\n",
            "event: alone\n\ndata: x\n\n",
            "retry: 1000\nfoo: bar\ndata: x\n\n",
            "\n\n\r\n\r\r",
    };
    return inputs;
}
} // namespace

TEST(SseParser, ParsesOneRealChunkEvent)
{
    EXPECT_EQ(parse(eventText(First)), QList<SseEvent>{event(First)});
}

TEST(SseParser, ParsesARealStreamIntoItsEvents)
{
    const QList<SseEvent> expected{event(First), event(Content), event(Finish), event(UsageChunk), event(Done)};
    EXPECT_EQ(parse(realStream()), expected);
}

TEST(SseParser, PassesDoneThroughAsAnOrdinaryEvent)
{
    EXPECT_EQ(parse("data: [DONE]\n\n"), QList<SseEvent>{event("[DONE]")});
}

TEST(SseParser, SplitsEventsAcrossChunkBoundaries)
{
    for (const QByteArray &input : allInputs()) {
        const QList<SseEvent> whole = parse(input);
        for (qsizetype cut = 0; cut <= input.size(); ++cut) {
            SseParser parser;
            QList<SseEvent> events = parser.feed(QByteArrayView(input).first(cut));
            events += parser.feed(QByteArrayView(input).sliced(cut));
            EXPECT_EQ(events, whole) << "input " << input.toStdString() << " cut at " << cut;
        }
    }
}

TEST(SseParser, GivesTheSameEventsFedByteByByte)
{
    for (const QByteArray &input : allInputs())
        EXPECT_EQ(parseInPieces(input, 1), parse(input)) << input.toStdString();
}

TEST(SseParser, KeepsPendingStateTheSameWhateverTheSplit)
{
    for (const QByteArray &input : allInputs()) {
        SseParser whole;
        (void)whole.feed(input);
        for (qsizetype cut = 0; cut <= input.size(); ++cut) {
            SseParser parser;
            (void)parser.feed(QByteArrayView(input).first(cut));
            (void)parser.feed(QByteArrayView(input).sliced(cut));
            EXPECT_EQ(parser.hasPendingEvent(), whole.hasPendingEvent()) << input.toStdString() << " @" << cut;
        }
    }
}

TEST(SseParser, JoinsMultipleDataLines)
{
    EXPECT_EQ(parse("data: first\ndata: second\ndata: third\n\n"),
              QList<SseEvent>{event("first\nsecond\nthird")});
}

TEST(SseParser, AcceptsCrLfLineEnds)
{
    EXPECT_EQ(parse("data: one\r\n\r\ndata: two\r\ndata: more\r\n\r\n"),
              (QList<SseEvent>{event("one"), event("two\nmore")}));
}

TEST(SseParser, AcceptsBareCrLineEnds)
{
    EXPECT_EQ(parse("data: one\r\rdata: two\rdata: more\r\r"),
              (QList<SseEvent>{event("one"), event("two\nmore")}));
}

TEST(SseParser, TreatsCrAtChunkEndAndLfAtNextStartAsOneLineEnd)
{
    SseParser parser;
    EXPECT_TRUE(parser.feed("data: a\r").isEmpty());
    // Were the LF a second line end, this blank line would dispatch "a" on its own.
    EXPECT_TRUE(parser.feed("\ndata: b\r").isEmpty());
    EXPECT_EQ(parser.feed("\n\r\n"), QList<SseEvent>{event("a\nb")});
}

TEST(SseParser, ReadsTheEventField)
{
    EXPECT_EQ(parse("event: progress\ndata: 42\n\n"), QList<SseEvent>{event("42", "progress")});
}

TEST(SseParser, ForgetsTheEventTypeAfterDispatch)
{
    EXPECT_EQ(parse("event: progress\ndata: 42\n\ndata: plain\n\n"),
              (QList<SseEvent>{event("42", "progress"), event("plain")}));
}

TEST(SseParser, KeepsTheLastIdForLaterEvents)
{
    EXPECT_EQ(parse("id: 7\ndata: a\n\ndata: b\n\nid: 8\ndata: c\n\n"),
              (QList<SseEvent>{event("a", {}, "7"), event("b", {}, "7"), event("c", {}, "8")}));
}

TEST(SseParser, IgnoresAnIdContainingNul)
{
    QByteArray input = "id: 1\n\nid: 2";
    input += '\0';
    input += "x\ndata: a\n\n";
    EXPECT_EQ(parse(input), QList<SseEvent>{event("a", {}, "1")});
}

TEST(SseParser, RemovesOneLeadingSpaceAfterTheColon)
{
    EXPECT_EQ(parse("data:  two spaces\ndata:none\n\n"), QList<SseEvent>{event(" two spaces\nnone")});
}

TEST(SseParser, KeepsColonsInsideTheValue)
{
    EXPECT_EQ(parse("data: {\"a\":\"b:c\"}\n\n"), QList<SseEvent>{event("{\"a\":\"b:c\"}")});
}

TEST(SseParser, SkipsCommentLines)
{
    EXPECT_EQ(parse(": ping\n\n: ping\ndata: after ping\n\n"), QList<SseEvent>{event("after ping")});
}

TEST(SseParser, TakesALineWithoutColonAsAFieldWithEmptyValue)
{
    EXPECT_EQ(parse("data\ndata\n\n"), QList<SseEvent>{event("\n")});
}

TEST(SseParser, DispatchesAnEmptyDataLine)
{
    EXPECT_EQ(parse("data:\n\n"), QList<SseEvent>{event("")});
}

TEST(SseParser, IgnoresUnknownFieldsAndRetry)
{
    EXPECT_EQ(parse("retry: 1000\nfoo: bar\ndata: x\n\n"), QList<SseEvent>{event("x")});
}

TEST(SseParser, StripsALeadingBom)
{
    EXPECT_EQ(parse("\xEF\xBB\xBF" "data: bom\n\n"), QList<SseEvent>{event("bom")});
}

TEST(SseParser, StripsABomSplitAcrossChunks)
{
    SseParser parser;
    EXPECT_TRUE(parser.feed("\xEF").isEmpty());
    EXPECT_TRUE(parser.feed("\xBB").isEmpty());
    EXPECT_EQ(parser.feed("\xBF" "data: x\n\n"), QList<SseEvent>{event("x")});
}

TEST(SseParser, StripsOnlyTheFirstBom)
{
    // The second BOM is part of the line, so it is no "data" field: nothing is dispatched.
    EXPECT_TRUE(parse("\xEF\xBB\xBF\xEF\xBB\xBF" "data: x\n\n").isEmpty());
}

TEST(SseParser, KeepsBytesThatOnlyStartLikeABom)
{
    EXPECT_EQ(parse("\xEF\xBB" "data: x\n\ndata: y\n\n"), QList<SseEvent>{event("y")});
}

TEST(SseParser, DispatchesOnlyAtABlankLine)
{
    SseParser parser;
    EXPECT_TRUE(parser.feed(dataLine(Content)).isEmpty());
    EXPECT_EQ(parser.feed("\n"), QList<SseEvent>{event(Content)});
}

TEST(SseParser, DoesNotDispatchAnEventWithoutData)
{
    EXPECT_TRUE(parse("event: alone\nid: 3\n\n").isEmpty());
}

TEST(SseParser, HasAPendingEventAfterDataWithoutBlankLine)
{
    SseParser parser;
    (void)parser.feed(dataLine(Content));
    EXPECT_TRUE(parser.hasPendingEvent());
}

TEST(SseParser, HasAPendingEventInsideAnUnfinishedDataLine)
{
    SseParser parser;
    (void)parser.feed("data: {\"choices\":[{\"fin");
    EXPECT_TRUE(parser.hasPendingEvent());
}

TEST(SseParser, HasNoPendingEventAfterDispatch)
{
    SseParser parser;
    (void)parser.feed(realStream());
    EXPECT_FALSE(parser.hasPendingEvent());
}

TEST(SseParser, HasNoPendingEventForAComment)
{
    SseParser parser;
    (void)parser.feed(": pi");
    EXPECT_FALSE(parser.hasPendingEvent());
}

TEST(SseParser, ResetForgetsAPartialEvent)
{
    SseParser parser;
    (void)parser.feed("id: 5\ndata: cut off\ndata: par");
    parser.reset();
    EXPECT_FALSE(parser.hasPendingEvent());
    EXPECT_EQ(parser.feed("tial\n\ndata: fresh\n\n"), QList<SseEvent>{event("fresh")});
}

TEST(SseParser, ABigEventFedOneByteAtATimeComesOutWhole)
{
    // Also the guard against rescanning the buffer per chunk: that parser would do about 2e12
    // byte steps here (minutes, and the suite's timeout); a linear one needs a fraction of a
    // second. Speed itself is measured by bench_sse, not asserted here.
    const QByteArray payload(2 * 1024 * 1024, 'x');
    const QByteArray input = "data: " + payload + "\n\n";
    const QList<SseEvent> events = parseInPieces(input, 1);
    ASSERT_EQ(events.size(), 1);
    EXPECT_EQ(events.front().data.size(), payload.size());
}

TEST(SseParser, ParsesThousandsOfEventsFedInTinyChunks)
{
    QByteArray input;
    for (int i = 0; i < 5000; ++i)
        input += eventText(Content);
    const QList<SseEvent> events = parseInPieces(input, 7);
    ASSERT_EQ(events.size(), 5000);
    EXPECT_EQ(events.back(), event(Content));
}

TEST(SseParser, ALineWithoutEndPastTheLimitOverflowsAndStopsGrowing)
{
    SseParser parser;
    EXPECT_EQ(parser.feed("data: first\n\n"), QList<SseEvent>{event("first")});
    const QByteArray chunk(64 * 1024, 'x');
    (void)parser.feed("data: ");
    qsizetype most = 0;
    // Twice the limit, as an endpoint that never sends a line end would.
    for (qsizetype fed = 0; fed < 2 * SseParser::MaxEventBytes; fed += chunk.size()) {
        EXPECT_TRUE(parser.feed(chunk).isEmpty());
        most = std::max(most, parser.bufferedBytes());
    }
    EXPECT_TRUE(parser.hasOverflowed());
    EXPECT_LE(most, SseParser::MaxEventBytes);
    EXPECT_EQ(parser.bufferedBytes(), 0) << "the buffers are dropped once it overflows";
    EXPECT_TRUE(parser.feed("\n\ndata: later\n\n").isEmpty()) << "nothing is read after an overflow";
}

TEST(SseParser, AnEventOfManyLinesPastTheLimitOverflows)
{
    SseParser parser;
    const QByteArray line = "data: " + QByteArray(1024, 'y') + "\n";
    for (qsizetype fed = 0; fed < 2 * SseParser::MaxEventBytes && !parser.hasOverflowed(); fed += line.size())
        EXPECT_TRUE(parser.feed(line).isEmpty());
    EXPECT_TRUE(parser.hasOverflowed());
    EXPECT_LE(parser.bufferedBytes(), SseParser::MaxEventBytes);
}

TEST(SseParser, OverflowsAtTheSameLineWhetherItArrivesWholeOrInPieces)
{
    const QByteArray input = QByteArray("data: kept\n\ndata: ") + QByteArray(SseParser::MaxEventBytes, 'z') + "\n\n";
    SseParser whole;
    EXPECT_EQ(whole.feed(input), QList<SseEvent>{event("kept")});
    EXPECT_TRUE(whole.hasOverflowed());
    EXPECT_EQ(parseInPieces(input, 4096), QList<SseEvent>{event("kept")});
}

TEST(SseParser, AnEventJustUnderTheLimitComesOutWhole)
{
    const QByteArray payload(SseParser::MaxEventBytes - 6, 'w'); // "data: " counts too
    SseParser parser;
    const QList<SseEvent> events = parser.feed(QByteArray("data: " + payload + "\n\n"));
    ASSERT_EQ(events.size(), 1);
    EXPECT_EQ(events.front().data.size(), payload.size());
    EXPECT_FALSE(parser.hasOverflowed());
}

TEST(SseParser, ResetClearsTheOverflow)
{
    SseParser parser;
    (void)parser.feed(QByteArray("data: " + QByteArray(SseParser::MaxEventBytes, 'v')));
    ASSERT_TRUE(parser.hasOverflowed());
    parser.reset();
    EXPECT_FALSE(parser.hasOverflowed());
    EXPECT_EQ(parser.feed("data: again\n\n"), QList<SseEvent>{event("again")});
}
