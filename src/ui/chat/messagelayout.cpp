#include "messagelayout.h"

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
QColor mix(const QColor &a, const QColor &b, double t)
{
    return QColor::fromRgbF(static_cast<float>(a.redF() * (1 - t) + b.redF() * t),
                            static_cast<float>(a.greenF() * (1 - t) + b.greenF() * t),
                            static_cast<float>(a.blueF() * (1 - t) + b.blueF() * t));
}

std::unique_ptr<QTextDocument> newDocument(const QFont &font)
{
    auto doc = std::make_unique<QTextDocument>();
    doc->setDocumentMargin(0);
    doc->setDefaultFont(font);
    // Code lines wrap too: a card cannot scroll sideways.
    QTextOption option = doc->defaultTextOption();
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    doc->setDefaultTextOption(option);
    doc->setUndoRedoEnabled(false);
    return doc;
}

QTextCharFormat linkFormat(QStringView href, const QColor &color, const QFont &font)
{
    QTextCharFormat format;
    format.setFont(font);
    format.setAnchor(true);
    format.setAnchorHref(href.toString());
    format.setForeground(color);
    return format;
}

bool isCodeBlock(const QTextBlock &block)
{
    const QTextBlockFormat format = block.blockFormat();
    return format.hasProperty(QTextFormat::BlockCodeFence) || format.nonBreakableLines();
}

// Which code block (0, 1, …) a line belongs to, set on its block format.
constexpr int CodeGroupProperty = QTextFormat::UserProperty + 1;

double docHeight(const QTextDocument *doc)
{
    return doc->documentLayout()->documentSize().height();
}

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

QString MessageAnchor::copyCode(int block)
{
    return CopyCodePrefix.toString() + QString::number(block);
}

MessageStyle MessageStyle::from(const QPalette &palette, const QFont &font)
{
    MessageStyle style;
    style.font = font;
    style.boldFont = font;
    style.boldFont.setWeight(QFont::DemiBold);
    style.smallFont = font;
    if (font.pointSizeF() > 0)
        style.smallFont.setPointSizeF(font.pointSizeF() * 0.88);
    else
        style.smallFont.setPixelSize(std::max(9, font.pixelSize() * 88 / 100));
    const QColor base = palette.color(QPalette::Base);
    const bool dark = base.lightnessF() < 0.5;
    style.text = palette.color(QPalette::Text);
    style.muted = mix(style.text, base, 0.45);
    style.link = palette.color(QPalette::Link);
    style.error = dark ? QColor(0xef, 0x7a, 0x7a) : QColor(0xb7, 0x1c, 0x1c);
    style.userCard = mix(base, palette.color(QPalette::Highlight), dark ? 0.22 : 0.10);
    style.assistantCard = base;
    style.border = mix(base, style.text, 0.13);
    style.codeBackground = mix(base, style.text, dark ? 0.10 : 0.055);
    const QFontMetrics metrics(font);
    style.lineSpacing = metrics.lineSpacing();
    style.averageCharWidth = std::max(1, metrics.averageCharWidth());
    style.smallLineSpacing = QFontMetrics(style.smallFont).lineSpacing();
    style.boldHeight = QFontMetrics(style.boldFont).height();
    return style;
}

