// The transcript's renderer (src/ui/chat/render): where a streaming answer's markdown can be
// cut into chunks that later text cannot change, and the answer built chunk by chunk, token by
// token, against the same answer built at once.
#include "ui/chat/render/cardmetrics.h"
#include "ui/chat/render/markdownblocks.h"
#include "ui/chat/render/markdownbody.h"
#include "ui/chat/messagelayout.h"

#include "testsupport.h"

#include <QApplication>
#include <QPainter>
#include <QPalette>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextList>

#include <gtest/gtest.h>

using namespace Llamadesk;

namespace
{
MessageStyle style()
{
    return MessageStyle::from(QApplication::palette(), QApplication::font());
}

// Each block of each chunk with what the renderer decided about it: text, heading level, list,
// code group, margins, and the formats of its fragments.
QStringList describe(const MarkdownBody &body)
{
    QStringList lines;
    for (const MarkdownBody::Chunk &chunk : body.chunks()) {
        lines.append(QStringLiteral("-- chunk at %1, ends at %2").arg(chunk.top).arg(chunk.end));
        for (QTextBlock b = chunk.doc->begin(); b.isValid(); b = b.next()) {
            const QTextBlockFormat f = b.blockFormat();
            QString line = QStringLiteral("h%1 list%2 code%3 margins %4/%5: ")
                                   .arg(f.headingLevel())
                                   .arg(b.textList() ? static_cast<int>(b.textList()->format().style()) : 0)
                                   .arg(f.intProperty(QTextFormat::UserProperty + 1))
                                   .arg(f.topMargin())
                                   .arg(f.bottomMargin());
            for (auto it = b.begin(); !it.atEnd(); ++it) {
                const QTextCharFormat c = it.fragment().charFormat();
                line += QStringLiteral("[%1%2%3%4]")
                                .arg(c.fontWeight() > QFont::Normal ? u"B" : u"")
                                .arg(c.fontItalic() ? u"I" : u"")
                                .arg(c.fontFixedPitch() ? u"M" : u"")
                                .arg(c.anchorHref())
                        + it.fragment().text();
            }
            lines.append(line);
        }
    }
    for (const MarkdownBody::CodeBlock &code : body.codeBlocks())
        lines.append(QStringLiteral("code at %1+%2: %3").arg(code.rect.top()).arg(code.rect.height()).arg(code.text));
    return lines;
}

// An answer as models write them: headings, paragraphs with inline formatting, lists with and
// without blank lines between items, numbered lists, a table, code with a blank line inside.
const QString Answer = QStringLiteral(
        "# Rivers\n\nA river is **water** that flows, *mostly* downhill, into a `sea`.\n\n"
        "## Parts\n\n- the source\n- the mouth\n\n1. First point\n\n   with a second paragraph\n\n"
        "2. Second point\n3. Third point\n\nA paragraph after the list.\n\n"
        "```python\ndef flow(x):\n\n    return x\n```\n\n| Name | Length |\n|------|--------|\n| Nile | 6650 |\n\n"
        "> A quote\n> in two lines\n\nThe end, with a [link](https://example.org).\n");

// The text split as a server streams it: a few characters at a time.
QStringList tokens(const QString &text)
{
    QStringList pieces;
    for (qsizetype i = 0; i < text.size(); i += 3)
        pieces.append(text.mid(i, 3));
    return pieces;
}
} // namespace

