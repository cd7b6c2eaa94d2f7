#pragma once

// The HTTP side of the fake: binds before the model "loads", answers 503 until it is ready,
// checks API keys, serves the endpoints Llamadesk uses.

#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace FakeLlama {
struct ServerState;

class HttpFrontEnd final
{
public:
    explicit HttpFrontEnd(ServerState &state);
    ~HttpFrontEnd();
    HttpFrontEnd(const HttpFrontEnd &) = delete;
    HttpFrontEnd &operator=(const HttpFrontEnd &) = delete;

    // Binds host:port from the options; false when that fails (the port is taken).
    bool bind(const std::string &host);
    // Serves requests on a thread of its own from now on.
    void startListening();

private:
    void installMiddleware();
    void installRoutes();

    ServerState &m_state;
    std::unique_ptr<httplib::Server> m_server;
    std::thread m_listener;
};
} // namespace FakeLlama