MessageLayout::MessageLayout(const StoredMessage &message, bool thinkingExpanded, bool lastAssistant, int rowWidth,
                             const MessageStyle &style, const AttachmentPreview *attachments)
    : m_roleLabel(roleLabel(message))
    , m_detail(message.role == Role::Assistant ? message.model : QString())
    , m_time(message.created.isValid() ? QLocale().toString(message.created.toLocalTime().time(), QLocale::ShortFormat)
                                       : QString())
    , m_user(message.role == Role::User)
{
    m_card = cardRect(rowWidth, 0);
    const int width = m_card.width() - 2 * PadH;
    const double x = m_card.left() + PadH;
    double y = OuterV + PadV;
    m_headerPos = QPointF(x, y);
    y += style.boldHeight + Gap;

    buildThinking(message, thinkingExpanded, width, style);
    buildBody(message, width, style);
    buildFooter(message, lastAssistant, width, style);
    for (Part *part : {&m_thinking, &m_body, &m_footer}) {
        if (part == &m_footer && attachments && !attachments->isEmpty())
            y += std::ceil(placeAttachments(*attachments, x, y, width, style)) + Gap;
        if (!part->doc)
            continue;
        part->pos = QPointF(x, y);
        y += std::ceil(docHeight(part->doc.get())) + Gap;
    }
    if (m_thinking.doc && thinkingExpanded && m_thinking.doc->blockCount() > 1) {
        const QTextBlock first = m_thinking.doc->findBlockByNumber(1);
        const double top = m_thinking.doc->documentLayout()->blockBoundingRect(first).top();
        m_reasoningBar = QRectF(m_thinking.pos.x() + 2, m_thinking.pos.y() + top, 2, docHeight(m_thinking.doc.get()) - top);
    }
    y += PadV - Gap;
    m_card.setHeight(static_cast<int>(y) - OuterV);
    m_height = m_card.bottom() + 1 + OuterV;
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
    m_thinking.doc = newDocument(style.font);
    m_thinking.color = style.muted;
    QTextCursor cursor(m_thinking.doc.get());
    QTextCharFormat title = linkFormat(MessageAnchor::Thinking, style.muted, style.boldFont);
    cursor.insertText(thinkingTitle(message, expanded), title);
    if (expanded) {
        QTextBlockFormat reasoningBlock;
        reasoningBlock.setLeftMargin(12);
        reasoningBlock.setTopMargin(4);
        QTextCharFormat reasoningText;
        reasoningText.setForeground(style.muted);
        reasoningText.setFont(style.font);
        cursor.insertBlock(reasoningBlock, reasoningText);
        cursor.insertText(message.reasoning.trimmed(), reasoningText);
    }
    m_thinking.doc->setTextWidth(width);
}

void MessageLayout::buildBody(const StoredMessage &message, int width, const MessageStyle &style)
{
    const bool streaming = message.state == MessageState::Streaming;
    if (message.content.isEmpty() && !(streaming && message.reasoning.isEmpty()))
        return;
    m_body.doc = newDocument(style.font);
    m_body.color = style.text;
    if (message.content.isEmpty()) {
        QTextCursor cursor(m_body.doc.get());
        QTextCharFormat waiting;
        waiting.setForeground(style.muted);
        cursor.insertText(tr("…"), waiting);
    } else if (m_user) {
        m_body.doc->setPlainText(message.content);
    } else {
        m_body.doc->setMarkdown(message.content, QTextDocument::MarkdownDialectGitHub);
        decorateMarkdown(m_body.doc.get(), style);
    }
    m_body.doc->setTextWidth(width);
    // The shading behind each code block, now that its lines are laid out.
    const QAbstractTextDocumentLayout *layout = m_body.doc->documentLayout();
    for (QTextBlock b = m_body.doc->begin(); b.isValid() && !m_code.isEmpty(); b = b.next()) {
        if (!b.blockFormat().hasProperty(CodeGroupProperty))
            continue;
        QRectF &rect = m_code[b.blockFormat().intProperty(CodeGroupProperty)].rect;
        rect = rect.isNull() ? layout->blockBoundingRect(b) : rect.united(layout->blockBoundingRect(b));
    }
    for (CodeBlock &code : m_code)
        code.rect = QRectF(0, code.rect.top() - CodePad, width, code.rect.height() + 2 * CodePad);
}

void MessageLayout::decorateMarkdown(QTextDocument *doc, const MessageStyle &style)
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
        spacing.setTopMargin(b == doc->begin() ? 0 : 10);
        spacing.setBottomMargin(4);
        cursor.setBlockFormat(spacing);
    }
    QTextCharFormat shaded;
    shaded.setBackground(style.codeBackground);
    for (const auto &[position, length] : std::as_const(inlineCode)) {
        cursor.setPosition(position);
        cursor.setPosition(position + length, QTextCursor::KeepAnchor);
        cursor.mergeCharFormat(shaded);
    }

    m_code.reserve(groups.size());
    for (int i = 0; i < groups.size(); ++i) {
        QStringList lines;
        for (QTextBlock b = groups.at(i).first;; b = b.next()) {
            lines.append(b.text());
            QTextBlockFormat format = b.blockFormat();
            format.setNonBreakableLines(false);
            format.setLeftMargin(CodePad + 2);
            format.setRightMargin(CodePad);
            format.setProperty(CodeGroupProperty, i);
            if (b == groups.at(i).first)
                format.setTopMargin(CodePad + 6);
            if (b == groups.at(i).last)
                format.setBottomMargin(CodePad);
            QTextCursor(b).setBlockFormat(format);
            if (b == groups.at(i).last)
                break;
        }
        m_code.append({lines.join(u'\n'), {}});
    }
    // Links go in after the loop above, from the last group up, so the blocks it kept stay valid.
    for (qsizetype i = groups.size() - 1; i >= 0; --i) {
        QTextCursor end(groups.at(i).last);
        end.movePosition(QTextCursor::EndOfBlock);
        QTextBlockFormat linkBlock;
        linkBlock.setAlignment(Qt::AlignRight);
        linkBlock.setTopMargin(3);
        linkBlock.setBottomMargin(6);
        const QTextCharFormat link = linkFormat(MessageAnchor::copyCode(static_cast<int>(i)), style.link, style.smallFont);
        end.insertBlock(linkBlock, link);
        end.insertText(tr("Copy"), link);
    }
}

