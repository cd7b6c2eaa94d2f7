#pragma once

// What the fake says it is. It imitates the llama-server build that LLAMA_SERVER.md was
// measured against (release 0.4.0-dev, build b1-80fb11a); "built with" names the fake, so
// that a log or a --version line shows which of the two answered.

namespace FakeLlama::Version {
inline constexpr const char *Release = "0.4.0-dev";
inline constexpr int BuildNumber = 1;
inline constexpr const char *Commit = "80fb11a";
inline constexpr const char *BuildInfo = "b1-80fb11a"; // /props build_info, system_fingerprint
inline constexpr const char *Compiler = "fake-llama-server (Llamadesk test double)";
inline constexpr const char *Target = "x86_64-linux-gnu";
} // namespace FakeLlama::Version
