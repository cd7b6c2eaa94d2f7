#pragma once

#include "ui/chat/render/palette.h"

#include <QCoreApplication>
#include <QImage>
#include <QList>
#include <QRectF>
#include <QString>
#include <QStringView>

#include <memory>
#include <vector>

class QPainter;
class QTextDocument;

namespace Llamadesk
{
// The hrefs of the links a message card draws itself. Any other href is a link in the
// message's markdown.
namespace MessageAnchor
{
inline constexpr QStringView Thinking = u"llamadesk:thinking";
inline constexpr QStringView Copy = u"llamadesk:copy";
inline constexpr QStringView Edit = u"llamadesk:edit";
inline constexpr QStringView Regenerate = u"llamadesk:regenerate";
inline constexpr QStringView CopyCodePrefix = u"llamadesk:copy-code/";
QString copyCode(int block);
} // namespace MessageAnchor

// An answer's markdown, rendered as a stack of documents, one per run of top-level blocks
// between the boundaries stableMarkdownPrefix() finds. A finished chunk is parsed and laid
// out once; while the answer streams only the text after the last boundary (the tail, most
// often the paragraph being written) is parsed again, so an answer costs the same per token at
// its ten-thousandth token as at its first, where one setMarkdown() per update cost O(n) each.
// The chunks are the same whether the text arrived at once or token by token, so a finished
// answer looks exactly as it did while it streamed.
//
// Each chunk gets the transcript's decorations: headings sized for a chat, inline code and code
// blocks shaded, a "Copy" link under each code block.
class MarkdownBody final
{
    Q_DECLARE_TR_FUNCTIONS(MessageLayout)
    Q_DISABLE_COPY_MOVE(MarkdownBody)

public:
    struct Chunk
    {
        std::unique_ptr<QTextDocument> doc;
        double top = 0;      // in body coordinates
        double height = 0;   // of its document, laid out at the body's width
        // What it covers when painted, its code shading included (which reaches past its first
        // and last line), in whole pixels of body coordinates.
        QRect area;
        qsizetype end = 0;   // where its markdown ends in the text
        int codeBlocks = 0;  // how many of the body's code blocks are in it
        // A finished chunk painted once into an image (with its code shading, on the card's
        // colour), so that a frame of a streaming answer blits the text above the tail instead
        // of drawing every glyph again. Dropped when far from the screen.
        mutable QImage image;
        mutable QRectF imageRect; // body coordinates
    };
    struct CodeBlock
    {
        QString text;
        QRectF rect; // its shading, in body coordinates
    };

    MarkdownBody(int width, const MessageStyle &style);
    ~MarkdownBody();

    // Whether setMarkdown(markdown) can keep the chunks parsed so far (the text goes on from
    // them, at the same width); otherwise it starts again.
    bool continuesWith(QStringView markdown, int width) const;
    void setMarkdown(const QString &markdown);

    int width() const;
    double height() const;
    const std::vector<Chunk> &chunks() const;
    const QList<CodeBlock> &codeBlocks() const;
    // Paints the code shading and the text at topLeft (the body's origin in the painter's
    // coordinates); exposed is what shows, in the same coordinates.
    void paint(QPainter *painter, QPointF topLeft, const QRectF &exposed) const;
    // How many chunks hold a painted image now, for tests and measurements.
    int cachedImages() const;
    // The text as shown, blocks separated by a line break (as QTextDocument::toPlainText()).
    QString plainText() const;
    // Characters given to the markdown parser so far, for tests and measurements.
    qsizetype parsedCharacters() const;

private:
    // A chunk of the text, parsed and decorated, placed under the ones before it.
    // The tail is the text after the last boundary, parsed again at the next revision.
    void appendChunk(QStringView markdown, qsizetype end, bool tail);
    void place(Chunk &chunk);
    // Shades code, sizes headings, adds a Copy link under each code block; returns the texts
    // of its code blocks.
    QStringList decorate(QTextDocument *doc, int firstCodeBlock, bool firstChunk);
    void dropTail();
    bool isTail(const Chunk &chunk) const;
    void paintChunk(QPainter *painter, const Chunk &chunk, QPointF origin, const QRectF &clip) const;

    int m_width;
    MessageStyle m_style;
    // The last text (shared, not copied) and how much of it the stable chunks (every chunk but
    // the tail) hold.
    QString m_source;
    qsizetype m_stableLength = 0;
    std::vector<Chunk> m_chunks;
    bool m_hasTail = false; // the last chunk is the tail, parsed again at every change
    QList<CodeBlock> m_code;
    qsizetype m_parsed = 0;
};
} // namespace Llamadesk
