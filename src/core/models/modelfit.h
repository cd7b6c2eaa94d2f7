#pragma once

#include "core/models/ggufreader.h"

#include <QString>

#include <optional>

namespace Llamadesk
{
// What the machine has for a model, now.
struct MemoryInfo
{
    quint64 totalRam = 0;
    quint64 availableRam = 0;             // what can be had without swapping (MemAvailable)
    std::optional<quint64> availableVram; // where known

    // This machine's (/proc/meminfo on Linux; elsewhere what the system says, or zeros).
    static MemoryInfo current();
    // MemTotal and MemAvailable of a /proc/meminfo text; zeros where missing.
    static MemoryInfo fromProcMeminfo(const QByteArray &text);
};

// Whether a model will fit, and the numbers that say so: llama-server holds the weights (about
// the file's size), the KV cache for the whole context (-c is shared by the -np slots), the
// projector and some working buffers.
struct ModelFit
{
    enum class Verdict { Fits, Tight, TooBig, Unknown };
    Verdict verdict = Verdict::Unknown;
    quint64 weights = 0;
    quint64 kvCache = 0;
    quint64 projector = 0;
    quint64 buffers = 0;
    quint64 needed = 0;    // the sum
    quint64 available = 0; // what it was compared with
    int context = 0;       // the context the KV cache was counted for

    // "Fits: 1.2 GB of 6.3 GB free" …
    QString summary() const;
};

// A verdict of Fits leaves a fifth of the available memory to the rest of the system; Tight
// fits, but without that room. context 0: the model's own (training) context.
ModelFit estimateFit(const GgufModelInfo &model, quint64 projectorBytes, int context, const MemoryInfo &memory);

// "1.2 GB", "850 MB" (decimal units, as disks and downloads count).
QString formatBytes(quint64 bytes);
// "4.0 B", "500 M" parameters.
QString formatParameters(quint64 parameters);
} // namespace Llamadesk
