#pragma once

// stderr logging in llama.cpp's line format: "M.SS.mmm.uuu L <module> <func>: message"
// (0.4.0, 0.5.0), or the bare message (b7347).
// The timestamp counts from the first use of the log, as llama.cpp's common_log does.

#include <string>
#include <string_view>

namespace FakeLlama::Log {
enum class Level {
    Info,
    Warn,
    Error,
    Debug
};

// Starts the clock the timestamps count from; call first thing in main().
void startClock();

// Writes one whole line (prefix, text, newline) to stderr atomically and flushes it.
void line(Level level, std::string_view text);

// "srv  " + func right-aligned in 12 columns (truncated to 12) + ": ", like SRV_INF.
std::string srv(std::string_view func);
// The prefix of the server's own top-level lines: "srv  llama_server: " (0.4.0, 0.5.0) or
// "main: " (b7347).
std::string server();
// The same for the "cmn" module (common_params_print_info, init).
std::string cmn(std::string_view func);
// "slot " + func in 12 columns + ": id NN | task N | ", like SLT_INF.
std::string slot(std::string_view func, int slotId, int taskId);

inline void info(std::string_view text)
{
    line(Level::Info, text);
}
inline void warn(std::string_view text)
{
    line(Level::Warn, text);
}
inline void error(std::string_view text)
{
    line(Level::Error, text);
}

// printf-style formatting into a std::string, checked by the compiler.
std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
} // namespace FakeLlama::Log
