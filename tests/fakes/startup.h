#pragma once

// The start-up lines of each release, in its order (startup-think-vision.stderr and
// missing-model.stderr in ../shared/llama-server-samples/; 0.4.0 as LLAMA_SERVER.md records it).

#include <string>
#include <vector>

#include "options.h"

namespace FakeLlama {
struct Runtime;

// The addresses --host names: 0.5.0 takes a comma-separated list, the others one address.
std::vector<std::string> listenAddresses(const Options &options);

// From the first line after argument parsing up to binding the port.
void printStartupWarnings(const Options &options, bool autoParallel);
// Just before the model file is read.
void printLoadingModel(const Options &options);
// After the projector: the slots.
void printSlotsInitialized(const Runtime &runtime);
// Ready: "model loaded" and where it listens (0.5.0: once per address).
void printReady(const Options &options);
} // namespace FakeLlama
