#pragma once

// What the fuzz targets share: turning the input into text, stopping on a broken invariant with
// a line that says which one, and the secret-looking tokens of a text.
#include <QByteArrayView>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace LlamadeskFuzz
{
inline QString textOf(const std::uint8_t *data, std::size_t size)
{
    return QString::fromUtf8(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
}

inline QByteArray bytesOf(const std::uint8_t *data, std::size_t size)
{
    return QByteArray(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
}

// Ends the run the way libFuzzer recognises as a crash, with the broken invariant on stderr.
[[noreturn]] inline void fail(const char *invariant, const QString &detail = {})
{
    std::fprintf(stderr, "invariant broken: %s\n", invariant);
    if (!detail.isEmpty()) {
        const QByteArray bytes = detail.toUtf8(); // may hold NULs
        std::fputs("  ", stderr);
        std::fwrite(bytes.constData(), 1, static_cast<std::size_t>(bytes.size()), stderr);
        std::fputc('\n', stderr);
    }
    std::fflush(stderr);
    std::abort();
}

inline void check(bool holds, const char *invariant, const QString &detail = {})
{
    if (!holds)
        fail(invariant, detail);
}

// The Hugging Face tokens that redactSecrets promises to hide ("hf_" or "hf-" and 20 or more
// letters and digits, starting a word): what the input holds, to look for in the output.
inline QStringList hfTokensIn(const QString &text)
{
    static const QRegularExpression token(QStringLiteral(R"(\bhf[_-][A-Za-z0-9]{20,})"));
    QStringList found;
    QRegularExpressionMatchIterator it = token.globalMatch(text);
    while (it.hasNext())
        found.append(it.next().captured(0));
    return found;
}
} // namespace LlamadeskFuzz
