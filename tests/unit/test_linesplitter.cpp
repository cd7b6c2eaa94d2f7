#include "core/server/linesplitter.h"


#include <gtest/gtest.h>

#include <ostream>

using namespace Llamadesk;

// Readable QString values in failure messages (found by argument-dependent lookup).
[[maybe_unused]] static void PrintTo(const QString &value, std::ostream *os)
{
    *os << '"' << value.toStdString() << '"';
}

namespace
{
QStringList feedAll(LineSplitter &splitter, const QList<QByteArray> &chunks)
{
    QStringList lines;
    for (const QByteArray &chunk : chunks)
        lines += splitter.feed(chunk);
    lines += splitter.finish();
    return lines;
}

// The input in two chunks split at every byte position, and one byte at a time: each must
// give exactly the lines of the input fed whole.
void expectSameLinesAtEverySplit(const QByteArray &input,
                                 qsizetype maxLineBytes = LineSplitter::DefaultMaxLineBytes)
{
    LineSplitter whole(maxLineBytes);
    const QStringList expected = feedAll(whole, {input});
    for (qsizetype split = 0; split <= input.size(); ++split) {
        LineSplitter splitter(maxLineBytes);
        EXPECT_EQ(feedAll(splitter, {input.first(split), input.sliced(split)}), expected)
                << "split at " << split;
    }
    QList<QByteArray> bytes;
    for (const char byte : input)
        bytes.append(QByteArray(1, byte));
    LineSplitter byteByByte(maxLineBytes);
    EXPECT_EQ(feedAll(byteByByte, bytes), expected) << "one byte at a time";
}
} // namespace

TEST(LineSplitter, ReturnsCompleteLinesAndKeepsTheTail)
{
    LineSplitter splitter;
    EXPECT_EQ(splitter.feed("first\nsecond\nthi"),
              (QStringList{QStringLiteral("first"), QStringLiteral("second")}));
    EXPECT_EQ(splitter.pendingBytes(), 3);
    EXPECT_EQ(splitter.feed("rd\n"), QStringList{QStringLiteral("third")});
    EXPECT_EQ(splitter.pendingBytes(), 0);
}

TEST(LineSplitter, GivesTheSameLinesWhereverTheChunksAreSplit)
{
    const QByteArray input = "0.00.001.000 I srv    load_model: loading model '/m/tiny-llama.gguf'\n"
                             "\r\n"
                             "windows line\r\n"
                             "caf\xc3\xa9 \xf0\x9f\xa6\x99 llama\n"
                             "broken \xff here\n"
                             "\n"
                             "unterminated tail";
    expectSameLinesAtEverySplit(input);

    LineSplitter splitter;
    EXPECT_EQ(feedAll(splitter, {input}),
              (QStringList{
                      QStringLiteral("0.00.001.000 I srv    load_model: loading model '/m/tiny-llama.gguf'"),
                      QString(), QStringLiteral("windows line"), QStringLiteral("café 🦙 llama"),
                      QStringLiteral("broken \uFFFD here"), QString(), QStringLiteral("unterminated tail")}));
}

TEST(LineSplitter, AcceptsCrLfEvenWhenSplitBetweenTheTwo)
{
    LineSplitter splitter;
    EXPECT_EQ(splitter.feed("one\r"), QStringList());
    EXPECT_EQ(splitter.feed("\ntwo\r\n"), (QStringList{QStringLiteral("one"), QStringLiteral("two")}));
}

TEST(LineSplitter, KeepsACarriageReturnThatDoesNotEndTheLine)
{
    LineSplitter splitter;
    EXPECT_EQ(splitter.feed("50%\r100%\n"), QStringList{QStringLiteral("50%\r100%")});
}

TEST(LineSplitter, ReplacesInvalidUtf8InsteadOfDroppingIt)
{
    LineSplitter splitter;
    const QStringList lines = splitter.feed("magic: '\xfe\xed?A', expected 'GGUF'\n");
    ASSERT_EQ(lines.size(), 1);
    EXPECT_EQ(lines.at(0), QStringLiteral("magic: '\uFFFD\uFFFD?A', expected 'GGUF'"));
}

TEST(LineSplitter, KeepsAUtf8CharacterSplitAcrossChunksWhole)
{
    LineSplitter splitter;
    EXPECT_EQ(splitter.feed("\xf0\x9f"), QStringList());
    EXPECT_EQ(splitter.feed("\xa6\x99\n"), QStringList{QStringLiteral("🦙")});
}

