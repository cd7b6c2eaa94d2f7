#pragma once

// The bodies of the read-only endpoints: /v1/models, /props, /slots, /metrics.

#include <string>

#include <nlohmann/json.hpp>

namespace FakeLlama {
struct ServerState;

// Both shapes at once, as llama-server answers: "models" (Ollama style) and "data" (OpenAI).
nlohmann::ordered_json modelsJson(const ServerState &state);
nlohmann::ordered_json propsJson(const ServerState &state);
nlohmann::ordered_json slotsJson(const ServerState &state);
// Prometheus text, the llamacpp:* families.
std::string metricsText(const ServerState &state);
} // namespace FakeLlama