TEST(MarkdownBlocks, ABlankLineFollowedByAParagraphIsABoundary)
{
    EXPECT_EQ(stableMarkdownPrefix(u"One.\n\nTwo.\n"), 6);
    EXPECT_EQ(stableMarkdownPrefix(u"One.\n\nTwo.\n\nT"), 12) << "a line being written that starts a paragraph";
    EXPECT_EQ(stableMarkdownPrefix(u"One.\n\nTwo.\n\n1"), 6) << "\"1\" may become \"1. \": a list item";
    EXPECT_EQ(stableMarkdownPrefix(u"One.\n\nTwo.\n\n12 monkeys"), 12);
    EXPECT_EQ(stableMarkdownPrefix(u"One.\n\nTwo.\n\n-"), 6);
    EXPECT_EQ(stableMarkdownPrefix(u"One.\n\nTwo.\n\n**B"), 12);
    EXPECT_EQ(stableMarkdownPrefix(u"One.\n\nTwo.\n\nThree\n"), 12);
    EXPECT_EQ(markdownBoundaries(u"One.\n\nTwo.\n\nThree\n"), (QList<qsizetype>{6, 12}));
    EXPECT_EQ(stableMarkdownPrefix(u"One.\n\n"), 0) << "nothing follows yet";
    EXPECT_EQ(stableMarkdownPrefix(u"\n\nOne.\n"), 0) << "no block before it";
}

TEST(MarkdownBlocks, NoBoundaryInsideAFencedCodeBlock)
{
    EXPECT_EQ(stableMarkdownPrefix(u"```\ncode\n\nmore\n"), 0);
    EXPECT_EQ(stableMarkdownPrefix(u"~~~~\na\n\n~~~\nb\n"), 0) << "a shorter fence does not close it";
    EXPECT_EQ(stableMarkdownPrefix(u"```\ncode\n\nmore\n```\n\nAfter\n"), 20);
    EXPECT_EQ(stableMarkdownPrefix(u"Text\n\n```py\nx\n"), 6) << "before a fence is a boundary";
}

TEST(MarkdownBlocks, NoBoundaryBeforeWhatCouldContinueTheBlockAbove)
{
    // A list item or an indented line after a blank line may belong to the list before it.
    EXPECT_EQ(stableMarkdownPrefix(u"1. One\n\n2. Two\n"), 0);
    EXPECT_EQ(stableMarkdownPrefix(u"- One\n\n- Two\n"), 0);
    EXPECT_EQ(stableMarkdownPrefix(u"- One\n\n  more of one\n"), 0);
    EXPECT_EQ(stableMarkdownPrefix(u"Text\n\n    code\n"), 0);
    EXPECT_EQ(stableMarkdownPrefix(u"- One\n\nAfter the list\n"), 7);
    // Not list items: emphasis and a rule.
    EXPECT_EQ(stableMarkdownPrefix(u"A\n\n*stress*\n"), 3);
    EXPECT_EQ(stableMarkdownPrefix(u"A\n\n---\n"), 3);
}

TEST(MarkdownBody, StreamedTokenByTokenItIsTheSameAsBuiltAtOnce)
{
    const int width = 600;
    MarkdownBody whole(width, style());
    whole.setMarkdown(Answer);
    ASSERT_GT(whole.chunks().size(), 5u) << "the answer is cut into chunks";

    MarkdownBody streamed(width, style());
    QString text;
    for (const QString &token : tokens(Answer)) {
        text += token;
        ASSERT_TRUE(streamed.continuesWith(text, width));
        streamed.setMarkdown(text);
    }
    EXPECT_EQ(describe(streamed), describe(whole));
    EXPECT_EQ(streamed.plainText(), whole.plainText());
    EXPECT_DOUBLE_EQ(streamed.height(), whole.height());
    ASSERT_EQ(whole.codeBlocks().size(), 1);
    EXPECT_EQ(whole.codeBlocks().first().text, QStringLiteral("def flow(x):\n\n    return x"));
}

