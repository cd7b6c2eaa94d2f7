// llama-server's stderr, whatever it holds, through what the supervisor does with it: a
// LineSplitter makes lines of the bytes, a ServerLog parses, redacts and keeps them.
//
// Input: the first line is the API key the log is told to redact (none when empty); the rest is
// the output. The last byte also sets the splitter's line limit, so that long-line cuts happen.
//
// Invariants:
// - the splitter gives the same lines however the bytes are chunked, none over its limit (in
//   bytes read: at most one UTF-16 unit each);
// - the API key never appears in a line's text or message, nor does any Hugging Face token the
//   line held; redacting a redacted line again changes nothing (no value is left behind that
//   the patterns would catch);
// - a message (the end of its line) hides what its text hides: either it is the end of the
//   redacted text, or its own redaction hid something too;
// - the log keeps at most its capacity, the newest line last; the stage never goes back; a port
//   found is a port.
#include "core/server/linesplitter.h"
#include "core/server/serverlog.h"

#include "fuzzcheck.h"

#include <QDateTime>

#include <algorithm>
#include <cstdint>

namespace
{
const QString Redacted = QStringLiteral("[redacted]");

QStringList splitInPieces(QByteArrayView bytes, qsizetype maxLineBytes, qsizetype piece)
{
    Llamadesk::LineSplitter splitter(maxLineBytes);
    QStringList lines;
    for (qsizetype i = 0; i < bytes.size(); i += piece)
        lines += splitter.feed(bytes.sliced(i, std::min(piece, bytes.size() - i)));
    lines += splitter.finish();
    return lines;
}

// A secret that redaction can hide for certain: one that "[redacted]" does not contain, and
// without the brackets through which a replacement and its neighbours could spell it again.
bool checkable(const QString &secret)
{
    return !secret.isEmpty() && !secret.contains(u'[') && !secret.contains(u']') && !Redacted.contains(secret);
}

// Whether an occurrence of the secret in text begins before position and ends after it.
bool straddles(const QString &text, qsizetype position, const QString &secret)
{
    if (secret.isEmpty())
        return false;
    for (qsizetype i = text.indexOf(secret); i >= 0; i = text.indexOf(secret, i + 1)) {
        if (i < position && i + secret.size() > position)
            return true;
    }
    return false;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace LlamadeskFuzz;
    const QByteArrayView input(data, static_cast<qsizetype>(size));
    const qsizetype newline = input.indexOf('\n');
    const QString secret = newline < 0 ? QString() : QString::fromUtf8(input.first(newline));
    const QByteArrayView output = newline < 0 ? input : input.sliced(newline + 1);

    const qsizetype maxLineBytes = 64 + (size > 0 ? data[size - 1] : 0) * 4;
    const QStringList lines = splitInPieces(output, maxLineBytes, std::max<qsizetype>(output.size(), 1));
    const qsizetype piece = size > 1 ? data[1] % 13 + 1 : 1;
    check(splitInPieces(output, maxLineBytes, piece) == lines, "the lines do not depend on the chunks");

    const QStringList secrets = secret.isEmpty() ? QStringList() : QStringList{secret};
    Llamadesk::ServerLog log(4);
    log.setSecrets(secrets);
    Llamadesk::LoadStage stage = log.stage();
    for (const QString &raw : lines) {
        // The limit is on the bytes read: each gives at most one UTF-16 unit (an invalid byte one U+FFFD).
        check(raw.size() <= maxLineBytes, "no line is over the limit", raw.left(80));
        const Llamadesk::ServerLogLine &line = log.append(raw, QDateTime());
        if (checkable(secret)) {
            check(!line.text.contains(secret), "the key is redacted from the text", line.text);
            check(!line.message.contains(secret), "the key is redacted from the message", line.message);
        }
        for (const QString &token : hfTokensIn(raw)) {
            check(!line.text.contains(token), "a Hugging Face token is redacted from the text", line.text);
            check(!line.message.contains(token), "a Hugging Face token is redacted from the message",
                  line.message);
        }
        // Again with the key only where it has no bracket: "]x" would match anew in "[redacted]x".
        const QStringList again = checkable(secret) ? secrets : QStringList();
        check(Llamadesk::redactSecrets(line.text, again) == line.text, "the text is redacted once and for all",
              line.text);
        check(Llamadesk::redactSecrets(line.message, again) == line.message,
              "the message is redacted once and for all", line.message);
        // The message is the end of the text. Where redacting the text hid part of it, redacting
        // the message alone must hide something too (a key that straddles the two is no test).
        const Llamadesk::ServerLogLine plain = Llamadesk::parseServerLogLine(raw);
        if (!straddles(plain.text, plain.text.size() - plain.message.size(), secret)) {
            check(line.text.endsWith(line.message) || line.message.contains(Redacted),
                  "the message is redacted like the text", line.text + u" | " + line.message);
        }

        check(log.size() <= log.capacity(), "the log keeps at most its capacity");
        check(log.lastTexts(1) == QStringList{line.text}, "the newest line is last");
        check(log.stage() >= stage, "the stage never goes back");
        stage = log.stage();
        if (const std::optional<int> port = log.listeningPort())
            check(*port >= 1 && *port <= 65535, "a port is a port");
    }
    return 0;
}
