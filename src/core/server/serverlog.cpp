#include "core/server/serverlog.h"

#include <QCoreApplication>
#include <QRegularExpression>

#include <algorithm>
#include <utility>

namespace Llamadesk
{
namespace
{
const QString Redacted = QStringLiteral("[redacted]");

// The modules llama-server's own macros print ("srv  %12.*s: ", "slot %12.*s: ", ...).
// Anything else before a func is not a module: "system info: ..." must not become one.
const QRegularExpression &modulePattern()
{
    static const QRegularExpression re(
            QStringLiteral(R"(^(srv|slot|que|res|cmn) +([A-Za-z_~][A-Za-z0-9_~()<>]*): ?(.*)$)"));
    return re;
}

// ggml, libllama and mtmd lines: "gguf_init_from_file: failed to open ...".
const QRegularExpression &functionPattern()
{
    static const QRegularExpression re(QStringLiteral(R"(^([A-Za-z_][A-Za-z0-9_]*): ?(.*)$)"));
    return re;
}

QString stripTerminalColours(const QString &line)
{
    if (!line.contains(u'\x1b'))
        return line;
    static const QRegularExpression escape(QStringLiteral(R"(\x1b\[[0-9;?]*[A-Za-z])"));
    QString out = line;
    out.remove(escape);
    return out;
}

LogLevel levelFor(QChar letter)
{
    switch (letter.unicode()) {
    case u'I':
        return LogLevel::Info;
    case u'W':
        return LogLevel::Warning;
    case u'E':
        return LogLevel::Error;
    case u'D':
        return LogLevel::Debug;
    default:
        return LogLevel::Unknown;
    }
}

bool isDigitAt(const QString &s, qsizetype i)
{
    return i < s.size() && s.at(i).isDigit() && s.at(i).unicode() < 128;
}

// "M.SS.mmm.uuu " at the start: returns its length, 0 when absent. Hand-written because
// every line goes through here.
qsizetype timestampLength(const QString &s)
{
    qsizetype i = 0;
    while (isDigitAt(s, i))
        ++i;
    if (i == 0)
        return 0;
    for (const int digits : {2, 3, 3}) {
        if (i >= s.size() || s.at(i) != u'.')
            return 0;
        ++i;
        for (int d = 0; d < digits; ++d, ++i) {
            if (!isDigitAt(s, i))
                return 0;
        }
    }
    return i < s.size() && s.at(i) == u' ' ? i + 1 : 0;
}

// "L " at position i, where L is a level letter: the level, or Unknown.
LogLevel levelAt(const QString &s, qsizetype i)
{
    if (i + 1 >= s.size() || s.at(i + 1) != u' ')
        return LogLevel::Unknown;
    return levelFor(s.at(i));
}

struct Patterns
{
    QRegularExpression loadingModel{QStringLiteral(R"(^loading model '(.*)'\s*$)")};
    QRegularExpression projectorLoaded{QStringLiteral(R"(^loaded multimodal model, '(.*)'\s*$)")};
    QRegularExpression initializing{
            QStringLiteral(R"((?:^|: )initializing(?: slots)?, n_slots = (\d+))"
                           R"((?:, n_ctx_slot = (\d+))?(?:, kv_unified = '(\w+)')?)")};
    QRegularExpression newSlot{QStringLiteral(R"(new slot,? n_ctx(?:_slot)? = (\d+))")};
    QRegularExpression modelLoaded{QStringLiteral(R"((?:^|: )model loaded\s*$)")};
    // 0.4.0/0.5.0 "listening on http://…", b7347 "main: server is listening on http://…".
    QRegularExpression listening{QStringLiteral(R"(listening on https?://(?:\[[^\]]*\]|[^\s/:]+):(\d+))")};
};

const Patterns &patterns()
{
    static const Patterns p;
    return p;
}

std::optional<int> toPort(const QString &digits)
{
    bool ok = false;
    const int port = digits.toInt(&ok);
    if (!ok || port < 1 || port > 65535)
        return std::nullopt;
    return port;
}
} // namespace

QString displayName(LoadStage stage)
{
    switch (stage) {
    case LoadStage::NotStarted:
        return QCoreApplication::translate("LoadStage", "Not started");
    case LoadStage::LoadingModel:
        return QCoreApplication::translate("LoadStage", "Loading model");
    case LoadStage::LoadingProjector:
        return QCoreApplication::translate("LoadStage", "Loading multimodal projector");
    case LoadStage::Initializing:
        return QCoreApplication::translate("LoadStage", "Initializing");
    case LoadStage::ModelLoaded:
        return QCoreApplication::translate("LoadStage", "Model loaded");
    case LoadStage::Listening:
        return QCoreApplication::translate("LoadStage", "Listening");
    }
    return {};
}

namespace
{
// parseServerLogLine after the colours are gone: also for a line that is already redacted, whose
// "\x1b[redacted]" must not be taken for a colour.
ServerLogLine splitLine(QString line)
{
    ServerLogLine parsed;
    parsed.text = std::move(line);
    const QString &text = parsed.text;

    const qsizetype stamp = timestampLength(text);
    qsizetype pos = stamp;
    parsed.level = levelAt(text, pos);
    if (parsed.level != LogLevel::Unknown)
        pos += 2;
    const QString rest = text.mid(pos);

    if (const QRegularExpressionMatch m = modulePattern().match(rest); m.hasMatch()) {
        parsed.module = m.captured(1);
        parsed.function = m.captured(2);
        parsed.message = m.captured(3);
        return parsed;
    }
    // Without a level letter, "word: text" is too common in free text ("error: invalid
    // argument: -x", "version: 1 (abc)") to call the word a function.
    if (parsed.level != LogLevel::Unknown) {
        if (const QRegularExpressionMatch m = functionPattern().match(rest); m.hasMatch()) {
            parsed.function = m.captured(1);
            parsed.message = m.captured(2);
            return parsed;
        }
    }
    parsed.message = rest;
    return parsed;
}
} // namespace

ServerLogLine parseServerLogLine(const QString &line)
{
    return splitLine(stripTerminalColours(line));
}

QString redactSecrets(const QString &text, const QStringList &secrets)
{
    QString out = text;
    for (const QString &secret : secrets) {
        if (!secret.isEmpty())
            out.replace(secret, Redacted);
    }
    // The value after a flag or header that carries a key. Each keeps its first group.
    static const QRegularExpression flag(QStringLiteral(R"((--api-key(?:\s+|=))("[^"]*"|'[^']*'|\S+))"));
    static const QRegularExpression field(QStringLiteral(R"((api[_-]?key["']?\s*[:=]\s*["']?)([^"'\s,;}]+))"),
                                          QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression authorization(
            QStringLiteral(R"((\bAuthorization["']?\s*[:=]\s*["']?(?:Bearer\s+)?)([^"'\s,;}]+))"),
            QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression bearer(QStringLiteral(R"((\bBearer\s+)([^"'\s,;}]+))"),
                                           QRegularExpression::CaseInsensitiveOption);
    // A Hugging Face token after its flag, as two arguments or one ("--hf-token=hf_…").
    static const QRegularExpression hfFlag(QStringLiteral(R"(((?:--hf-token|-hft)(?:\s+|=))("[^"]*"|'[^']*'|\S+))"));
    // A Hugging Face token anywhere ("hf_" and 34 letters and digits; 20 or more are taken, so that
    // names such as "hf_cache" stay): the server may print it in an error about the argument or
    // a download URL, not only next to its flag. "hf-" too: llama.cpp turns '_' into '-' in an
    // argument it refuses ("error: invalid argument: --hf-token=hf-…").
    static const QRegularExpression hfToken(QStringLiteral(R"(\bhf[_-][A-Za-z0-9]{20,})"));
    // Every line of the log comes through here: skip the expressions when none can match.
    const bool mayHoldHf = out.contains(u"hf", Qt::CaseInsensitive);
    if (!mayHoldHf && !out.contains(u"key", Qt::CaseInsensitive) && !out.contains(u"bearer", Qt::CaseInsensitive)
        && !out.contains(u"authorization", Qt::CaseInsensitive))
        return out;
    const QString keepFirst = QStringLiteral("\\1") + Redacted;
    for (const QRegularExpression *re : {&flag, &field, &authorization, &bearer, &hfFlag}) {
        if (re->match(out).hasMatch())
            out.replace(*re, keepFirst);
    }
    if (mayHoldHf && hfToken.match(out).hasMatch())
        out.replace(hfToken, Redacted);
    return out;
}

ServerLog::ServerLog(qsizetype capacity)
    : m_capacity(std::max<qsizetype>(capacity, 1))
{
}

void ServerLog::setSecrets(const QStringList &secrets)
{
    m_secrets.clear();
    for (const QString &secret : secrets) {
        if (!secret.isEmpty() && !m_secrets.contains(secret))
            m_secrets.append(secret);
    }
    // The longest first, so that a secret containing another is replaced whole.
    std::sort(m_secrets.begin(), m_secrets.end(),
              [](const QString &a, const QString &b) { return a.size() > b.size(); });
}

const ServerLogLine &ServerLog::append(const QString &line, const QDateTime &received)
{
    ServerLogLine parsed = parseServerLogLine(line);
    m_stage = std::max(m_stage, milestone(parsed));
    parsed.received = received;
    // When something was hidden, the message is cut again from the redacted text, so that it hides
    // what the text hides: redacted on its own, "W api_key: VALUE" would keep VALUE (the key is
    // read as the function there). Most lines hide nothing and are split once.
    QString redacted = redactSecrets(parsed.text, m_secrets);
    if (redacted != parsed.text) {
        parsed.text = std::move(redacted);
        parsed.message = splitLine(parsed.text).message;
    }

    if (m_lines.size() < m_capacity) {
        m_lines.append(std::move(parsed));
        return m_lines.constLast();
    }
    const qsizetype slot = m_first;
    m_lines[slot] = std::move(parsed);
    m_first = (m_first + 1) % m_capacity;
    return m_lines.at(slot);
}

qsizetype ServerLog::size() const
{
    return m_lines.size();
}

qsizetype ServerLog::capacity() const
{
    return m_capacity;
}

bool ServerLog::isEmpty() const
{
    return m_lines.isEmpty();
}

const ServerLogLine &ServerLog::at(qsizetype i) const
{
    Q_ASSERT(i >= 0 && i < m_lines.size());
    return m_lines.at((m_first + i) % m_lines.size());
}

QList<ServerLogLine> ServerLog::lastLines(qsizetype n) const
{
    const qsizetype count = std::clamp<qsizetype>(n, 0, m_lines.size());
    QList<ServerLogLine> out;
    out.reserve(count);
    for (qsizetype i = m_lines.size() - count; i < m_lines.size(); ++i)
        out.append(at(i));
    return out;
}

QStringList ServerLog::lastTexts(qsizetype n) const
{
    const qsizetype count = std::clamp<qsizetype>(n, 0, m_lines.size());
    QStringList out;
    out.reserve(count);
    for (qsizetype i = m_lines.size() - count; i < m_lines.size(); ++i)
        out.append(at(i).text);
    return out;
}

LoadStage ServerLog::stage() const
{
    return m_stage;
}

std::optional<SlotInfo> ServerLog::slotInfo() const
{
    return m_slotInfo;
}

std::optional<int> ServerLog::listeningPort() const
{
    return m_listeningPort;
}

QString ServerLog::modelPath() const
{
    return m_modelPath;
}

QString ServerLog::projectorPath() const
{
    return m_projectorPath;
}

void ServerLog::clear()
{
    m_lines.clear();
    m_first = 0;
    m_stage = LoadStage::NotStarted;
    m_slotInfo.reset();
    m_listeningPort.reset();
    m_modelPath.clear();
    m_projectorPath.clear();
}

// Reads the start-up milestones from a line that is not yet redacted and returns the stage
// the line shows (NotStarted for most lines). "loading model" and the projector line come
// from llama-server's load_model(); the others are matched from any function, and also
// after a "func: " that was not parsed as one (no level letter), as older releases printed
// them from main() and init() without a prefix.
LoadStage ServerLog::milestone(const ServerLogLine &line)
{
    // Every line comes through here: cheap tests first, an expression only where one may match.
    const Patterns &p = patterns();
    const QString &message = line.message;
    if (line.function == u"load_model") {
        if (const auto m = p.loadingModel.match(message); m.hasMatch()) {
            m_modelPath = m.captured(1);
            return LoadStage::LoadingModel;
        }
        if (const auto m = p.projectorLoaded.match(message); m.hasMatch()) {
            m_projectorPath = m.captured(1);
            return LoadStage::LoadingProjector;
        }
    }
    if (message.contains(u"initializing")) {
        if (const auto m = p.initializing.match(message); m.hasMatch()) {
            SlotInfo info;
            info.slots = m.captured(1).toInt();
            info.contextPerSlot = m.captured(2).toInt();
            info.kvUnified = m.captured(3) == u"true";
            m_slotInfo = info;
            return LoadStage::Initializing;
        }
    }
    // The vision/audio projector is read by mtmd (clip_*) right after the text model.
    if (line.function.startsWith(u"clip_") && m_stage >= LoadStage::LoadingModel)
        return LoadStage::LoadingProjector;
    if (message.contains(u"model loaded") && p.modelLoaded.match(message).hasMatch())
        return LoadStage::ModelLoaded;
    if (message.contains(u"listening")) {
        if (const auto m = p.listening.match(message); m.hasMatch()) {
            m_listeningPort = toPort(m.captured(1));
            return LoadStage::Listening;
        }
    }
    // Older releases give the context of each slot on a line of its own.
    if (m_slotInfo && m_slotInfo->contextPerSlot == 0 && message.contains(u"new slot")) {
        if (const auto m = p.newSlot.match(message); m.hasMatch())
            m_slotInfo->contextPerSlot = m.captured(1).toInt();
    }
    return LoadStage::NotStarted;
}
} // namespace Llamadesk
