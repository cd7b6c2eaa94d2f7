#include "serverlog.h"

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <vector>

#include "release.h"

namespace FakeLlama::Log {
namespace {
using Clock = std::chrono::steady_clock;

Clock::time_point startTime()
{
    static const Clock::time_point start = Clock::now();
    return start;
}

std::mutex &writeMutex()
{
    static std::mutex mutex;
    return mutex;
}

char levelChar(Level level)
{
    switch (level) {
    case Level::Info:
        return 'I';
    case Level::Warn:
        return 'W';
    case Level::Error:
        return 'E';
    case Level::Debug:
        return 'D';
    }
    return 'I';
}

std::string padded(std::string_view module, std::string_view func)
{
    // "%12.*s": right-aligned in 12 columns, cut after 12 characters.
    const std::string_view cut = func.substr(0, 12);
    std::string out(module);
    out.append(12 - cut.size(), ' ');
    out.append(cut);
    out.append(": ");
    return out;
}
} // namespace

void startClock()
{
    startTime();
}

void line(Level level, std::string_view text)
{
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - startTime()).count();
    const std::string prefix = format("%d.%02d.%03d.%03d %c ", static_cast<int>(us / 1000000 / 60),
                                      static_cast<int>(us / 1000000 % 60), static_cast<int>(us / 1000 % 1000),
                                      static_cast<int>(us % 1000), levelChar(level));
    // b7347 logs bare text: no timestamp, no level.
    std::string whole = release().timestampedLog ? prefix : std::string();
    whole.append(text);
    whole.push_back('\n');
    const std::lock_guard lock(writeMutex());
    std::fwrite(whole.data(), 1, whole.size(), stderr);
    std::fflush(stderr);
}

std::string srv(std::string_view func)
{
    return padded("srv  ", func);
}

std::string server()
{
    // 0.4.0/0.5.0 run the server in llama_server(); b7347 in main().
    return release().timestampedLog ? srv("llama_server") : std::string("main: ");
}

std::string cmn(std::string_view func)
{
    return padded("cmn  ", func);
}

std::string slot(std::string_view func, int slotId, int taskId)
{
    return padded("slot ", func) + format("id %2d | task %d | ", slotId, taskId);
}

std::string format(const char *fmt, ...)
{
    std::va_list args;
    va_start(args, fmt);
    std::va_list copy;
    va_copy(copy, args);
    const int needed = std::vsnprintf(nullptr, 0, fmt, copy);
    va_end(copy);
    std::string out;
    if (needed > 0) {
        std::vector<char> buffer(static_cast<size_t>(needed) + 1);
        std::vsnprintf(buffer.data(), buffer.size(), fmt, args);
        out.assign(buffer.data(), static_cast<size_t>(needed));
    }
    va_end(args);
    return out;
}
} // namespace FakeLlama::Log
