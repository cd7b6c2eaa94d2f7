#include "ui/chat/render/textdocuments.h"

#include <QAbstractTextDocumentLayout>
#include <QTextDocument>
#include <QTextOption>

namespace Llamadesk
{
std::unique_ptr<QTextDocument> newTextDocument(const QFont &font)
{
    auto doc = std::make_unique<QTextDocument>();
    doc->setDocumentMargin(0);
    doc->setDefaultFont(font);
    QTextOption option = doc->defaultTextOption();
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    doc->setDefaultTextOption(option);
    doc->setUndoRedoEnabled(false);
    return doc;
}

QTextCharFormat linkCharFormat(QStringView href, const QColor &color, const QFont &font)
{
    QTextCharFormat format;
    format.setFont(font);
    format.setAnchor(true);
    format.setAnchorHref(href.toString());
    format.setForeground(color);
    return format;
}

double textDocumentHeight(const QTextDocument *doc)
{
    return doc->documentLayout()->documentSize().height();
}
} // namespace Llamadesk
