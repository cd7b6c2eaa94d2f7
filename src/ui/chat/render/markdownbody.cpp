#include "ui/chat/render/markdownbody.h"

#include "ui/chat/render/cardmetrics.h"
#include "ui/chat/render/markdownblocks.h"
#include "ui/chat/render/textdocuments.h"

#include <QAbstractTextDocumentLayout>
#include <QPainter>
#include <QPalette>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextLayout>

#include <algorithm>

namespace Llamadesk
{
namespace
{
bool isCodeBlock(const QTextBlock &block)
{
    const QTextBlockFormat format = block.blockFormat();
    return format.hasProperty(QTextFormat::BlockCodeFence) || format.nonBreakableLines();
}

// Which of the body's code blocks (0, 1, …) a line belongs to, set on its block format.
constexpr int CodeGroupProperty = QTextFormat::UserProperty + 1;
} // namespace

QString MessageAnchor::copyCode(int block)
{
    return CopyCodePrefix.toString() + QString::number(block);
}

MarkdownBody::MarkdownBody(int width, const MessageStyle &style)
    : m_width(width)
    , m_style(style)
{
}

MarkdownBody::~MarkdownBody() = default;

bool MarkdownBody::continuesWith(QStringView markdown, int width) const
{
    return width == m_width && markdown.startsWith(QStringView(m_source).left(m_stableLength));
}

void MarkdownBody::setMarkdown(const QString &markdown)
{
    if (!continuesWith(markdown, m_width)) {
        m_chunks.clear();
        m_code.clear();
        m_stableLength = 0;
        m_hasTail = false;
    }
    dropTail();
    const qsizetype from = m_stableLength;
    const QStringView rest = QStringView(markdown).mid(from);
    qsizetype last = 0;
    for (const qsizetype boundary : markdownBoundaries(rest)) {
        appendChunk(rest.mid(last, boundary - last), from + boundary, false);
        last = boundary;
    }
    m_source = markdown;
    m_stableLength = from + last;
    if (from + last < markdown.size()) {
        appendChunk(rest.mid(last), markdown.size(), true);
        m_hasTail = true;
    }
}

void MarkdownBody::dropTail()
{
    if (!m_hasTail || m_chunks.empty())
        return;
    m_code.resize(m_code.size() - m_chunks.back().codeBlocks);
    m_chunks.pop_back();
    m_hasTail = false;
}

void MarkdownBody::appendChunk(QStringView markdown, qsizetype end, bool tail)
{
    Chunk chunk;
    chunk.end = end;
    chunk.doc = newTextDocument(m_style.font);
    chunk.doc->setMarkdown(markdown.toString(), QTextDocument::MarkdownDialectGitHub);
    m_parsed += markdown.size();
    const int firstCode = static_cast<int>(m_code.size());
    const QStringList code = decorate(chunk.doc.get(), firstCode, m_chunks.empty());
    chunk.codeBlocks = static_cast<int>(code.size());
    // A block's layout drops its glyphs once laid out, and drawing shapes the text again. The
    // tail is drawn directly at every frame until the next revision replaces it: it keeps them.
    // (A finished chunk is drawn once, into its image.)
    if (tail) {
        for (QTextBlock b = chunk.doc->begin(); b.isValid(); b = b.next())
            b.layout()->setCacheEnabled(true);
    }
    chunk.doc->setTextWidth(m_width);
    chunk.height = textDocumentHeight(chunk.doc.get());
    place(chunk);
    // The shading behind each code block, now that its lines are laid out.
    QList<QRectF> rects(code.size());
    const QAbstractTextDocumentLayout *layout = chunk.doc->documentLayout();
    for (QTextBlock b = chunk.doc->begin(); b.isValid() && !code.isEmpty(); b = b.next()) {
        if (!b.blockFormat().hasProperty(CodeGroupProperty))
            continue;
        QRectF &rect = rects[b.blockFormat().intProperty(CodeGroupProperty) - firstCode];
        rect = rect.isNull() ? layout->blockBoundingRect(b) : rect.united(layout->blockBoundingRect(b));
    }
    QRectF area(0, chunk.top, m_width, chunk.height);
    for (qsizetype i = 0; i < code.size(); ++i) {
        const QRectF &lines = rects.at(i);
        m_code.append({code.at(i), QRectF(0, chunk.top + lines.top() - CardMetrics::CodePad, m_width,
                                          lines.height() + 2 * CardMetrics::CodePad)});
        area = area.united(m_code.last().rect);
    }
    // Whole pixels, so that its image lands on the grid the text would be drawn on.
    chunk.area = area.toAlignedRect();
    m_chunks.push_back(std::move(chunk));
}

void MarkdownBody::place(Chunk &chunk)
{
    if (m_chunks.empty()) {
        chunk.top = 0;
        return;
    }
    // A document's height leaves out its first block's top margin and its last block's bottom
    // margin; between two blocks of one document the larger of the two counts, and so it does
    // between two chunks.
    const Chunk &previous = m_chunks.back();
    const double gap = std::max(previous.doc->lastBlock().blockFormat().bottomMargin(),
                                chunk.doc->firstBlock().blockFormat().topMargin());
    chunk.top = previous.top + previous.height + gap;
}

QStringList MarkdownBody::decorate(QTextDocument *doc, int firstCodeBlock, bool firstChunk)
{
    struct Group
    {
        QTextBlock first;
        QTextBlock last;
    };
    QList<Group> groups;
    QList<QPair<int, int>> inlineCode;
    QString language;
    for (QTextBlock b = doc->begin(); b.isValid(); b = b.next()) {
        if (isCodeBlock(b)) {
            const QString blockLanguage = b.blockFormat().stringProperty(QTextFormat::BlockCodeLanguage);
            // The importer marks no boundary between two fences in a row: only a change of
            // language splits them (rare in answers, and then both halves are still copied).
            if (!groups.isEmpty() && groups.last().last.next() == b && blockLanguage == language)
                groups.last().last = b;
            else
                groups.append({b, b});
            language = blockLanguage;
            continue;
        }
        for (auto it = b.begin(); !it.atEnd(); ++it) {
            const QTextFragment fragment = it.fragment();
            if (fragment.charFormat().fontFixedPitch())
                inlineCode.append({fragment.position(), fragment.length()});
        }
    }

    QTextCursor cursor(doc);
    for (QTextBlock b = doc->begin(); b.isValid(); b = b.next()) {
        const int level = b.blockFormat().headingLevel();
        if (level == 0)
            continue;
        // QTextDocument sizes headings for documents (h1 at 1.7 times the text); a chat
        // message needs less.
        QTextCharFormat heading;
        heading.setProperty(QTextFormat::FontSizeAdjustment, level == 1 ? 2 : level == 2 ? 1 : 0);
        heading.setFontWeight(QFont::Bold);
        cursor.setPosition(b.position());
        cursor.setPosition(b.position() + b.length() - 1, QTextCursor::KeepAnchor);
        cursor.mergeCharFormat(heading);
        QTextBlockFormat spacing = b.blockFormat();
        spacing.setTopMargin(firstChunk && b == doc->begin() ? 0 : CardMetrics::HeadingTop);
        spacing.setBottomMargin(CardMetrics::HeadingBottom);
        cursor.setBlockFormat(spacing);
    }
    QTextCharFormat shaded;
    shaded.setBackground(m_style.colors.codeBackground);
    for (const auto &[position, length] : std::as_const(inlineCode)) {
        cursor.setPosition(position);
        cursor.setPosition(position + length, QTextCursor::KeepAnchor);
        cursor.mergeCharFormat(shaded);
    }

    QStringList texts;
    texts.reserve(groups.size());
    for (qsizetype i = 0; i < groups.size(); ++i) {
        QStringList lines;
        for (QTextBlock b = groups.at(i).first;; b = b.next()) {
            lines.append(b.text());
            QTextBlockFormat format = b.blockFormat();
            format.setNonBreakableLines(false);
            format.setLeftMargin(CardMetrics::CodePad + 2);
            format.setRightMargin(CardMetrics::CodePad);
            format.setProperty(CodeGroupProperty, firstCodeBlock + static_cast<int>(i));
            if (b == groups.at(i).first)
                format.setTopMargin(CardMetrics::CodePad + CardMetrics::CodeTopExtra);
            if (b == groups.at(i).last)
                format.setBottomMargin(CardMetrics::CodePad);
            QTextCursor(b).setBlockFormat(format);
            if (b == groups.at(i).last)
                break;
        }
        texts.append(lines.join(u'\n'));
    }
    // Links go in after the loop above, from the last group up, so the blocks it kept stay valid.
    for (qsizetype i = groups.size() - 1; i >= 0; --i) {
        QTextCursor end(groups.at(i).last);
        end.movePosition(QTextCursor::EndOfBlock);
        QTextBlockFormat linkBlock;
        linkBlock.setAlignment(Qt::AlignRight);
        linkBlock.setTopMargin(CardMetrics::CopyLinkTop);
        linkBlock.setBottomMargin(CardMetrics::CopyLinkBottom);
        const QTextCharFormat link = linkCharFormat(MessageAnchor::copyCode(firstCodeBlock + static_cast<int>(i)),
                                                    m_style.colors.link, m_style.smallFont);
        end.insertBlock(linkBlock, link);
        end.insertText(tr("Copy"), link);
    }
    return texts;
}

bool MarkdownBody::isTail(const Chunk &chunk) const
{
    return m_hasTail && !m_chunks.empty() && &chunk == &m_chunks.back();
}

void MarkdownBody::paintChunk(QPainter *painter, const Chunk &chunk, QPointF origin, const QRectF &clip) const
{
    QAbstractTextDocumentLayout::PaintContext context;
    context.palette.setColor(QPalette::Text, m_style.colors.text);
    context.clip = clip;
    painter->save();
    painter->translate(origin);
    chunk.doc->documentLayout()->draw(painter, context);
    painter->restore();
}

void MarkdownBody::paint(QPainter *painter, QPointF topLeft, const QRectF &exposed) const
{
    const qreal dpr = painter->device() ? painter->device()->devicePixelRatioF() : 1.0;
    // Images are kept for what shows and a screen's height around it.
    const QRectF keep = exposed.adjusted(0, -exposed.height(), 0, exposed.height());
    qsizetype code = 0;
    for (const Chunk &chunk : m_chunks) {
        const QRectF area(chunk.area);
        const qsizetype firstShading = code;
        code += chunk.codeBlocks;
        const QRectF onScreen = area.translated(topLeft);
        if (!onScreen.intersects(exposed)) {
            if (!onScreen.intersects(keep))
                chunk.image = QImage();
            continue;
        }
        if (isTail(chunk)) {
            // Parsed again at the next revision: drawn directly.
            painter->save();
            painter->setPen(Qt::NoPen);
            painter->setBrush(m_style.colors.codeBackground);
            for (qsizetype i = firstShading; i < code; ++i)
                painter->drawRoundedRect(m_code.at(i).rect.translated(topLeft), CardMetrics::CodeRadius,
                                         CardMetrics::CodeRadius);
            painter->restore();
            paintChunk(painter, chunk, topLeft + QPointF(0, chunk.top),
                       exposed.translated(-topLeft - QPointF(0, chunk.top)));
            continue;
        }
        if (chunk.image.isNull() || !qFuzzyCompare(chunk.image.devicePixelRatio(), dpr) || chunk.imageRect != area) {
            const QRect pixels = area.toAlignedRect();
            chunk.imageRect = area;
            // Opaque (the card's colour under the text): drawn as a copy of pixels, no blending.
            chunk.image = QImage((QSizeF(pixels.size()) * dpr).toSize(), QImage::Format_RGB32);
            chunk.image.setDevicePixelRatio(dpr);
            chunk.image.fill(m_style.colors.assistantCard);
            QPainter image(&chunk.image);
            image.setRenderHint(QPainter::Antialiasing);
            image.translate(-area.topLeft());
            image.setPen(Qt::NoPen);
            image.setBrush(m_style.colors.codeBackground);
            for (qsizetype i = firstShading; i < code; ++i)
                image.drawRoundedRect(m_code.at(i).rect, CardMetrics::CodeRadius, CardMetrics::CodeRadius);
            paintChunk(&image, chunk, QPointF(0, chunk.top), QRectF());
        }
        painter->drawImage(onScreen.topLeft(), chunk.image);
    }
}

int MarkdownBody::cachedImages() const
{
    return static_cast<int>(std::count_if(m_chunks.begin(), m_chunks.end(),
                                          [](const Chunk &chunk) { return !chunk.image.isNull(); }));
}

int MarkdownBody::width() const
{
    return m_width;
}

double MarkdownBody::height() const
{
    return m_chunks.empty() ? 0 : m_chunks.back().top + m_chunks.back().height;
}

const std::vector<MarkdownBody::Chunk> &MarkdownBody::chunks() const
{
    return m_chunks;
}

const QList<MarkdownBody::CodeBlock> &MarkdownBody::codeBlocks() const
{
    return m_code;
}

QString MarkdownBody::plainText() const
{
    QStringList parts;
    parts.reserve(static_cast<qsizetype>(m_chunks.size()));
    for (const Chunk &chunk : m_chunks)
        parts.append(chunk.doc->toPlainText());
    return parts.join(u'\n');
}

qsizetype MarkdownBody::parsedCharacters() const
{
    return m_parsed;
}
} // namespace Llamadesk
