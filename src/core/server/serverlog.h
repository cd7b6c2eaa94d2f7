#pragma once

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace Llamadesk
{
enum class LogLevel {
    Debug,
    Info,
    Warning,
    Error,
    Unknown
};

// How far llama-server has come in starting, from its log. Ordered: a later stage is greater.
enum class LoadStage {
    NotStarted,
    LoadingModel,
    LoadingProjector,
    Initializing,
    ModelLoaded,
    Listening
};

// "Loading model", "Loading multimodal projector", ...: for the status line (no percentage is
// printed by llama-server, so the stage is all there is to show).
QString displayName(LoadStage stage);

struct ServerLogLine
{
    QDateTime received; // when the app read it (given by the caller)
    LogLevel level = LogLevel::Unknown;
    QString module;   // "srv": empty when the line isn't in the llama.cpp format
    QString function; // "load_model": empty when the line has none
    QString message;  // the text after "func: " (the whole line when there is no func), secrets redacted
    QString text;     // the whole line as shown to the user, secrets redacted
};

// From "initializing, n_slots = 4, n_ctx_slot = 2048, kv_unified = 'true'".
struct SlotInfo
{
    int slots = 0;
    int contextPerSlot = 0;
    bool kvUnified = false;
    bool operator==(const SlotInfo &) const = default;
};

// Splits one line of llama-server's stderr into its parts. The llama.cpp form is
// "M.SS.mmm.uuu L module func: message" where the timestamp, the level letter and the module
// are each optional (they depend on --log-timestamps / --log-prefix and on which part of
// llama.cpp wrote the line). A line that fits no form is kept whole as the message with level
// Unknown: nothing is ever dropped. Terminal colour codes are removed. Nothing is redacted.
ServerLogLine parseServerLogLine(const QString &line);

// Replaces every occurrence of each secret, any value given after "--api-key", "--hf-token"/"-hft"
// (also as "--hf-token=VALUE"), "api_key"/"api-key"/"X-Api-Key" or "Authorization:"/"Bearer", and
// any Hugging Face token ("hf_…") with "[redacted]".
QString redactSecrets(const QString &text, const QStringList &secrets = {});

// The server's last lines (a ring buffer, 5,000 by default), parsed, plus what they tell about
// the start-up: the stage reached, the slots, the port and the model. Values in, values out:
// the supervisor feeds it the lines a LineSplitter made of the process output.
class ServerLog final
{
    Q_DISABLE_COPY_MOVE(ServerLog)

public:
    static constexpr qsizetype DefaultCapacity = 5000;

    explicit ServerLog(qsizetype capacity = DefaultCapacity);

    // Redacted as "[redacted]" wherever they occur in lines appended from now on (the API key).
    // Values after --api-key, --hf-token, "api_key" and "Authorization: Bearer", and "hf_" tokens,
    // are redacted in any case.
    void setSecrets(const QStringList &secrets);

    // Parses and keeps the line, dropping the oldest when full. The reference stays valid
    // until the next append() or clear().
    const ServerLogLine &append(const QString &line, const QDateTime &received);

    qsizetype size() const;
    qsizetype capacity() const;
    bool isEmpty() const;
    // 0 = the oldest line kept.
    const ServerLogLine &at(qsizetype i) const;
    // The last n lines (fewer when fewer are kept), oldest first.
    QList<ServerLogLine> lastLines(qsizetype n) const;
    // Their texts, for failure classification.
    QStringList lastTexts(qsizetype n) const;

    // The furthest stage seen since the last clear(); it never goes back.
    LoadStage stage() const;
    std::optional<SlotInfo> slotInfo() const;
    // From "listening on http://127.0.0.1:PORT" (or the older "HTTP server is listening, ... port: P").
    std::optional<int> listeningPort() const;
    // From "loading model '<path>'"; empty until then.
    QString modelPath() const;
    // From "loaded multimodal model, '<path>'"; empty until then.
    QString projectorPath() const;

    // Forgets lines and findings: a new run. Capacity and secrets stay.
    void clear();

private:
    LoadStage milestone(const ServerLogLine &line);

    qsizetype m_capacity;
    QList<ServerLogLine> m_lines; // a ring once full: m_first is the oldest
    qsizetype m_first = 0;
    QStringList m_secrets;

    LoadStage m_stage = LoadStage::NotStarted;
    std::optional<SlotInfo> m_slotInfo;
    std::optional<int> m_listeningPort;
    QString m_modelPath;
    QString m_projectorPath;
};
} // namespace Llamadesk

Q_DECLARE_METATYPE(Llamadesk::LoadStage)
Q_DECLARE_METATYPE(Llamadesk::ServerLogLine)
