#pragma once

#include "core/chat/chatrecords.h"
#include "core/chat/chatrequest.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace Llamadesk
{
// Something sent with a user's message besides its text: an image (a screenshot, a pasted or
// dropped picture) or a recorded question. Holds the encoded bytes as sent (PNG/JPEG, WAV), so
// that the conversation can be shown and sent again exactly as it was. Pure value; the encoding
// of images lives in llamadesk_image (ImageAttachment), which needs Qt Gui.
struct MessageAttachment
{
    using Kind = AttachmentKind;
    Kind kind = Kind::Image;
    QString mimeType; // "image/png", "image/jpeg", "audio/wav"
    QByteArray data;  // the encoded file's bytes
    int width = 0;    // images: the size sent, in pixels
    int height = 0;
    double seconds = 0; // audio: the duration
    QString name;       // a file name or "Screenshot", for tooltips and saving

    static MessageAttachment image(QByteArray data, const QString &mimeType, int width, int height,
                                   const QString &name = {});
    static MessageAttachment audio(QByteArray wav, double seconds, const QString &name = {});
    // The attachment an info describes, with its bytes (ChatStore::attachmentData).
    static MessageAttachment from(const AttachmentInfo &info, QByteArray data);

    // Everything but the bytes, with their SHA-256.
    AttachmentInfo info() const;

    bool isImage() const { return kind == Kind::Image; }
    bool isAudio() const { return kind == Kind::Audio; }
    // "data:image/png;base64,…"
    QString dataUrl() const;
    // An image_url part (the data URL) or an input_audio part (base64 WAV).
    ContentPart toContentPart() const;
    bool operator==(const MessageAttachment &) const = default;
};

// Hex SHA-256 of an attachment's bytes (AttachmentInfo::sha256).
QString attachmentHash(const QByteArray &data);

// Up to schema version 3 the messages table kept attachments as a JSON array in its own column;
// version 4 reads it once, to move them into the attachments table (and the fuzz target keeps
// this reader honest):
// [{"kind":"image","mime":"image/png","width":640,"height":480,"name":"…","data":"<base64>"},
//  {"kind":"audio","mime":"audio/wav","seconds":3.2,"data":"<base64>"}]. Empty list: "".
QString attachmentsToJson(const QList<MessageAttachment> &attachments);
// Entries that cannot be read (unknown kind, bad base64, not an object) are left out; text that
// is not a JSON array gives an empty list. Never throws.
QList<MessageAttachment> attachmentsFromJson(const QString &json);
} // namespace Llamadesk
