#include "core/media/transcription.h"

#include "core/chat/chatclient.h"
#include "core/media/audioclip.h"

#include <QCoreApplication>

#include <algorithm>

namespace Llamadesk::Transcription
{
ChatRequest request(const AudioClip &clip, const QString &instruction, int maxTokens)
{
    ChatMessage message;
    message.role = QStringLiteral("user");
    message.parts = {ContentPart::fromText(instruction), ContentPart::fromAudio(clip.toBase64Wav(), QStringLiteral("wav"))};
    ChatRequest request;
    request.messages = {message};
    request.stream = true;
    if (maxTokens > 0)
        request.sampling.maxTokens = maxTokens;
    return request;
}

Transcript fromResult(const ChatResult &result, int maxTokens)
{
    Transcript transcript;
    transcript.text = result.content.trimmed();
    if (result.finishReason == QLatin1String("length")) {
        // The usage names the real count (the context can end an answer before the cap does).
        const int counted = result.usage ? result.usage->completionTokens : 0;
        transcript.cutAtTokens = counted > 0 ? counted : std::max(maxTokens, 1);
    }
    return transcript;
}

QString cutMessage(int tokens)
{
    return QCoreApplication::translate("Transcription",
                                       "The transcript was cut at %1 tokens; the model may have been repeating "
                                       "itself. Check its end before sending. (The limit is audio/max_tokens.)")
        .arg(tokens);
}

bool worthOffering(const AudioClip &partial)
{
    return partial.durationSeconds() >= MinimumInterruptedSeconds;
}

QString interruptedQuestion(const QString &reason, double seconds)
{
    return QCoreApplication::translate("Transcription",
                                       "The recording stopped after %1 s. %2 Transcribe what was recorded?")
        .arg(QString::number(seconds, 'f', 1), reason);
}
} // namespace Llamadesk::Transcription
