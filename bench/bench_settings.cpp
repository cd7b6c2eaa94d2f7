// How long reading the settings file takes, against plain QSettings reading the same file:
// the cost of validation and typed values, as a ratio measured in the same run.
#include "core/settingkeys.h"
#include "core/settings.h"

#include <QCoreApplication>
#include <QSettings>
#include <QTemporaryDir>

#include "ratioreporter.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>

namespace
{
QString g_path;

void writeTypicalFile(const QString &path)
{
    Llamadesk::Settings settings(path);
    (void)settings.set(Llamadesk::Keys::ServerExecutable, QStringLiteral("/opt/llama.cpp/build/bin/llama-server"));
    (void)settings.set(Llamadesk::Keys::ServerModel, QStringLiteral("/models/qwen2.5-7b-instruct-q4_k_m.gguf"));
    (void)settings.set(Llamadesk::Keys::ServerMmproj, QStringLiteral("/models/mmproj-qwen2.5-omni-f16.gguf"));
    (void)settings.set(Llamadesk::Keys::ServerPort, 18080);
    (void)settings.set(Llamadesk::Keys::ServerExtraArgs, QStringLiteral("--flash-attn on --threads 8"));
    (void)settings.set(Llamadesk::Keys::ChatSystemPrompt, QStringLiteral("You are a helpful assistant, brief and kind."));
    (void)settings.set(Llamadesk::Keys::ChatTemperature, 0.7);
}

void BM_QSettingsReadAll(benchmark::State &state)
{
    for (auto _ : state) {
        QSettings file(g_path, QSettings::IniFormat);
        int sum = 0;
        for (const QString &key : Llamadesk::Settings::keys())
            sum += file.value(key).toString().size();
        benchmark::DoNotOptimize(sum);
    }
}
BENCHMARK(BM_QSettingsReadAll);

void BM_SettingsLoad(benchmark::State &state)
{
    for (auto _ : state) {
        Llamadesk::Settings settings(g_path);
        benchmark::DoNotOptimize(settings.get(Llamadesk::Keys::ServerPort));
    }
}
BENCHMARK(BM_SettingsLoad);

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    g_path = dir.filePath(QStringLiteral("llamadesk.ini"));
    writeTypicalFile(g_path);

    benchmark::Initialize(&argc, argv);
    Llamadesk::Bench::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    const double baseline = reporter.times["BM_QSettingsReadAll"];
    const double ours = reporter.times["BM_SettingsLoad"];
    if (baseline > 0 && ours > 0)
        std::printf("Settings load / plain QSettings read: ratio %.2f (%.1f us vs %.1f us)\n", ours / baseline,
                    ours / 1000.0, baseline / 1000.0);
    benchmark::Shutdown();
    return 0;
}
