#include "httpfrontend.h"

#include <algorithm>
#include <chrono>

#include <httplib.h>
#include <sys/socket.h>

#include "chatrequest.h"
#include "completion.h"
#include "infoendpoints.h"
#include "release.h"
#include "serverlog.h"
#include "serverstate.h"

namespace FakeLlama {
namespace {
const char *const JsonType = "application/json; charset=utf-8";

std::string dump(const json &data)
{
    return data.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Answers that the real server's HTTP middleware writes itself, keys in its order.
json middlewareError(const char *message, const char *type, int code)
{
    return json{{"error", json{{"message", message}, {"type", type}, {"code", code}}}};
}

void sendError(httplib::Response &res, const std::string &message, ErrorType type)
{
    const HttpError error = httpError(message, type);
    res.status = error.status;
    res.set_content(dump(error.body), JsonType);
}

bool keyAccepted(const std::vector<std::string> &keys, const httplib::Request &req)
{
    if (keys.empty() || keylessPath(req.path))
        return true;
    std::string given = req.get_header_value("Authorization");
    if (given.empty())
        given = req.get_header_value("X-Api-Key");
    const std::string bearer = "Bearer ";
    if (given.rfind(bearer, 0) == 0)
        given = given.substr(bearer.size());
    return std::find(keys.begin(), keys.end(), given) != keys.end();
}

void socketOptions(int sock)
{
    // SO_REUSEADDR only, like llama-server: httplib's default SO_REUSEPORT would let two
    // servers share a port.
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}
} // namespace

HttpFrontEnd::HttpFrontEnd(ServerState &state)
    : m_state(state)
    , m_server(std::make_unique<httplib::Server>())
{
    // Roomy: FAKE_LLAMA_NEVER_HEALTHY holds a thread for every unanswered probe.
    m_server->new_task_queue = [] { return new httplib::ThreadPool(64); };
    m_server->set_socket_options(socketOptions);
    m_server->set_default_headers({{"Server", "llama.cpp"}});
    m_server->set_read_timeout(600);
    m_server->set_write_timeout(600);
    m_server->set_logger([](const httplib::Request &req, const httplib::Response &res) {
        // 0.5.0 logs requests only at trace verbosity (its samples show none).
        if (release().release == Release::R0_5_0)
            return;
        Log::info(Log::srv("log_server_r")
                  + Log::format("request: %s %s %s %d", req.method.c_str(), req.path.c_str(),
                                req.remote_addr.c_str(), res.status));
    });
    m_server->set_exception_handler(
            [](const httplib::Request &, httplib::Response &res, std::exception_ptr ep) {
                std::string message = "Unknown Exception";
                try {
                    std::rethrow_exception(ep);
                } catch (const std::exception &e) {
                    message = e.what();
                } catch (...) {}
                res.status = 500;
                res.set_content(message, "text/plain");
                Log::error(Log::srv("operator()") + "got exception: " + message);
            });
    m_server->set_error_handler([](const httplib::Request &, httplib::Response &res) {
        if (res.status == 404)
            res.set_content(dump(middlewareError("File Not Found", "not_found_error", 404)), JsonType);
    });
    installMiddleware();
    installRoutes();
}

HttpFrontEnd::~HttpFrontEnd() = default;

bool HttpFrontEnd::bind(const std::string &host)
{
    Options &options = m_state.options;
    if (options.port == 0) {
        const int port = m_server->bind_to_any_port(host);
        if (port < 0)
            return false;
        options.port = port;
        return true;
    }
    return m_server->bind_to_port(host, options.port);
}

void HttpFrontEnd::startListening()
{
    m_listener = std::thread([this] { m_server->listen_after_bind(); });
    m_listener.detach(); // the process ends with _exit(); nothing waits for this thread
}

void HttpFrontEnd::installMiddleware()
{
    m_server->set_pre_routing_handler([this](const httplib::Request &req, httplib::Response &res) {
        res.set_header("Access-Control-Allow-Origin", req.get_header_value("Origin"));
        if (req.method == "OPTIONS") {
            // Browsers send no Authorization with a preflight.
            res.set_header("Access-Control-Allow-Credentials", "true");
            res.set_header("Access-Control-Allow-Methods", "GET, POST");
            res.set_header("Access-Control-Allow-Headers", "*");
            res.set_content("", "text/html");
            return httplib::Server::HandlerResponse::Handled;
        }
        if (!m_state.ready) {
            // Every endpoint, /health included, until the model is loaded.
            res.status = 503;
            res.set_content(dump(middlewareError("Loading model", "unavailable_error", 503)), JsonType);
            return httplib::Server::HandlerResponse::Handled;
        }
        if (!keyAccepted(m_state.options.apiKeys, req)) {
            res.status = 401;
            res.set_content(dump(middlewareError("Invalid API Key", "authentication_error", 401)), JsonType);
            Log::warn(Log::srv("operator()") + "unauthorized: Invalid API Key");
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
}

void HttpFrontEnd::installRoutes()
{
    httplib::Server &server = *m_server;
    ServerState &state = m_state;

    const auto health = [&state](const httplib::Request &, httplib::Response &res) {
        // FAKE_LLAMA_NEVER_HEALTHY: the probe is read but never answered.
        while (state.modes.neverHealthy)
            std::this_thread::sleep_for(std::chrono::seconds(1));
        res.set_content(R"({"status":"ok"})", JsonType);
    };
    server.Get("/health", health);
    server.Get("/v1/health", health);

    const auto models = [&state](const httplib::Request &, httplib::Response &res) {
        res.set_content(dump(modelsJson(state)), JsonType);
    };
    server.Get("/models", models);
    server.Get("/v1/models", models);
    server.Get("/api/tags", models);

    server.Get("/props", [&state](const httplib::Request &, httplib::Response &res) {
        res.set_content(dump(propsJson(state)), JsonType);
    });
    server.Get("/slots", [&state](const httplib::Request &, httplib::Response &res) {
        if (!state.options.slots)
            return sendError(res, "This server does not support slots endpoint. Start it with `--slots`",
                             ErrorType::NotSupported);
        res.set_content(dump(slotsJson(state)), JsonType);
    });
    server.Get("/metrics", [&state](const httplib::Request &, httplib::Response &res) {
        if (!state.options.metrics)
            return sendError(res, "This server does not support metrics endpoint. Start it with `--metrics`",
                             ErrorType::NotSupported);
        res.set_content(metricsText(state), "text/plain; version=0.0.4");
    });
    server.Post("/tokenize", [](const httplib::Request &req, httplib::Response &res) {
        const json body = json::parse(req.body, nullptr, false);
        const std::string content =
                body.is_object() && body.contains("content") && body.at("content").is_string()
                ? body.at("content").get<std::string>()
                : std::string();
        json tokens = json::array();
        for (int i = 0, n = estimateTokens(content); i < n; ++i)
            tokens.push_back(1000 + i); // ids mean nothing here; the count is what callers use
        res.set_content(dump(json{{"tokens", tokens}}), JsonType);
    });
    const auto legacy = [](const httplib::Request &, httplib::Response &res) {
        sendError(res, "fake-llama-server answers /v1/chat/completions only", ErrorType::NotSupported);
    };
    server.Post("/completion", legacy);
    server.Post("/completions", legacy);
    server.Post("/v1/completions", legacy);
    server.Get("/", [](const httplib::Request &, httplib::Response &res) {
        res.set_content("<!doctype html><title>llama.cpp (fake)</title><p>fake-llama-server</p>",
                        "text/html; charset=utf-8");
    });
    registerChatRoutes(server, state);
}
} // namespace FakeLlama
