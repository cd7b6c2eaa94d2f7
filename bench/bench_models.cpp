// The model library's reading, against the least the same work could cost, in the same run:
//  - GgufReader on the 9 MB tiny model (target: under 5 ms) against reading the same header
//    bytes from the file with nothing parsed;
//  - scanning a folder of 1,000 generated GGUF headers (target: under 2 s) with an empty cache,
//    and again with the cache warm, against listing the folder.
#include "core/models/ggufreader.h"
#include "core/models/modelscan.h"

#include "ratioreporter.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtEndian>

#include <benchmark/benchmark.h>

#include <cstdio>

using namespace Llamadesk;

namespace
{
constexpr int FolderFiles = 1000;

QString tinyModel()
{
    return QStringLiteral(LLAMADESK_SHARED_DIR "/models/tiny-llama.gguf");
}

qint64 headerBytes()
{
    static const qint64 bytes = [] {
        QFile file(tinyModel());
        if (!file.open(QIODevice::ReadOnly) || !std::holds_alternative<GgufFile>(GgufReader::read(file)))
            return qint64{0};
        return file.pos();
    }();
    return bytes;
}

// A model's header as a converter writes one: name, architecture, quantization, context, a
// 2,000-token vocabulary, a template and a dozen tensors.
QByteArray generatedHeader(int n)
{
    QByteArray out("GGUF");
    auto put32 = [&](quint32 v) { char b[4]; qToLittleEndian(v, b); out.append(b, 4); };
    auto put64 = [&](quint64 v) { char b[8]; qToLittleEndian(v, b); out.append(b, 8); };
    auto str = [&](const QByteArray &s) { put64(static_cast<quint64>(s.size())); out += s; };
    put32(3);
    put64(12); // tensors
    put64(6);  // entries
    str("general.architecture"); put32(8); str("llama");
    str("general.name"); put32(8); str("Model " + QByteArray::number(n));
    str("general.file_type"); put32(4); put32(15);
    str("llama.context_length"); put32(4); put32(8192);
    str("tokenizer.chat_template"); put32(8); str(QByteArray(2000, 'x'));
    str("tokenizer.ggml.tokens"); put32(9); put32(8); put64(2000);
    for (int i = 0; i < 2000; ++i)
        str("tok" + QByteArray::number(i));
    for (int t = 0; t < 12; ++t) {
        str("blk." + QByteArray::number(t) + ".weight");
        put32(2); put64(4096); put64(4096); put32(12); put64(static_cast<quint64>(t) * 4096 * 4096);
    }
    return out;
}

QTemporaryDir &folder()
{
    static QTemporaryDir dir;
    static const bool made = [] {
        for (int i = 0; i < FolderFiles; ++i) {
            QFile file(dir.filePath(QStringLiteral("model-%1.gguf").arg(i)));
            if (!file.open(QIODevice::WriteOnly) || file.write(generatedHeader(i)) < 0)
                return false;
        }
        return true;
    }();
    Q_UNUSED(made);
    return dir;
}

void BM_ReadHeaderBytes(benchmark::State &state)
{
    for (auto _ : state) {
        QFile file(tinyModel());
        if (!file.open(QIODevice::ReadOnly))
            state.SkipWithError("no tiny model");
        benchmark::DoNotOptimize(file.read(headerBytes()));
    }
}
BENCHMARK(BM_ReadHeaderBytes)->Unit(benchmark::kMillisecond);

void BM_GgufReader(benchmark::State &state)
{
    for (auto _ : state) {
        auto result = GgufReader::readFile(tinyModel());
        if (!std::holds_alternative<GgufFile>(result))
            state.SkipWithError("the tiny model did not read");
        benchmark::DoNotOptimize(GgufReader::describe(std::get<GgufFile>(result)));
    }
}
BENCHMARK(BM_GgufReader)->Unit(benchmark::kMillisecond);

void BM_ListFolder(benchmark::State &state)
{
    const QString path = folder().path();
    for (auto _ : state)
        benchmark::DoNotOptimize(QDir(path).entryInfoList(QDir::Files));
}
BENCHMARK(BM_ListFolder)->Unit(benchmark::kMillisecond);

void BM_ScanFolder(benchmark::State &state)
{
    const QList<ModelFolder> folders{{folder().path(), ModelFolder::Source::User}};
    const bool warm = state.range(0) != 0;
    ModelMetadataCache cache;
    if (warm)
        scanModelFolders(folders, cache);
    for (auto _ : state) {
        ModelMetadataCache fresh;
        const ModelScan scan = scanModelFolders(folders, warm ? cache : fresh);
        if (scan.models.size() != FolderFiles)
            state.SkipWithError("not every model was found");
    }
}
BENCHMARK(BM_ScanFolder)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    Llamadesk::Bench::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    auto ms = [&](const char *name) { return reporter.times[name]; }; // in ms: the unit above
    std::printf("tiny model (%.1f MB, header %.0f KB): GgufReader %.2f ms (target < 5 ms), ratio to reading the "
                "header bytes %.1f\n",
                static_cast<double>(QFile(tinyModel()).size()) / 1e6, static_cast<double>(headerBytes()) / 1e3,
                ms("BM_GgufReader"), ms("BM_GgufReader") / ms("BM_ReadHeaderBytes"));
    std::printf("folder of %d models: scan %.0f ms with an empty cache (target < 2000 ms), %.1f ms with it warm; "
                "ratio to listing the folder %.1f (empty cache) and %.1f (warm)\n",
                FolderFiles, ms("BM_ScanFolder/0"), ms("BM_ScanFolder/1"), ms("BM_ScanFolder/0") / ms("BM_ListFolder"),
                ms("BM_ScanFolder/1") / ms("BM_ListFolder"));
    benchmark::Shutdown();
    return 0;
}
