#include "ui/chat/messagelayout.h"

#include "ui/chat/render/textdocuments.h"

#include <QAbstractTextDocumentLayout>
#include <QFontMetrics>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QPalette>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextLayout>

#include <algorithm>
#include <cmath>

namespace Llamadesk
{
namespace
{
using M = CardMetrics;

// A microphone: a capsule, the cradle under it and its foot.
void drawMicrophone(QPainter *painter, const QRectF &box, const QColor &color)
{
    painter->save();
    painter->setPen(QPen(color, 1.3, Qt::SolidLine, Qt::RoundCap));
    const double w = box.width();
    const double h = box.height();
    const QRectF capsule(box.left() + w * 0.32, box.top(), w * 0.36, h * 0.62);
    painter->setBrush(color);
    painter->drawRoundedRect(capsule, capsule.width() / 2, capsule.width() / 2);
    painter->setBrush(Qt::NoBrush);
    const QRectF cradle(box.left() + w * 0.15, box.top() + h * 0.15, w * 0.7, h * 0.62);
    painter->drawArc(cradle, 180 * 16, 180 * 16);
    painter->drawLine(QPointF(box.center().x(), cradle.bottom()), QPointF(box.center().x(), box.bottom()));
    painter->restore();
}
} // namespace

MessageLayout::MessageLayout(const StoredMessage &message, bool thinkingExpanded, bool lastAssistant, int rowWidth,
                             const MessageStyle &style, const AttachmentPreview *attachments,
                             Reusable previous)
    : m_roleLabel(roleLabel(message))
    , m_detail(message.role == Role::Assistant ? message.model : QString())
    , m_created(message.created)
    , m_user(message.role == Role::User)
{
    // The local time zone is read from the system at every conversion: once per message.
    if (!message.created.isValid())
        m_time.clear();
    else if (previous.created == message.created && !previous.time.isEmpty())
        m_time = std::move(previous.time);
    else
        m_time = QLocale().toString(message.created.toLocalTime().time(), QLocale::ShortFormat);
    m_card = cardRect(rowWidth, 0);
    const int width = M::contentWidth(rowWidth);
    const double x = m_card.left() + M::PadH;
    m_headerPos = QPointF(x, M::OuterV + M::PadV);
    double y = M::contentTop(style.boldHeight);

    buildThinking(message, thinkingExpanded, width, style);
    buildBody(message, width, style, std::move(previous.markdown));
    buildFooter(message, lastAssistant, width, style, previous);
    if (m_thinking.doc) {
        m_thinking.pos = QPointF(x, y);
        y += std::ceil(textDocumentHeight(m_thinking.doc.get())) + M::Gap;
    }
    if (m_body.doc) {
        m_body.pos = QPointF(x, y);
        y += std::ceil(textDocumentHeight(m_body.doc.get())) + M::Gap;
    } else if (m_markdown) {
        m_markdownPos = QPointF(x, y);
        y += std::ceil(m_markdown->height()) + M::Gap;
    }
    if (attachments && !attachments->isEmpty())
        y += std::ceil(placeAttachments(*attachments, x, y, width, style)) + M::Gap;
    m_footer.pos = QPointF(x, y);
    y += std::ceil(textDocumentHeight(m_footer.doc.get())) + M::Gap;
    if (m_thinking.doc && thinkingExpanded && m_thinking.doc->blockCount() > 1) {
        const QTextBlock first = m_thinking.doc->findBlockByNumber(1);
        const double top = m_thinking.doc->documentLayout()->blockBoundingRect(first).top();
        m_reasoningBar = QRectF(m_thinking.pos.x() + 2, m_thinking.pos.y() + top, 2,
                                textDocumentHeight(m_thinking.doc.get()) - top);
    }
    y += M::PadV - M::Gap;
    m_card.setHeight(static_cast<int>(y) - M::OuterV);
    m_height = m_card.bottom() + 1 + M::OuterV;
}

MessageLayout::~MessageLayout() = default;

int MessageLayout::height() const
{
    return m_height;
}

QRect MessageLayout::cardRect() const
{
    return m_card;
}

void MessageLayout::buildThinking(const StoredMessage &message, bool expanded, int width, const MessageStyle &style)
{
    if (message.reasoning.isEmpty())
        return;
    m_thinking.doc = newTextDocument(style.font);
    m_thinking.color = style.colors.muted;
    QTextCursor cursor(m_thinking.doc.get());
    QTextCharFormat title = linkCharFormat(MessageAnchor::Thinking, style.colors.muted, style.boldFont);
    cursor.insertText(thinkingTitle(message, expanded), title);
    if (expanded) {
        QTextBlockFormat reasoningBlock;
        reasoningBlock.setLeftMargin(M::ReasoningIndent);
        reasoningBlock.setTopMargin(M::ReasoningTop);
        QTextCharFormat reasoningText;
        reasoningText.setForeground(style.colors.muted);
        reasoningText.setFont(style.font);
        cursor.insertBlock(reasoningBlock, reasoningText);
        cursor.insertText(message.reasoning.trimmed(), reasoningText);
    }
    m_thinking.doc->setTextWidth(width);
}

void MessageLayout::buildBody(const StoredMessage &message, int width, const MessageStyle &style,
                              std::unique_ptr<MarkdownBody> previous)
{
    const bool streaming = message.state == MessageState::Streaming;
    if (message.content.isEmpty() && !(streaming && message.reasoning.isEmpty()))
        return;
    if (!message.content.isEmpty() && !m_user) {
        m_bodyColor = style.colors.text;
        if (previous && previous->continuesWith(message.content, width))
            m_markdown = std::move(previous);
        else
            m_markdown = std::make_unique<MarkdownBody>(width, style);
        m_markdown->setMarkdown(message.content);
        return;
    }
    m_body.doc = newTextDocument(style.font);
    m_body.color = style.colors.text;
    if (message.content.isEmpty()) {
        QTextCursor cursor(m_body.doc.get());
        QTextCharFormat waiting;
        waiting.setForeground(style.colors.muted);
        cursor.insertText(tr("…"), waiting);
    } else {
        m_body.doc->setPlainText(message.content);
    }
    m_body.doc->setTextWidth(width);
}

void MessageLayout::buildFooter(const StoredMessage &message, bool lastAssistant, int width, const MessageStyle &style,
                                Reusable &previous)
{
    const bool streaming = message.state == MessageState::Streaming;
    const QString stats = streaming                                ? tr("Generating…")
                          : message.state == MessageState::Error ? QString()
                                                                 : statsText(message);
    // Everything the footer's text depends on, the style aside (a new style empties the
    // delegate's cache, so no layout of another style is handed on).
    m_footerKey = QStringLiteral("%1|%2|%3|%4|%5|%6|")
                      .arg(width)
                      .arg(static_cast<int>(message.state))
                      .arg(int(lastAssistant))
                      .arg(int(m_user))
                      .arg(int(message.content.isEmpty()))
                      .arg(stats)
                  + message.error;
    m_footer.color = style.colors.muted;
    if (previous.footer && previous.footerKey == m_footerKey) {
        m_footer.doc = std::move(previous.footer);
        return;
    }
    m_footer.doc = newTextDocument(style.smallFont);
    QTextCursor cursor(m_footer.doc.get());
    if (message.state == MessageState::Error && !message.error.isEmpty()) {
        QTextCharFormat error;
        error.setForeground(style.colors.error);
        error.setFont(style.font);
        cursor.insertText(message.error, error);
        QTextBlockFormat next;
        next.setTopMargin(M::ErrorBottom);
        cursor.insertBlock(next);
    }
    QTextCharFormat plain;
    plain.setForeground(style.colors.muted);
    plain.setFont(style.smallFont);
    bool first = true;
    auto separate = [&] {
        if (!first)
            cursor.insertText(QStringLiteral("\u2003"), plain);
        first = false;
    };
    auto addLink = [&](QStringView href, const QString &text) {
        separate();
        cursor.insertText(text, linkCharFormat(href, style.colors.link, style.smallFont));
    };
    if (!streaming) {
        if (!message.content.isEmpty())
            addLink(MessageAnchor::Copy, tr("Copy"));
        if (m_user)
            addLink(MessageAnchor::Edit, tr("Edit"));
        if (lastAssistant)
            addLink(MessageAnchor::Regenerate, tr("Regenerate"));
    }
    if (!stats.isEmpty()) {
        separate();
        cursor.insertText(stats, plain);
    }
    m_footer.doc->setTextWidth(width);
}

double MessageLayout::placeAttachments(const AttachmentPreview &attachments, double x, double y, int width,
                                       const MessageStyle &style)
{
    // Thumbnails in rows that wrap, then the chips in rows of their own.
    double left = x;
    double top = y;
    double rowHeight = 0;
    auto place = [&](QSizeF size) {
        if (left > x && left + size.width() > x + width) {
            left = x;
            top += rowHeight + M::Gap;
            rowHeight = 0;
        }
        const QRectF rect(QPointF(left, top), size);
        left += size.width() + M::Gap;
        rowHeight = std::max(rowHeight, size.height());
        return rect;
    };
    for (const AttachmentPreview::Image &image : attachments.images) {
        QSizeF size = image.thumbnail.isNull() ? QSizeF(AttachmentPreview::MaxHeight, AttachmentPreview::MaxHeight) * 0.5
                                               : image.thumbnail.deviceIndependentSize();
        // Never wider than the card: a very narrow window scales them down further.
        if (size.width() > width)
            size = size.scaled(QSizeF(width, size.height()), Qt::KeepAspectRatio);
        m_thumbnails.append({image.index, image.thumbnail, place(size), image.toolTip});
    }
    if (!attachments.audio.isEmpty() && !m_thumbnails.isEmpty()) {
        left = x;
        top += rowHeight + M::Gap;
        rowHeight = 0;
    }
    const QFontMetricsF small(style.smallFont);
    for (const AttachmentPreview::Audio &audio : attachments.audio) {
        const QString text = audioChipText(audio.seconds);
        const double height = style.smallLineSpacing + 10;
        const QSizeF size(std::min<double>(width, 10 + 12 + 6 + small.horizontalAdvance(text) + 12), height);
        m_chips.append({text, place(size)});
    }
    return top + rowHeight - y;
}

void MessageLayout::paintAttachments(QPainter *painter, const QRectF &exposed, const MessageStyle &style) const
{
    for (const Thumbnail &thumbnail : m_thumbnails) {
        if (!thumbnail.rect.intersects(exposed))
            continue;
        QPainterPath rounded;
        rounded.addRoundedRect(thumbnail.rect, M::ThumbnailRadius, M::ThumbnailRadius);
        painter->save();
        painter->setClipPath(rounded, Qt::IntersectClip);
        if (thumbnail.image.isNull()) {
            painter->fillRect(thumbnail.rect, style.colors.codeBackground);
            painter->setPen(style.colors.muted);
            painter->setFont(style.smallFont);
            painter->drawText(thumbnail.rect, Qt::AlignCenter, tr("?"));
        } else {
            // Already at this size: a copy of pixels, no scaling while painting.
            painter->drawImage(thumbnail.rect, thumbnail.image);
        }
        painter->restore();
        painter->setPen(QPen(style.colors.border, 1));
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(thumbnail.rect.adjusted(0.5, 0.5, -0.5, -0.5), M::ThumbnailRadius, M::ThumbnailRadius);
    }
    for (const Chip &chip : m_chips) {
        if (!chip.rect.intersects(exposed))
            continue;
        painter->setPen(QPen(style.colors.border, 1));
        painter->setBrush(style.colors.codeBackground);
        painter->drawRoundedRect(chip.rect.adjusted(0.5, 0.5, -0.5, -0.5), chip.rect.height() / 2, chip.rect.height() / 2);
        const QRectF icon(chip.rect.left() + 10, chip.rect.center().y() - 7, 12, 14);
        drawMicrophone(painter, icon, style.colors.muted);
        painter->setPen(style.colors.muted);
        painter->setFont(style.smallFont);
        painter->drawText(chip.rect.adjusted(10 + 12 + 6, 0, -10, 0), Qt::AlignVCenter | Qt::AlignLeft, chip.text);
    }
}

QList<MessageLayout::DocView> MessageLayout::docs() const
{
    QList<DocView> views;
    if (m_thinking.doc)
        views.append({m_thinking.doc.get(), m_thinking.pos, m_thinking.color});
    if (m_body.doc)
        views.append({m_body.doc.get(), m_body.pos, m_body.color});
    if (m_markdown) {
        for (const MarkdownBody::Chunk &chunk : m_markdown->chunks())
            views.append({chunk.doc.get(), m_markdownPos + QPointF(0, chunk.top), m_bodyColor});
    }
    if (m_footer.doc)
        views.append({m_footer.doc.get(), m_footer.pos, m_footer.color});
    return views;
}

void MessageLayout::paint(QPainter *painter, QPointF rowTopLeft, const QRectF &exposed, const MessageStyle &style) const
{
    painter->save();
    painter->translate(rowTopLeft);
    painter->setRenderHint(QPainter::Antialiasing);
    QPainterPath card;
    card.addRoundedRect(QRectF(m_card).adjusted(0.5, 0.5, -0.5, -0.5), M::Radius, M::Radius);
    painter->setPen(m_user ? Qt::NoPen : QPen(style.colors.border, 1));
    painter->setBrush(m_user ? style.colors.userCard : style.colors.assistantCard);
    painter->drawPath(card);

    const QFontMetrics bold(style.boldFont);
    painter->setFont(style.boldFont);
    painter->setPen(style.colors.text);
    painter->drawText(m_headerPos + QPointF(0, bold.ascent()), m_roleLabel);
    painter->setFont(style.smallFont);
    painter->setPen(style.colors.muted);
    const QFontMetrics small(style.smallFont);
    const double baseline = m_headerPos.y() + bold.ascent();
    if (!m_detail.isEmpty()) {
        const double x = m_headerPos.x() + bold.horizontalAdvance(m_roleLabel) + 8;
        const double room = m_card.right() - M::PadH - x - small.horizontalAdvance(m_time) - 16;
        painter->drawText(QPointF(x, baseline), small.elidedText(m_detail, Qt::ElideMiddle, static_cast<int>(room)));
    }
    if (!m_time.isEmpty())
        painter->drawText(QPointF(m_card.right() + 1 - M::PadH - small.horizontalAdvance(m_time), baseline), m_time);

    if (!m_reasoningBar.isNull())
        painter->fillRect(m_reasoningBar, style.colors.border);
    painter->setPen(Qt::NoPen);
    painter->setBrush(style.colors.codeBackground);

    paintAttachments(painter, exposed, style);

    if (m_markdown)
        m_markdown->paint(painter, m_markdownPos, exposed);
    for (const Part *part : {&m_thinking, &m_body, &m_footer}) {
        if (!part->doc)
            continue;
        const DocView view{part->doc.get(), part->pos, part->color};
        paintDoc(painter, view, exposed);
    }
    painter->restore();
}

void MessageLayout::paintDoc(QPainter *painter, const DocView &part, const QRectF &exposed)
{
    QAbstractTextDocumentLayout::PaintContext context;
    context.palette.setColor(QPalette::Text, part.color);
    context.clip = exposed.translated(-part.pos).intersected(
            QRectF(0, 0, part.doc->textWidth(), textDocumentHeight(part.doc)));
    if (context.clip.isEmpty())
        return;
    painter->save();
    painter->translate(part.pos);
    part.doc->documentLayout()->draw(painter, context);
    painter->restore();
}

QString MessageLayout::anchorAt(QPointF rowPos) const
{
    for (const DocView &part : docs()) {
        const QPointF local = rowPos - part.pos;
        if (local.x() >= 0 && local.y() >= 0 && local.x() <= part.doc->textWidth()
            && local.y() <= textDocumentHeight(part.doc))
            return part.doc->documentLayout()->anchorAt(local);
    }
    return {};
}

QRectF MessageLayout::anchorRect(QStringView href) const
{
    for (const DocView &part : docs()) {
        for (QTextBlock b = part.doc->begin(); b.isValid(); b = b.next()) {
            for (auto it = b.begin(); !it.atEnd(); ++it) {
                const QTextFragment fragment = it.fragment();
                if (fragment.charFormat().anchorHref() != href)
                    continue;
                const QTextLayout *layout = b.layout();
                const int start = fragment.position() - b.position();
                const QTextLine line = layout->lineForTextPosition(start);
                if (!line.isValid())
                    return {};
                const double x1 = line.cursorToX(start);
                const double x2 = line.cursorToX(std::min(start + fragment.length(), line.textStart() + line.textLength()));
                return QRectF(x1, line.y(), x2 - x1, line.height()).translated(layout->position() + part.pos);
            }
        }
    }
    return {};
}

int MessageLayout::imageAt(QPointF rowPos) const
{
    for (const Thumbnail &thumbnail : m_thumbnails) {
        if (thumbnail.rect.contains(rowPos))
            return thumbnail.index;
    }
    return -1;
}

QRectF MessageLayout::imageRect(int attachmentIndex) const
{
    for (const Thumbnail &thumbnail : m_thumbnails) {
        if (thumbnail.index == attachmentIndex)
            return thumbnail.rect;
    }
    return {};
}

QString MessageLayout::imageToolTip(int attachmentIndex) const
{
    for (const Thumbnail &thumbnail : m_thumbnails) {
        if (thumbnail.index == attachmentIndex)
            return thumbnail.toolTip;
    }
    return {};
}

int MessageLayout::imageCount() const
{
    return static_cast<int>(m_thumbnails.size());
}

QStringList MessageLayout::audioChipTexts() const
{
    QStringList texts;
    for (const Chip &chip : m_chips)
        texts.append(chip.text);
    return texts;
}

int MessageLayout::codeBlockCount() const
{
    return m_markdown ? static_cast<int>(m_markdown->codeBlocks().size()) : 0;
}

QString MessageLayout::codeBlockText(int block) const
{
    if (!m_markdown || block < 0 || block >= m_markdown->codeBlocks().size())
        return {};
    return m_markdown->codeBlocks().at(block).text;
}

QList<const QTextDocument *> MessageLayout::bodyDocuments() const
{
    QList<const QTextDocument *> documents;
    if (m_body.doc)
        documents.append(m_body.doc.get());
    if (m_markdown) {
        for (const MarkdownBody::Chunk &chunk : m_markdown->chunks())
            documents.append(chunk.doc.get());
    }
    return documents;
}

QString MessageLayout::bodyText() const
{
    if (m_markdown)
        return m_markdown->plainText();
    return m_body.doc ? m_body.doc->toPlainText() : QString();
}

double MessageLayout::bodyHeight() const
{
    if (m_markdown)
        return m_markdown->height();
    return m_body.doc ? textDocumentHeight(m_body.doc.get()) : 0;
}

const MarkdownBody *MessageLayout::markdown() const
{
    return m_markdown.get();
}

MessageLayout::Reusable MessageLayout::takeReusable()
{
    return Reusable{std::move(m_markdown), std::move(m_footer.doc), m_footerKey, m_created, m_time};
}

const QTextDocument *MessageLayout::thinking() const
{
    return m_thinking.doc.get();
}

const QTextDocument *MessageLayout::footer() const
{
    return m_footer.doc.get();
}

int MessageLayout::estimateHeight(const StoredMessage &message, bool thinkingExpanded, int rowWidth,
                                  const MessageStyle &style)
{
    const int width = M::contentWidth(rowWidth);
    const int perLine = std::max(8, width / style.averageCharWidth);
    auto lines = [perLine](const QString &text) {
        int count = 0;
        for (const QStringView line : QStringView(text).split(u'\n'))
            count += 1 + static_cast<int>(line.size()) / perLine;
        return count;
    };
    int h = M::contentTop(style.boldHeight);
    if (!message.reasoning.isEmpty())
        h += style.lineSpacing + M::Gap
                + (thinkingExpanded ? lines(message.reasoning) * style.lineSpacing + M::ReasoningTop : 0);
    if (!message.content.isEmpty()) {
        const int fences = static_cast<int>(message.content.count(QStringLiteral("```"))) / 2;
        h += lines(message.content) * style.lineSpacing + fences * M::codeBlockExtra(style.smallLineSpacing) + M::Gap;
    }
    if (message.state == MessageState::Error)
        h += lines(message.error) * style.lineSpacing + M::ErrorBottom;
    // Placing the thumbnails needs the row's width: one row of them is the guess.
    if (!message.attachments.isEmpty())
        h += AttachmentPreview::MaxHeight + M::Gap;
    h += style.smallLineSpacing + M::Gap + M::bottomAfterGap();
    return h;
}

QRect MessageLayout::cardRect(int rowWidth, int rowHeight)
{
    return M::cardRect(rowWidth, rowHeight);
}

QString MessageLayout::roleLabel(const StoredMessage &message)
{
    if (message.role == Role::User)
        return tr("You");
    if (message.role == Role::System)
        return tr("System");
    return tr("Assistant");
}

QString MessageLayout::statsText(const StoredMessage &message)
{
    if (message.role != Role::Assistant)
        return {};
    const QLocale locale;
    QStringList parts;
    if (message.predictedTokens > 0) {
        parts.append(message.predictedTokens == 1 ? tr("1 token")
                                                  : tr("%1 tokens").arg(locale.toString(message.predictedTokens)));
    }
    if (message.tokensPerSecond > 0)
        parts.append(tr("%1 tokens/s").arg(locale.toString(message.tokensPerSecond, 'f', 1)));
    if (message.timeToFirstTokenMs > 0)
        parts.append(tr("first token %1 ms").arg(locale.toString(qRound(message.timeToFirstTokenMs))));
    if (message.finishReason == u"length")
        parts.append(tr("stopped at the length limit"));
    if (message.state == MessageState::Interrupted)
        parts.append(tr("interrupted"));
    return parts.join(QStringLiteral(" · "));
}

QString MessageLayout::audioChipText(double seconds)
{
    return tr("Spoken question · %1 s").arg(QLocale().toString(seconds, 'f', 1));
}

QString MessageLayout::thinkingTitle(const StoredMessage &message, bool expanded)
{
    const QString arrow = expanded ? QStringLiteral("▾ ") : QStringLiteral("▸ ");
    if (message.state == MessageState::Streaming && message.content.isEmpty())
        return arrow + tr("Thinking…");
    if (message.reasoningMs <= 0)
        return arrow + tr("Thinking");
    return arrow + tr("Thinking (%1 s)").arg(QLocale().toString(message.reasoningMs / 1000.0, 'f', 1));
}
} // namespace Llamadesk
