// MessageAttachment: the JSON kept in the messages table and the content parts sent.
#include "core/chat/messageattachment.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

using namespace Llamadesk;

namespace
{
const QByteArray PngMagic("\x89PNG\r\n\x1a\n", 8);
}

TEST(MessageAttachment, ImagesAndRecordingsSurviveTheJsonColumn)
{
    const QList<MessageAttachment> attachments{
            MessageAttachment::image(PngMagic + QByteArray(100, '\0'), QStringLiteral("image/png"), 640, 360,
                                     QStringLiteral("Screenshot")),
            MessageAttachment::image(QByteArray("\xff\xd8\xff\xe0jpeg", 8), QStringLiteral("image/jpeg"), 10, 20),
            MessageAttachment::audio(QByteArray("RIFF....WAVEfmt ", 16), 3.25, QStringLiteral("Spoken question")),
    };
    const QString json = attachmentsToJson(attachments);
    EXPECT_EQ(attachmentsFromJson(json), attachments);
    EXPECT_TRUE(attachmentsToJson({}).isEmpty());
    EXPECT_TRUE(attachmentsFromJson({}).isEmpty());
}

TEST(MessageAttachment, UnreadableEntriesAreLeftOutAndTheRestKept)
{
    const QString json = QStringLiteral(R"([
        {"kind":"image","mime":"image/png","width":2,"height":3,"data":"iVBORw0KGgo="},
        {"kind":"video","mime":"video/mp4","data":"AAAA"},
        {"kind":"image","mime":"image/png","data":"%%% not base64 %%%"},
        {"kind":"image","mime":"text/html","data":"AAAA"},
        {"kind":"audio","data":""},
        42, "text", null,
        {"kind":"audio","data":"UklGRg==","seconds":"long"}
    ])");
    const QList<MessageAttachment> read = attachmentsFromJson(json);
    ASSERT_EQ(read.size(), 2);
    EXPECT_TRUE(read.at(0).isImage());
    EXPECT_EQ(read.at(0).data, PngMagic);
    EXPECT_EQ(read.at(0).width, 2);
    EXPECT_EQ(read.at(0).height, 3);
    EXPECT_TRUE(read.at(1).isAudio());
    EXPECT_EQ(read.at(1).mimeType, QStringLiteral("audio/wav"));
    EXPECT_EQ(read.at(1).seconds, 0.0);
    // What was read is written back the same way.
    EXPECT_EQ(attachmentsFromJson(attachmentsToJson(read)), read);
    for (const QString &broken : {QStringLiteral("{"), QStringLiteral("{}"), QStringLiteral("\"x\""),
                                  QStringLiteral("[1,2]"), QStringLiteral("\xff\xfe")})
        EXPECT_TRUE(attachmentsFromJson(broken).isEmpty()) << broken.toStdString();
}

TEST(MessageAttachment, AnImageBecomesAnImageUrlPartWithADataUrl)
{
    const MessageAttachment image = MessageAttachment::image(PngMagic, QStringLiteral("image/png"), 1, 1);
    EXPECT_EQ(image.dataUrl(), QStringLiteral("data:image/png;base64,iVBORw0KGgo="));
    const ContentPart part = image.toContentPart();
    EXPECT_EQ(part.type, ContentPart::Type::ImageUrl);
    EXPECT_EQ(part.url, image.dataUrl());

    ChatMessage message;
    message.role = QStringLiteral("user");
    message.parts = {ContentPart::fromText(QStringLiteral("What is it?")), part};
    ChatRequest request;
    request.messages = {message};
    const auto body = nlohmann::json::parse(request.toJson().toStdString());
    const auto &content = body.at("messages").at(0).at("content");
    ASSERT_EQ(content.size(), 2u);
    EXPECT_EQ(content.at(1).at("type"), "image_url");
    EXPECT_EQ(content.at(1).at("image_url").at("url"), "data:image/png;base64,iVBORw0KGgo=");
}

TEST(MessageAttachment, ARecordingBecomesAnInputAudioPart)
{
    const MessageAttachment audio = MessageAttachment::audio(QByteArray("RIFF"), 1.5);
    const ContentPart part = audio.toContentPart();
    EXPECT_EQ(part.type, ContentPart::Type::InputAudio);
    EXPECT_EQ(part.audioBase64, QByteArray("UklGRg=="));
    EXPECT_EQ(part.audioFormat, QStringLiteral("wav"));
    EXPECT_EQ(audio.dataUrl(), QStringLiteral("data:audio/wav;base64,UklGRg=="));
}