void MessageLayout::buildFooter(const StoredMessage &message, bool lastAssistant, int width, const MessageStyle &style)
{
    const bool streaming = message.state == MessageState::Streaming;
    m_footer.doc = newDocument(style.smallFont);
    m_footer.color = style.muted;
    QTextCursor cursor(m_footer.doc.get());
    if (message.state == MessageState::Error && !message.error.isEmpty()) {
        QTextCharFormat error;
        error.setForeground(style.error);
        error.setFont(style.font);
        cursor.insertText(message.error, error);
        QTextBlockFormat next;
        next.setTopMargin(6);
        cursor.insertBlock(next);
    }
    QTextCharFormat plain;
    plain.setForeground(style.muted);
    plain.setFont(style.smallFont);
    bool first = true;
    auto separate = [&] {
        if (!first)
            cursor.insertText(QStringLiteral("\u2003"), plain);
        first = false;
    };
    auto addLink = [&](QStringView href, const QString &text) {
        separate();
        cursor.insertText(text, linkFormat(href, style.link, style.smallFont));
    };
    if (!streaming) {
        if (!message.content.isEmpty())
            addLink(MessageAnchor::Copy, tr("Copy"));
        if (m_user)
            addLink(MessageAnchor::Edit, tr("Edit"));
        if (lastAssistant)
            addLink(MessageAnchor::Regenerate, tr("Regenerate"));
    }
    const QString stats = streaming                                ? tr("Generating…")
                          : message.state == MessageState::Error ? QString()
                                                                 : statsText(message);
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
            top += rowHeight + Gap;
            rowHeight = 0;
        }
        const QRectF rect(QPointF(left, top), size);
        left += size.width() + Gap;
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
        top += rowHeight + Gap;
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
        rounded.addRoundedRect(thumbnail.rect, 6, 6);
        painter->save();
        painter->setClipPath(rounded, Qt::IntersectClip);
        if (thumbnail.image.isNull()) {
            painter->fillRect(thumbnail.rect, style.codeBackground);
            painter->setPen(style.muted);
            painter->setFont(style.smallFont);
            painter->drawText(thumbnail.rect, Qt::AlignCenter, tr("?"));
        } else {
            // Already at this size: a copy of pixels, no scaling while painting.
            painter->drawImage(thumbnail.rect, thumbnail.image);
        }
        painter->restore();
        painter->setPen(QPen(style.border, 1));
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(thumbnail.rect.adjusted(0.5, 0.5, -0.5, -0.5), 6, 6);
    }
    for (const Chip &chip : m_chips) {
        if (!chip.rect.intersects(exposed))
            continue;
        painter->setPen(QPen(style.border, 1));
        painter->setBrush(style.codeBackground);
        painter->drawRoundedRect(chip.rect.adjusted(0.5, 0.5, -0.5, -0.5), chip.rect.height() / 2, chip.rect.height() / 2);
        const QRectF icon(chip.rect.left() + 10, chip.rect.center().y() - 7, 12, 14);
        drawMicrophone(painter, icon, style.muted);
        painter->setPen(style.muted);
        painter->setFont(style.smallFont);
        painter->drawText(chip.rect.adjusted(10 + 12 + 6, 0, -10, 0), Qt::AlignVCenter | Qt::AlignLeft, chip.text);
    }
}

QList<const MessageLayout::Part *> MessageLayout::parts() const
{
    return {&m_thinking, &m_body, &m_footer};
}

