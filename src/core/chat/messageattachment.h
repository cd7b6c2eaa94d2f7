#pragma once

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
    enum class Kind { Image, Audio };
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

    bool isImage() const { return kind == Kind::Image; }
    bool isAudio() const { return kind == Kind::Audio; }
    // "data:image/png;base64,…"
    QString dataUrl() const;
    // An image_url part (the data URL) or an input_audio part (base64 WAV).
    ContentPart toContentPart() const;
    bool operator==(const MessageAttachment &) const = default;
};

// The messages table keeps attachments as a JSON array (StoredMessage::attachments):
// [{"kind":"image","mime":"image/png","width":640,"height":480,"name":"…","data":"<base64>"},
//  {"kind":"audio","mime":"audio/wav","seconds":3.2,"data":"<base64>"}]. Empty list: "".
QString attachmentsToJson(const QList<MessageAttachment> &attachments);
// Entries that cannot be read (unknown kind, bad base64, not an object) are left out; text that
// is not a JSON array gives an empty list. Never throws.
QList<MessageAttachment> attachmentsFromJson(const QString &json);
} // namespace Llamadesk
