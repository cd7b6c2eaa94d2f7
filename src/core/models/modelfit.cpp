#include "core/models/modelfit.h"

#include <QCoreApplication>
#include <QFile>
#include <QLocale>

#include <algorithm>

namespace Llamadesk
{
namespace
{
QString tr(const char *text)
{
    return QCoreApplication::translate("ModelFit", text);
}

// llama-server's compute buffers and the rest of the process: a few hundred MB, more for a
// large context (measured loosely; an estimate, not a promise).
quint64 bufferBytes(int context)
{
    return 300ull * 1000 * 1000 + static_cast<quint64>(context) * 64 * 1024;
}
} // namespace

MemoryInfo MemoryInfo::fromProcMeminfo(const QByteArray &text)
{
    MemoryInfo info;
    for (const QByteArray &line : text.split('\n')) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() < 2)
            continue;
        bool ok = false;
        const quint64 kib = fields.at(1).toULongLong(&ok);
        if (!ok)
            continue;
        if (fields.at(0) == "MemTotal:")
            info.totalRam = kib * 1024;
        else if (fields.at(0) == "MemAvailable:")
            info.availableRam = kib * 1024;
    }
    return info;
}

MemoryInfo MemoryInfo::current()
{
    QFile meminfo(QStringLiteral("/proc/meminfo"));
    if (meminfo.open(QIODevice::ReadOnly))
        return fromProcMeminfo(meminfo.readAll());
    return {};
}

ModelFit estimateFit(const GgufModelInfo &model, quint64 projectorBytes, int context, const MemoryInfo &memory)
{
    ModelFit fit;
    fit.context = context > 0 ? context : static_cast<int>(std::min<qint64>(model.contextLength, 1 << 24));
    fit.weights = model.size;
    // K and V, F16 (llama-server's default cache type), for every layer and every position.
    const quint64 perToken = static_cast<quint64>(std::max<qint64>(model.layers, 0))
                             * static_cast<quint64>(std::max<qint64>(model.headsKv, 0))
                             * static_cast<quint64>(std::max<qint64>(model.keyLength + model.valueLength, 0)) * 2;
    fit.kvCache = perToken * static_cast<quint64>(std::max(fit.context, 0));
    fit.projector = projectorBytes;
    fit.buffers = bufferBytes(fit.context);
    fit.needed = fit.weights + fit.kvCache + fit.projector + fit.buffers;
    fit.available = memory.availableVram.value_or(0) + memory.availableRam;
    if (fit.available == 0 || fit.weights == 0)
        fit.verdict = ModelFit::Verdict::Unknown;
    else if (fit.needed * 5 <= fit.available * 4)
        fit.verdict = ModelFit::Verdict::Fits;
    else if (fit.needed <= fit.available)
        fit.verdict = ModelFit::Verdict::Tight;
    else
        fit.verdict = ModelFit::Verdict::TooBig;
    return fit;
}

QString ModelFit::summary() const
{
    const QString numbers = tr("%1 needed (weights %2, context %3 for %4 tokens, projector %5), %6 free")
                                    .arg(formatBytes(needed), formatBytes(weights), formatBytes(kvCache))
                                    .arg(QLocale().toString(context))
                                    .arg(formatBytes(projector), formatBytes(available));
    switch (verdict) {
    case Verdict::Fits:
        return tr("Fits: %1").arg(numbers);
    case Verdict::Tight:
        return tr("Tight: %1").arg(numbers);
    case Verdict::TooBig:
        return tr("Too big: %1").arg(numbers);
    case Verdict::Unknown:
        break;
    }
    return tr("Unknown: the free memory could not be read");
}

namespace
{
// A count in thousands, millions or billions, with one of three patterns ("%1 GB" …).
QString scaled(quint64 value, const char *billions, const char *millions, const char *thousands)
{
    const QLocale locale;
    const double v = static_cast<double>(value);
    if (value >= 1000ull * 1000 * 1000)
        return tr(billions).arg(locale.toString(v / 1e9, 'f', 1));
    if (value >= 1000ull * 1000)
        return tr(millions).arg(locale.toString(v / 1e6, 'f', 0));
    return tr(thousands).arg(locale.toString(v / 1e3, 'f', 0));
}
} // namespace

QString formatBytes(quint64 bytes)
{
    return scaled(bytes, QT_TRANSLATE_NOOP("ModelFit", "%1 GB"), QT_TRANSLATE_NOOP("ModelFit", "%1 MB"),
                  QT_TRANSLATE_NOOP("ModelFit", "%1 KB"));
}

QString formatParameters(quint64 parameters)
{
    return scaled(parameters, QT_TRANSLATE_NOOP("ModelFit", "%1 B"), QT_TRANSLATE_NOOP("ModelFit", "%1 M"),
                  QT_TRANSLATE_NOOP("ModelFit", "%1 K"));
}
} // namespace Llamadesk
