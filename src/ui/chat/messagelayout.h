#pragma once

#include "attachmentpreview.h"
#include "chat/chatrecords.h"

#include <QColor>
#include <QCoreApplication>
#include <QFont>
#include <QList>
#include <QRectF>
#include <QString>

#include <memory>

class QPainter;
class QPalette;
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

// Fonts and colours of the cards, derived once from the view's palette and font, so that a
// dark theme gets dark cards.
struct MessageStyle
{
    QFont font;
    QFont boldFont;
    QFont smallFont;
    QColor text;
    QColor muted;
    QColor link;
    QColor error;
    QColor userCard;
    QColor assistantCard;
    QColor border;
    QColor codeBackground;
    int lineSpacing = 0;
    int smallLineSpacing = 0;
    int boldHeight = 0;
    int averageCharWidth = 0;

    static MessageStyle from(const QPalette &palette, const QFont &font);
};

// One message laid out as a card at one width: the "Thinking" section, the content (markdown
// for the assistant, plain text for the user, whose line breaks matter), the attachments
// (thumbnails in rows that wrap, a chip per recording) and a footer with the statistics and
// the action links. Building it is the expensive part (markdown parse and text
// layout); painting and hit-testing it are cheap, which is why delegates cache it.
class MessageLayout final
{
    Q_DECLARE_TR_FUNCTIONS(MessageLayout)
    Q_DISABLE_COPY_MOVE(MessageLayout)

public:
    static constexpr int OuterH = 16;
    static constexpr int OuterV = 6;
    static constexpr int PadH = 16;
    static constexpr int PadV = 12;
    static constexpr int Gap = 8;
    static constexpr int CodePad = 8;
    static constexpr int Radius = 10;
    static constexpr int MaxCardWidth = 860;
    static constexpr int MinCardWidth = 160;

    // attachments: the message's, decoded (nullptr: none shown); only read while constructing.
    MessageLayout(const StoredMessage &message, bool thinkingExpanded, bool lastAssistant, int rowWidth,
                  const MessageStyle &style, const AttachmentPreview *attachments = nullptr);
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
    // The rendered content; nullptr when the message has none yet.
    const QTextDocument *body() const;
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
    struct CodeBlock
    {
        QString text;
        QRectF rect; // in body coordinates
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
    void buildBody(const StoredMessage &message, int width, const MessageStyle &style);
    void buildFooter(const StoredMessage &message, bool lastAssistant, int width, const MessageStyle &style);
    // Shades code blocks, adds a Copy link under each and remembers their text.
    void decorateMarkdown(QTextDocument *doc, const MessageStyle &style);
    // Places the thumbnails and chips from (x, y) in rows of that width; returns their height.
    double placeAttachments(const AttachmentPreview &attachments, double x, double y, int width,
                            const MessageStyle &style);
    void paintAttachments(QPainter *painter, const QRectF &exposed, const MessageStyle &style) const;
    QList<const Part *> parts() const;

    QString m_roleLabel;
    QString m_detail; // model name
    QString m_time;
    bool m_user = false;
    int m_height = 0;
    QRect m_card;
    QPointF m_headerPos;
    Part m_thinking;
    QRectF m_reasoningBar; // the rule beside expanded reasoning, row coordinates
    Part m_body;
    Part m_footer;
    QList<CodeBlock> m_code;
    QList<Thumbnail> m_thumbnails;
    QList<Chip> m_chips;
};
} // namespace Llamadesk