TEST(LineSplitter, CutsAnOverlongLineIntoPiecesOfTheCap)
{
    LineSplitter splitter(8);
    EXPECT_EQ(splitter.feed("abcdefghijklmnopqrst\nshort\n"),
              (QStringList{QStringLiteral("abcdefgh"), QStringLiteral("ijklmnop"), QStringLiteral("qrst"),
                           QStringLiteral("short")}));
}

TEST(LineSplitter, CutsOverlongLinesTheSameWhereverTheChunksAreSplit)
{
    expectSameLinesAtEverySplit(
            "abcdefghijklmnopqrst\r\nexactly8\r\n123456789\r\r\n\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9x\n"
            "tail-longer-than-8",
            8);
}

TEST(LineSplitter, DoesNotCutALineOfExactlyTheCap)
{
    LineSplitter splitter(8);
    EXPECT_EQ(splitter.feed("exactly8\r"), QStringList());
    EXPECT_EQ(splitter.feed("\n"), QStringList{QStringLiteral("exactly8")});
    EXPECT_EQ(splitter.finish(), QStringList());
}

TEST(LineSplitter, NeverCutsInsideAUtf8Character)
{
    LineSplitter splitter(5);
    // "aaaa" then a 4-byte llama: a cut at 5 bytes would split it.
    const QStringList lines = splitter.feed("aaaa\xf0\x9f\xa6\x99zz\n");
    EXPECT_EQ(lines, (QStringList{QStringLiteral("aaaa"), QStringLiteral("🦙z"), QStringLiteral("z")}));
    for (const QString &line : lines)
        EXPECT_FALSE(line.contains(QChar(0xFFFD))) << line.toStdString();
}

TEST(LineSplitter, HoldsAtMostTheCapWhileALineNeverEnds)
{
    LineSplitter splitter(100);
    qsizetype emitted = 0;
    for (int i = 0; i < 1000; ++i) {
        for (const QString &line : splitter.feed(QByteArray(37, 'x'))) {
            EXPECT_EQ(line.size(), 100);
            ++emitted;
        }
        EXPECT_LE(splitter.pendingBytes(), 100);
    }
    // 37,000 bytes: 369 full pieces; the last 100 may still be followed by more of the line.
    EXPECT_EQ(emitted, 369);
    EXPECT_EQ(splitter.finish(), QStringList{QString(100, u'x')});
}

TEST(LineSplitter, AMebibyteFedOneByteAtATimeComesOutInCapSizedLines)
{
    // Also the guard against a quadratic splitter (rescanning or copying the pending line on
    // every feed): that one would take minutes here instead of a fraction of a second.
    LineSplitter splitter;
    const qsizetype total = 1024 * 1024;
    qsizetype lines = 0;
    for (qsizetype i = 0; i < total; ++i)
        lines += splitter.feed("x").size();
    lines += splitter.finish().size();
    EXPECT_EQ(lines, total / LineSplitter::DefaultMaxLineBytes);
}

TEST(LineSplitter, FinishReturnsTheUnterminatedTailOnce)
{
    LineSplitter splitter;
    EXPECT_EQ(splitter.feed("done\nexiting due to model loading error"), QStringList{QStringLiteral("done")});
    EXPECT_EQ(splitter.finish(), QStringList{QStringLiteral("exiting due to model loading error")});
    EXPECT_EQ(splitter.finish(), QStringList());
    EXPECT_EQ(splitter.feed("next\n"), QStringList{QStringLiteral("next")});
}

TEST(LineSplitter, FinishDropsALoneTrailingCarriageReturn)
{
    LineSplitter splitter;
    EXPECT_EQ(splitter.feed("last\r"), QStringList());
    EXPECT_EQ(splitter.finish(), QStringList{QStringLiteral("last")});
    EXPECT_EQ(splitter.feed("\r"), QStringList());
    EXPECT_EQ(splitter.finish(), QStringList());
}

TEST(LineSplitter, KeepsEmptyLines)
{
    LineSplitter splitter;
    EXPECT_EQ(splitter.feed("\n\r\n\n"), (QStringList{QString(), QString(), QString()}));
}

TEST(LineSplitter, ResetForgetsTheTail)
{
    LineSplitter splitter;
    EXPECT_EQ(splitter.feed("half a li"), QStringList());
    splitter.reset();
    EXPECT_EQ(splitter.pendingBytes(), 0);
    EXPECT_EQ(splitter.feed("ne\n"), QStringList{QStringLiteral("ne")});
}
