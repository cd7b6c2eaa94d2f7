// Transcription: the request that asks a model for the words of a clip, and what its answer
// means (a transcript the server cut at the token limit), plus the offer of a recording the
// microphone cut short.
#include "core/chat/chatclient.h"
#include "core/media/audioclip.h"
#include "core/media/transcription.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <gtest/gtest.h>

using namespace Llamadesk;

namespace
{
AudioClip silence(double seconds)
{
    return AudioClip(QByteArray(static_cast<qsizetype>(seconds * 16000) * 2, '\0'), 16000, 1);
}

QJsonObject body(const ChatRequest &request)
{
    return QJsonDocument::fromJson(request.toJson()).object();
}
} // namespace

TEST(Transcription, TheRequestCapsTheAnswerAtMaxTokens)
{
    const QJsonObject json = body(Transcription::request(silence(1.0), QStringLiteral("Transcribe."), 512));
    EXPECT_EQ(json.value(QStringLiteral("max_tokens")).toInt(-1), 512);
    EXPECT_TRUE(json.value(QStringLiteral("stream")).toBool());
}

TEST(Transcription, TheRequestIsOneUserMessageWithTheInstructionAndTheClipAsWav)
{
    const AudioClip clip = silence(0.25);
    const QJsonArray messages =
        body(Transcription::request(clip, QStringLiteral("Transcribe."), 64)).value(QStringLiteral("messages")).toArray();
    ASSERT_EQ(messages.size(), 1);
    EXPECT_EQ(messages.at(0)[QStringLiteral("role")].toString(), QStringLiteral("user"));
    const QJsonArray parts = messages.at(0)[QStringLiteral("content")].toArray();
    ASSERT_EQ(parts.size(), 2);
    EXPECT_EQ(parts.at(0)[QStringLiteral("text")].toString(), QStringLiteral("Transcribe."));
    EXPECT_EQ(parts.at(1)[QStringLiteral("type")].toString(), QStringLiteral("input_audio"));
    EXPECT_EQ(parts.at(1)[QStringLiteral("input_audio")][QStringLiteral("format")].toString(), QStringLiteral("wav"));
    EXPECT_EQ(parts.at(1)[QStringLiteral("input_audio")][QStringLiteral("data")].toString().toLatin1(),
              clip.toBase64Wav());
}

TEST(Transcription, AFinishReasonOfLengthIsACutTranscriptThatKeepsWhatArrived)
{
    ChatResult result;
    result.content = QStringLiteral("  the the the the  ");
    result.finishReason = QStringLiteral("length");
    const Transcription::Transcript transcript = Transcription::fromResult(result, 512);
    EXPECT_EQ(transcript.text, QStringLiteral("the the the the"));
    EXPECT_TRUE(transcript.isCut());
    EXPECT_EQ(transcript.cutAtTokens, 512) << "no usage reported: the cap the request was sent with";
}

TEST(Transcription, TheUsageNamesTheTokensACutTranscriptReallyHas)
{
    ChatResult result;
    result.content = QStringLiteral("hello");
    result.finishReason = QStringLiteral("length");
    result.usage = Usage{100, 300, 0}; // the context ended it before the cap
    EXPECT_EQ(Transcription::fromResult(result, 512).cutAtTokens, 300);
}

TEST(Transcription, AFinishReasonOfStopIsAWholeTranscript)
{
    ChatResult result;
    result.content = QStringLiteral("hello world");
    result.finishReason = QStringLiteral("stop");
    const Transcription::Transcript transcript = Transcription::fromResult(result, 512);
    EXPECT_EQ(transcript.text, QStringLiteral("hello world"));
    EXPECT_FALSE(transcript.isCut());
}

TEST(Transcription, TheCutMessageNamesTheTokenCount)
{
    EXPECT_EQ(Transcription::cutMessage(512),
              QStringLiteral("The transcript was cut at 512 tokens; the model may have been repeating itself. Check "
                             "its end before sending. (The limit is audio/max_tokens.)"));
}

TEST(Transcription, AnInterruptedRecordingIsOfferedFromHalfASecond)
{
    EXPECT_FALSE(Transcription::worthOffering(AudioClip()));
    EXPECT_FALSE(Transcription::worthOffering(silence(0.4)));
    EXPECT_TRUE(Transcription::worthOffering(silence(0.5)));
    EXPECT_EQ(Transcription::interruptedQuestion(QStringLiteral("The microphone was disconnected."), 4.2),
              QStringLiteral("The recording stopped after 4.2 s. The microphone was disconnected. Transcribe what "
                             "was recorded?"));
}
