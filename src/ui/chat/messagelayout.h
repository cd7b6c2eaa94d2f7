#pragma once

#include "ui/chat/attachmentpreview.h"
#include "ui/chat/render/cardmetrics.h"
#include "core/chat/chatrecords.h"
#include "ui/chat/render/markdownbody.h"
#include "ui/chat/render/palette.h"

#include <QColor>
#include <QCoreApplication>
#include <QDateTime>
#include <QFont>
#include <QList>
#include <QRectF>
#include <QString>
#include <QTextDocument>

#include <memory>

class QPainter;
class QPalette;
class QTextDocument;

namespace Llamadesk
{
// One message laid out as a card at one width: the "Thinking" section, the content (markdown
// for the assistant, plain text for the user, whose line breaks matter), the attachments
// (thumbnails in rows that wrap, a chip per recording) and a footer with the statistics and
// the action links. Building it is the expensive part (markdown parse and text
// layout); painting and hit-testing it are cheap, which is why delegates cache it. The
// measures are CardMetrics', the colours the style's TranscriptPalette. An answer's markdown is
// a MarkdownBody, which the next revision of a streaming answer takes over (only the text after
// its last finished block is parsed again).
class MessageLayout final
{
    Q_DECLARE_TR_FUNCTIONS(MessageLayout)
    Q_DISABLE_COPY_MOVE(MessageLayout)

public:
    // What the next revision of the same message can take over from this layout (a streaming
    // answer changes 30 times a second, and mostly only at its end): the markdown, whose
    // finished chunks stay parsed; the footer, while it says the same; the formatted time.
    struct Reusable
    {
        std::unique_ptr<MarkdownBody> markdown;
        std::unique_ptr<QTextDocument> footer;
        QString footerKey;
        QDateTime created;
        QString time;
    };

    // attachments: the message's, decoded (nullptr: none shown); only read while constructing.
    // previous: what an earlier revision of this message left (takeReusable()): each part is
    // taken over where it still fits (the content goes on from the markdown at the same
    // width, the footer would say the same), else dropped.
    MessageLayout(const StoredMessage &message, bool thinkingExpanded, bool lastAssistant, int rowWidth,
                  const MessageStyle &style, const AttachmentPreview *attachments = nullptr,
                  Reusable previous = {});
    ~MessageLayout();

    // The whole row, margins included.
    int height() const;
    // The card inside a row of this layout's width, in row coordinates.
    QRect cardRect() const;
    // exposed: the part of the row on screen, in row coordinates; an answer taller than the
    // screen then only draws the lines that show.
    void paint(QPainter *painter, QPointF rowTopLeft, const QRectF &exposed, const MessageStyle &style) const;
    // The href of the link at a point in row coordinates, or an empty string.
    QString anchorAt(QPointF rowPos) const;
    // Where the link with that href is drawn, in row coordinates; empty when there is none.
    QRectF anchorRect(QStringView href) const;

    // The attachment index of the thumbnail at a point in row coordinates, or -1.
    int imageAt(QPointF rowPos) const;
    // Where the thumbnail of that attachment is, in row coordinates; empty when there is none.
    QRectF imageRect(int attachmentIndex) const;
    QString imageToolTip(int attachmentIndex) const;
    int imageCount() const;
    // The recordings' chips, as shown ("Spoken question · 3.2 s").
    QStringList audioChipTexts() const;

    int codeBlockCount() const;
    QString codeBlockText(int block) const;
    // The rendered content, in order: the user's text (or the placeholder of an answer that
    // has none yet) is one document, an answer's markdown one per chunk; empty without content.
    QList<const QTextDocument *> bodyDocuments() const;
    // The content as shown, blocks separated by line breaks; its height in the card.
    QString bodyText() const;
    double bodyHeight() const;
    // An answer's markdown; nullptr for plain text.
    const MarkdownBody *markdown() const;
    // For the next revision of the same message (see the constructor); the layout must not be
    // painted afterwards.
    Reusable takeReusable();
    const QTextDocument *thinking() const;
    const QTextDocument *footer() const;

    // A cheap guess of height() without building documents: rows the user has not seen yet
    // are sized with it, and measured for real when painted or when the view is idle.
    static int estimateHeight(const StoredMessage &message, bool thinkingExpanded, int rowWidth,
                              const MessageStyle &style);
    static QRect cardRect(int rowWidth, int rowHeight);
    static QString roleLabel(const StoredMessage &message);
    // "42 tokens · 38.5 tokens/s · first token 120 ms · stopped at the length limit"
    static QString statsText(const StoredMessage &message);
    // "▸ Thinking (3.2 s)"
    static QString thinkingTitle(const StoredMessage &message, bool expanded);
    // "Spoken question · 3.2 s"
    static QString audioChipText(double seconds);

private:
    struct Part
    {
        std::unique_ptr<QTextDocument> doc;
        QPointF pos;
        QColor color;
    };
    // A document of the card where it is drawn, in row coordinates.
    struct DocView
    {
        const QTextDocument *doc = nullptr;
        QPointF pos;
        QColor color;
    };
    struct Thumbnail
    {
        int index = 0;
        QImage image;
        QRectF rect; // row coordinates
        QString toolTip;
    };
    struct Chip
    {
        QString text;
        QRectF rect; // row coordinates
    };

    void buildThinking(const StoredMessage &message, bool expanded, int width, const MessageStyle &style);
    void buildBody(const StoredMessage &message, int width, const MessageStyle &style,
                   std::unique_ptr<MarkdownBody> previous);
    void buildFooter(const StoredMessage &message, bool lastAssistant, int width, const MessageStyle &style,
                     Reusable &previous);
    // Places the thumbnails and chips from (x, y) in rows of that width; returns their height.
    double placeAttachments(const AttachmentPreview &attachments, double x, double y, int width,
                            const MessageStyle &style);
    void paintAttachments(QPainter *painter, const QRectF &exposed, const MessageStyle &style) const;
    QList<DocView> docs() const;
    static void paintDoc(QPainter *painter, const DocView &part, const QRectF &exposed);

    QString m_roleLabel;
    QString m_detail; // model name
    QDateTime m_created;
    QString m_time;
    QString m_footerKey; // what the footer says, as a key (see Reusable)
    bool m_user = false;
    int m_height = 0;
    QRect m_card;
    QPointF m_headerPos;
    Part m_thinking;
    QRectF m_reasoningBar; // the rule beside expanded reasoning, row coordinates
    Part m_body; // plain text, or the placeholder
    std::unique_ptr<MarkdownBody> m_markdown;
    QPointF m_markdownPos;
    QColor m_bodyColor;
    Part m_footer;
    QList<Thumbnail> m_thumbnails;
    QList<Chip> m_chips;
};
} // namespace Llamadesk