TEST(MarkdownBody, AChunkLooksAsItDoesInOneDocument)
{
    // Against QTextDocument's own parse of the whole text: the same blocks, in the same order,
    // with the same text, heading levels and lists (the renderer's decorations aside).
    MarkdownBody body(600, style());
    body.setMarkdown(Answer);
    QTextDocument reference;
    reference.setMarkdown(Answer, QTextDocument::MarkdownDialectGitHub);
    QStringList expected;
    for (QTextBlock b = reference.begin(); b.isValid(); b = b.next())
        expected.append(QStringLiteral("%1 %2 %3").arg(b.blockFormat().headingLevel()).arg(b.textList() != nullptr).arg(b.text()));
    QStringList rendered;
    for (const MarkdownBody::Chunk &chunk : body.chunks()) {
        for (QTextBlock b = chunk.doc->begin(); b.isValid(); b = b.next()) {
            if (b.text() == QStringLiteral("Copy") && b.blockFormat().alignment() == Qt::AlignRight)
                continue; // the renderer's own link under a code block
            rendered.append(QStringLiteral("%1 %2 %3").arg(b.blockFormat().headingLevel()).arg(b.textList() != nullptr).arg(b.text()));
        }
    }
    EXPECT_EQ(rendered, expected);
}

TEST(MarkdownBody, WhileStreamingOnlyTheTextAfterTheLastFinishedBlockIsParsedAgain)
{
    // An essay of 300 paragraphs, a word at a time: what each update parses does not grow with
    // the answer (it did, the whole text at every update, with one setMarkdown()).
    const QString paragraph = QStringLiteral("Words flow like a river into the sea and back again. ").repeated(3) + u"\n\n";
    // (the last "word" is the paragraph's end, "\n\n")
    MarkdownBody body(600, style());
    QString text;
    qsizetype firstHundred = 0;
    qsizetype lastHundred = 0;
    for (int p = 0; p < 300; ++p) {
        const qsizetype before = body.parsedCharacters();
        // As a model writes: " word" tokens, the paragraph's first word without its space.
        bool first = true;
        for (const QStringView word : QStringView(paragraph).split(u' ', Qt::SkipEmptyParts)) {
            if (!std::exchange(first, false))
                text += u' ';
            text += word;
            body.setMarkdown(text);
        }
        const qsizetype parsed = body.parsedCharacters() - before;
        if (p < 100)
            firstHundred += parsed;
        if (p >= 200)
            lastHundred += parsed;
    }
    EXPECT_GT(firstHundred, 0);
    EXPECT_LT(static_cast<double>(lastHundred) / static_cast<double>(firstHundred), 1.2)
            << "first 100 paragraphs: " << firstHundred << " characters parsed, last 100: " << lastHundred;
    EXPECT_GE(body.chunks().size(), 299u);
}

TEST(MarkdownBody, ATextThatDoesNotGoOnFromTheLastStartsAgain)
{
    MarkdownBody body(600, style());
    body.setMarkdown(QStringLiteral("One.\n\nTwo.\n\nThree.\n"));
    EXPECT_FALSE(body.continuesWith(u"Other.\n\nTwo.\n", 600));
    EXPECT_FALSE(body.continuesWith(u"One.\n\nTwo.\n\nThree.\nFour", 400)) << "another width";
    body.setMarkdown(QStringLiteral("Other.\n\nText.\n"));
    EXPECT_EQ(body.plainText(), QStringLiteral("Other.\nText."));
}

