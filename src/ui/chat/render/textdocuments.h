#pragma once

#include <QColor>
#include <QFont>
#include <QStringView>
#include <QTextCharFormat>

#include <memory>

class QTextDocument;

namespace Llamadesk
{
// A document as every part of a card uses one: no margin, no undo, lines (code too) wrapped
// at the card's width: a card cannot scroll sideways.
std::unique_ptr<QTextDocument> newTextDocument(const QFont &font);
// The format of a link the card handles itself (or a markdown link).
QTextCharFormat linkCharFormat(QStringView href, const QColor &color, const QFont &font);
// The laid-out height at the document's text width.
double textDocumentHeight(const QTextDocument *doc);
} // namespace Llamadesk
