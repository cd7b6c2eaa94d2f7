#include "core/models/modelfit.h"

#include "testsupport.h"

#include <QLocale>

#include <gtest/gtest.h>

using namespace Llamadesk;

namespace
{
constexpr quint64 GB = 1000ull * 1000 * 1000;

// Qwen3-8B-like: 36 layers, 8 KV heads of 128.
GgufModelInfo eightB()
{
    GgufModelInfo m;
    m.size = 5 * GB;
    m.layers = 36;
    m.heads = 32;
    m.headsKv = 8;
    m.keyLength = 128;
    m.valueLength = 128;
    m.contextLength = 40960;
    return m;
}
} // namespace

TEST(ModelFit, CountsWeightsTheWholeContextsKvCacheAndTheProjector)
{
    MemoryInfo memory;
    memory.availableRam = 16 * GB;
    const ModelFit fit = estimateFit(eightB(), 800ull * 1000 * 1000, 8192, memory);
    EXPECT_EQ(fit.weights, 5 * GB);
    // 36 layers × 8 heads × (128 + 128) × 2 bytes × 8192 tokens.
    EXPECT_EQ(fit.kvCache, 36ull * 8 * 256 * 2 * 8192);
    EXPECT_EQ(fit.projector, 800ull * 1000 * 1000);
    EXPECT_EQ(fit.needed, fit.weights + fit.kvCache + fit.projector + fit.buffers);
    EXPECT_EQ(fit.verdict, ModelFit::Verdict::Fits);
    EXPECT_TRUE(fit.summary().startsWith(u"Fits: ")) << fit.summary().toStdString();
    EXPECT_TRUE(fit.summary().contains(QLocale().toString(8192) + QStringLiteral(" tokens"))) << fit.summary().toStdString();
}

TEST(ModelFit, TightWithoutRoomToSpareAndTooBigBeyondWhatIsFree)
{
    const GgufModelInfo model = eightB();
    MemoryInfo memory;
    memory.availableRam = estimateFit(model, 0, 4096, {0, 100 * GB, {}}).needed;
    EXPECT_EQ(estimateFit(model, 0, 4096, memory).verdict, ModelFit::Verdict::Tight);
    memory.availableRam -= 1;
    EXPECT_EQ(estimateFit(model, 0, 4096, memory).verdict, ModelFit::Verdict::TooBig);
    EXPECT_TRUE(estimateFit(model, 0, 4096, memory).summary().startsWith(u"Too big: "));
    // The model's own context, 40,960 tokens, when none is chosen: a larger cache.
    EXPECT_EQ(estimateFit(model, 0, 0, memory).context, 40960);
    EXPECT_GT(estimateFit(model, 0, 0, memory).kvCache, estimateFit(model, 0, 4096, memory).kvCache);
    // Video memory counts where it is known.
    memory.availableVram = 8 * GB;
    EXPECT_EQ(estimateFit(model, 0, 4096, memory).verdict, ModelFit::Verdict::Fits);
    // Nothing known: no verdict.
    EXPECT_EQ(estimateFit(model, 0, 4096, MemoryInfo{}).verdict, ModelFit::Verdict::Unknown);
}

TEST(ModelFit, ReadsProcMeminfo)
{
    const MemoryInfo m = MemoryInfo::fromProcMeminfo("MemTotal:       24567892 kB\n"
                                                     "MemFree:         1234567 kB\n"
                                                     "MemAvailable:   20000000 kB\n"
                                                     "Buffers:          12345 kB\n");
    EXPECT_EQ(m.totalRam, 24567892ull * 1024);
    EXPECT_EQ(m.availableRam, 20000000ull * 1024);
    EXPECT_EQ(MemoryInfo::fromProcMeminfo("nonsense").availableRam, 0u);
    EXPECT_GT(MemoryInfo::current().totalRam, 0u) << "this machine's /proc/meminfo";
}

TEST(ModelFit, SizesAndParametersInAPersonsUnits)
{
    EXPECT_EQ(formatBytes(4'920'000'000ull), QStringLiteral("4.9 GB"));
    EXPECT_EQ(formatBytes(850'000'000ull), QStringLiteral("850 MB"));
    EXPECT_EQ(formatBytes(177'600ull), QStringLiteral("178 KB"));
    EXPECT_EQ(formatParameters(8'190'000'000ull), QStringLiteral("8.2 B"));
    EXPECT_EQ(formatParameters(500'000'000ull), QStringLiteral("500 M"));
    EXPECT_EQ(formatParameters(4'186'432ull), QStringLiteral("4 M"));
}
