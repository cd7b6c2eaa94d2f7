#pragma once

// POST /v1/chat/completions and /chat/completions: the simulated generation, streamed or
// not, including the FAKE_LLAMA_* failures that happen inside a reply.

namespace httplib {
class Server;
}

namespace FakeLlama {
struct ServerState;

void registerChatRoutes(httplib::Server &server, ServerState &state);
} // namespace FakeLlama