void MessageLayout::paint(QPainter *painter, QPointF rowTopLeft, const QRectF &exposed, const MessageStyle &style) const
{
    painter->save();
    painter->translate(rowTopLeft);
    painter->setRenderHint(QPainter::Antialiasing);
    QPainterPath card;
    card.addRoundedRect(QRectF(m_card).adjusted(0.5, 0.5, -0.5, -0.5), Radius, Radius);
    painter->setPen(m_user ? Qt::NoPen : QPen(style.border, 1));
    painter->setBrush(m_user ? style.userCard : style.assistantCard);
    painter->drawPath(card);

    const QFontMetrics bold(style.boldFont);
    painter->setFont(style.boldFont);
    painter->setPen(style.text);
    painter->drawText(m_headerPos + QPointF(0, bold.ascent()), m_roleLabel);
    painter->setFont(style.smallFont);
    painter->setPen(style.muted);
    const QFontMetrics small(style.smallFont);
    const double baseline = m_headerPos.y() + bold.ascent();
    if (!m_detail.isEmpty()) {
        const double x = m_headerPos.x() + bold.horizontalAdvance(m_roleLabel) + 8;
        const double room = m_card.right() - PadH - x - small.horizontalAdvance(m_time) - 16;
        painter->drawText(QPointF(x, baseline), small.elidedText(m_detail, Qt::ElideMiddle, static_cast<int>(room)));
    }
    if (!m_time.isEmpty())
        painter->drawText(QPointF(m_card.right() + 1 - PadH - small.horizontalAdvance(m_time), baseline), m_time);

    if (!m_reasoningBar.isNull())
        painter->fillRect(m_reasoningBar, style.border);
    painter->setPen(Qt::NoPen);
    painter->setBrush(style.codeBackground);
    for (const CodeBlock &code : m_code)
        painter->drawRoundedRect(code.rect.translated(m_body.pos), 6, 6);

    paintAttachments(painter, exposed, style);

    for (const Part *part : parts()) {
        if (!part->doc)
            continue;
        QAbstractTextDocumentLayout::PaintContext context;
        context.palette.setColor(QPalette::Text, part->color);
        context.clip = exposed.translated(-part->pos).intersected(QRectF(0, 0, part->doc->textWidth(), docHeight(part->doc.get())));
        if (context.clip.isEmpty())
            continue;
        painter->save();
        painter->translate(part->pos);
        part->doc->documentLayout()->draw(painter, context);
        painter->restore();
    }
    painter->restore();
}

QString MessageLayout::anchorAt(QPointF rowPos) const
{
    for (const Part *part : parts()) {
        if (!part->doc)
            continue;
        const QPointF local = rowPos - part->pos;
        if (local.x() >= 0 && local.y() >= 0 && local.x() <= part->doc->textWidth() && local.y() <= docHeight(part->doc.get()))
            return part->doc->documentLayout()->anchorAt(local);
    }
    return {};
}

QRectF MessageLayout::anchorRect(QStringView href) const
{
    for (const Part *part : parts()) {
        if (!part->doc)
            continue;
        for (QTextBlock b = part->doc->begin(); b.isValid(); b = b.next()) {
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
                return QRectF(x1, line.y(), x2 - x1, line.height()).translated(layout->position() + part->pos);
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
    return static_cast<int>(m_code.size());
}

QString MessageLayout::codeBlockText(int block) const
{
    return block >= 0 && block < m_code.size() ? m_code.at(block).text : QString();
}

const QTextDocument *MessageLayout::body() const
{
    return m_body.doc.get();
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
    const int width = cardRect(rowWidth, 0).width() - 2 * PadH;
    const int perLine = std::max(8, width / style.averageCharWidth);
    auto lines = [perLine](const QString &text) {
        int count = 0;
        for (const QStringView line : QStringView(text).split(u'\n'))
            count += 1 + static_cast<int>(line.size()) / perLine;
        return count;
    };
    int h = OuterV + PadV + style.boldHeight + Gap;
    if (!message.reasoning.isEmpty())
        h += style.lineSpacing + Gap + (thinkingExpanded ? lines(message.reasoning) * style.lineSpacing + 4 : 0);
    if (!message.content.isEmpty()) {
        const int fences = static_cast<int>(message.content.count(QStringLiteral("```"))) / 2;
        h += lines(message.content) * style.lineSpacing + fences * (2 * CodePad + 6 + style.smallLineSpacing + 9) + Gap;
    }
    if (message.state == MessageState::Error)
        h += lines(message.error) * style.lineSpacing + 6;
    // Reading the attachments would mean decoding them: one row of thumbnails is the guess.
    if (!message.attachments.isEmpty())
        h += AttachmentPreview::MaxHeight + Gap;
    h += style.smallLineSpacing + PadV + OuterV;
    return h;
}

QRect MessageLayout::cardRect(int rowWidth, int rowHeight)
{
    const int width = std::max(MinCardWidth, std::min(MaxCardWidth, rowWidth - 2 * OuterH));
    const int x = std::max(0, (rowWidth - width) / 2);
    return QRect(x, OuterV, width, std::max(0, rowHeight - 2 * OuterV));
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