TEST(MessageLayoutRender, TheNextRevisionOfAStreamingAnswerTakesTheMarkdownOver)
{
    StoredMessage answer;
    answer.id = 2;
    answer.role = Role::Assistant;
    answer.state = MessageState::Streaming;
    answer.content = QStringLiteral("First paragraph.\n\nSecond paragraph.\n\nThird");
    const MessageStyle s = style();
    auto first = std::make_unique<MessageLayout>(answer, false, true, 800, s);
    const qsizetype parsedOnce = first->markdown()->parsedCharacters();
    answer.content += QStringLiteral(" goes on.");
    const QTextDocument *footer = first->footer();
    MessageLayout second(answer, false, true, 800, s, nullptr, first->takeReusable());
    // Only the paragraph being written was parsed again; the footer, which still says
    // "Generating…", was not built again.
    EXPECT_EQ(second.markdown()->parsedCharacters() - parsedOnce, QStringLiteral("Third goes on.").size());
    EXPECT_EQ(second.footer(), footer);
    EXPECT_EQ(second.footer()->toPlainText(), MessageLayout::tr("Generating…"));
    EXPECT_EQ(second.bodyText(), QStringLiteral("First paragraph.\nSecond paragraph.\nThird goes on."));
    // The card's height estimate and its layout use the same measures: for plain paragraphs
    // they agree to within a line.
    answer.state = MessageState::Complete;
    answer.predictedTokens = 9;
    // Finished, the answer's footer says something else: its own links and statistics.
    const MessageLayout finished(answer, false, true, 800, s, nullptr, second.takeReusable());
    EXPECT_NE(finished.footer(), footer);
    EXPECT_TRUE(finished.footer()->toPlainText().startsWith(MessageLayout::tr("Copy")));
    EXPECT_TRUE(finished.footer()->toPlainText().contains(MessageLayout::statsText(answer)));
    EXPECT_EQ(finished.bodyText(), QStringLiteral("First paragraph.\nSecond paragraph.\nThird goes on."));
    const MessageLayout done(answer, false, true, 800, s);
    EXPECT_NEAR(MessageLayout::estimateHeight(answer, false, 800, s), done.height(), 2 * s.lineSpacing);
    EXPECT_EQ(done.cardRect(), CardMetrics::cardRect(800, done.height()));
}

TEST(MarkdownBody, AFinishedChunkIsPaintedFromItsImageExactlyAsItWasDrawn)
{
    // The same chunk drawn directly (it is the tail of the first body) and from its image (the
    // second body goes on past it): the same pixels.
    const MessageStyle s = style();
    const QString text = Answer.left(Answer.indexOf(u"| Name")); // up to the table, code included
    MarkdownBody drawn(600, s);
    drawn.setMarkdown(text + u"Tail being written");
    MarkdownBody cached(600, s);
    cached.setMarkdown(text + u"Tail being written.\n\nAnd more.");
    ASSERT_GT(cached.chunks().size(), drawn.chunks().size() - 1);
    const auto render = [&](const MarkdownBody &body) {
        QImage image(640, static_cast<int>(body.height()) + 40, QImage::Format_ARGB32_Premultiplied);
        image.fill(s.colors.assistantCard);
        QPainter painter(&image);
        body.paint(&painter, QPointF(20, 20), QRectF(image.rect()));
        return image;
    };
    const QImage direct = render(drawn);
    const QImage blitted = render(cached);
    EXPECT_EQ(drawn.cachedImages(), static_cast<int>(drawn.chunks().size()) - 1) << "the tail is drawn directly";
    EXPECT_EQ(cached.cachedImages(), static_cast<int>(cached.chunks().size()) - 1);
    // Compared up to the end of the tail of the first body (the rest differs: its text goes on).
    const MarkdownBody::Chunk &tail = drawn.chunks().back();
    const int bottom = 20 + static_cast<int>(tail.top + 1);
    EXPECT_EQ(direct.copy(0, 0, 640, bottom), blitted.copy(0, 0, 640, bottom));
    const QString artifacts = TestSupport::artifactsDir();
    blitted.save(artifacts + QStringLiteral("/render-chunks-from-images.png"));
}

TEST(MarkdownBody, ImagesFarFromTheScreenAreDropped)
{
    const QString paragraph = QStringLiteral("Words flow like a river into the sea and back again. ").repeated(4);
    QString text;
    for (int i = 0; i < 200; ++i)
        text += paragraph + u"\n\n";
    text += u"The end.";
    MarkdownBody body(600, style());
    body.setMarkdown(text);
    QImage screen(640, 400, QImage::Format_ARGB32_Premultiplied);
    QPainter painter(&screen);
    for (double y = 0; y < body.height(); y += 400)
        body.paint(&painter, QPointF(0, -y), QRectF(screen.rect()));
    // What shows and a screen above and below it, not the 200 paragraphs scrolled past.
    EXPECT_GT(body.cachedImages(), 0);
    EXPECT_LT(body.cachedImages(), 40);
}
