#pragma once

#include <QSet>
#include <QString>
#include <QStringList>

#include <optional>

namespace Llamadesk
{
// What one llama-server binary accepts, read from its `--help`. Releases differ: 0.5.0 removed
// --mmap, --no-mmap, --mlock and -dio (--load-mode replaces them), b7347 takes only numbers for
// -ngl, and an unknown argument makes every release exit at once. Knowing the flags lets the app
// pass only what the binary understands and refuse a bad extra argument before launch.
struct ServerFlags
{
    QSet<QString> names;       // every spelling: "-ngl", "--gpu-layers", "--n-gpu-layers", ...
    bool jinjaByDefault = false; // --jinja's own help says "default: enabled"
    bool gpuLayersTakeWords = false; // -ngl accepts 'auto' and 'all' (0.4.0 and later)

    bool knows(const QString &flag) const { return names.contains(flag); }
    bool operator==(const ServerFlags &) const = default;
};

// Pure: the text `llama-server --help` printed (stdout and stderr together). Option lines start
// in the first column ("-ngl,  --gpu-layers, --n-gpu-layers N   description"), descriptions
// continue indented. std::nullopt when the text does not look like llama-server's help (no -m or
// no --port among the options), so that a failed or foreign help never filters anything.
std::optional<ServerFlags> parseHelpOutput(const QString &output);

// The flags llama.cpp removed, and what replaces each, for the sentence that refuses them.
// Empty when flag was not removed.
QString replacementForRemovedFlag(const QString &flag);
} // namespace Llamadesk
