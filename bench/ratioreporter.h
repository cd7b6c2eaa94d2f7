#pragma once

// The console reporter of Google Benchmark, remembering each benchmark's time per iteration
// (in the benchmark's own unit) so that main() can print ratios against a baseline from the same run.
#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace Llamadesk::Bench
{
class RatioReporter final : public benchmark::ConsoleReporter
{
public:
    void ReportRuns(const std::vector<Run> &runs) override
    {
        for (const Run &run : runs)
            times[run.benchmark_name()] = run.GetAdjustedRealTime();
        ConsoleReporter::ReportRuns(runs);
    }

    std::map<std::string, double> times;
};
} // namespace Llamadesk::Bench
