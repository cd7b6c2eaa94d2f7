#include "core/chat/messageattachment.h"

#include <QCryptographicHash>

#include <nlohmann/json.hpp>

#include <cmath>

namespace Llamadesk
{
namespace
{
using json = nlohmann::json;

std::string toStd(const QString &text)
{
    return text.toStdString();
}

QString fromStd(const json &value)
{
    return value.is_string() ? QString::fromStdString(value.get<std::string>()) : QString();
}

int intField(const json &object, const char *key)
{
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer())
        return 0;
    const auto value = it->get<long long>();
    return value > 0 && value < (1 << 20) ? static_cast<int>(value) : 0;
}
} // namespace

MessageAttachment MessageAttachment::image(QByteArray data, const QString &mimeType, int width, int height,
                                           const QString &name)
{
    MessageAttachment attachment;
    attachment.kind = Kind::Image;
    attachment.mimeType = mimeType;
    attachment.data = std::move(data);
    attachment.width = width;
    attachment.height = height;
    attachment.name = name;
    return attachment;
}

MessageAttachment MessageAttachment::audio(QByteArray wav, double seconds, const QString &name)
{
    MessageAttachment attachment;
    attachment.kind = Kind::Audio;
    attachment.mimeType = QStringLiteral("audio/wav");
    attachment.data = std::move(wav);
    attachment.seconds = seconds;
    attachment.name = name;
    return attachment;
}

MessageAttachment MessageAttachment::from(const AttachmentInfo &info, QByteArray data)
{
    MessageAttachment attachment;
    attachment.kind = info.kind;
    attachment.mimeType = info.mimeType;
    attachment.data = std::move(data);
    attachment.width = info.width;
    attachment.height = info.height;
    attachment.seconds = info.seconds;
    attachment.name = info.name;
    return attachment;
}

AttachmentInfo MessageAttachment::info() const
{
    AttachmentInfo info;
    info.kind = kind;
    info.mimeType = mimeType;
    info.sha256 = attachmentHash(data);
    info.size = data.size();
    info.width = width;
    info.height = height;
    info.seconds = seconds;
    info.name = name;
    return info;
}

QString attachmentHash(const QByteArray &data)
{
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

QString MessageAttachment::dataUrl() const
{
    return QStringLiteral("data:%1;base64,%2").arg(mimeType, QString::fromLatin1(data.toBase64()));
}

ContentPart MessageAttachment::toContentPart() const
{
    if (kind == Kind::Audio) {
        // llama-server sniffs the bytes; the format is only a hint.
        const QString format = mimeType.endsWith(u"mpeg") || mimeType.endsWith(u"mp3") ? QStringLiteral("mp3")
                                                                                       : QStringLiteral("wav");
        return ContentPart::fromAudio(data.toBase64(), format);
    }
    return ContentPart::fromImageUrl(dataUrl());
}

QString attachmentsToJson(const QList<MessageAttachment> &attachments)
{
    if (attachments.isEmpty())
        return {};
    json array = json::array();
    for (const MessageAttachment &attachment : attachments) {
        json entry = {{"kind", attachment.isImage() ? "image" : "audio"},
                      {"mime", toStd(attachment.mimeType)},
                      {"data", attachment.data.toBase64().toStdString()}};
        if (attachment.isImage()) {
            entry["width"] = attachment.width;
            entry["height"] = attachment.height;
        } else if (std::isfinite(attachment.seconds)) {
            entry["seconds"] = attachment.seconds;
        }
        if (!attachment.name.isEmpty())
            entry["name"] = toStd(attachment.name);
        array.push_back(std::move(entry));
    }
    return QString::fromStdString(array.dump());
}

QList<MessageAttachment> attachmentsFromJson(const QString &text)
{
    QList<MessageAttachment> attachments;
    if (text.isEmpty())
        return attachments;
    const json array = json::parse(text.toStdString(), nullptr, /*allow_exceptions=*/false);
    if (!array.is_array())
        return attachments;
    for (const json &entry : array) {
        if (!entry.is_object())
            continue;
        const QString kind = fromStd(entry.value("kind", json()));
        const auto data = QByteArray::fromBase64Encoding(entry.value("data", json()).is_string()
                                                                 ? QByteArray::fromStdString(entry.at("data").get<std::string>())
                                                                 : QByteArray(),
                                                         QByteArray::AbortOnBase64DecodingErrors);
        if (!data || data.decoded.isEmpty())
            continue;
        MessageAttachment attachment;
        attachment.data = data.decoded;
        attachment.mimeType = fromStd(entry.value("mime", json()));
        attachment.name = fromStd(entry.value("name", json()));
        if (kind == u"image") {
            attachment.kind = MessageAttachment::Kind::Image;
            attachment.width = intField(entry, "width");
            attachment.height = intField(entry, "height");
            if (!attachment.mimeType.startsWith(u"image/"))
                continue;
        } else if (kind == u"audio") {
            attachment.kind = MessageAttachment::Kind::Audio;
            const auto seconds = entry.find("seconds");
            if (seconds != entry.end() && seconds->is_number() && std::isfinite(seconds->get<double>()))
                attachment.seconds = std::max(0.0, seconds->get<double>());
            if (attachment.mimeType.isEmpty())
                attachment.mimeType = QStringLiteral("audio/wav");
        } else {
            continue;
        }
        attachments.append(std::move(attachment));
    }
    return attachments;
}
} // namespace Llamadesk
