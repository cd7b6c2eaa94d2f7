#include "completion.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>
#include <filesystem>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include "chatrequest.h"
#include "generator.h"
#include "responses.h"
#include "serverlog.h"
#include "serverstate.h"
#include "release.h"

namespace FakeLlama {
namespace {
using Clock = std::chrono::steady_clock;
using Writer = std::function<bool(const std::string &)>;
using Alive = std::function<bool()>;

constexpr auto PollInterval = std::chrono::milliseconds(20);

enum class Outcome {
    Completed,
    ClientGone,
    Failed
};

struct Generation
{
    ServerState &state;
    ChatRequest request;
    std::vector<Piece> pieces; // the natural reply
    int nTokens = 0;           // how many of them will be generated
    std::string finishReason;
    CompletionMeta meta;
    std::string content;
    std::string reasoning;
    Timings timings;
    int slotId = -1;
    int taskId = -1;
};

std::string dump(const json &data)
{
    return data.dump(-1, ' ', false, json::error_handler_t::replace);
}

// After SIGTERM the real server stops generating but leaves open streams hanging until it
// exits: no data and no close. The main thread ends the process.
[[noreturn]] void stallUntilExit()
{
    for (;;)
        std::this_thread::sleep_for(std::chrono::seconds(1));
}

[[noreturn]] void crash()
{
    std::fflush(stderr);
    ::kill(::getpid(), SIGKILL);
    stallUntilExit();
}

// After SIGTERM: no data and no close, until the process exits or the client hangs up (the
// real server notices a closed connection within its one-second polling).
bool stallWhileClientStays(const Alive &alive)
{
    while (alive())
        std::this_thread::sleep_for(PollInterval);
    return false;
}

// Sleeps until `until`; false when SIGTERM stopped the generation and the client then left.
bool sleepUntil(const ServerState &state, Clock::time_point until, const Alive &alive)
{
    while (Clock::now() < until) {
        if (state.terminating)
            return stallWhileClientStays(alive);
        std::this_thread::sleep_until(std::min(until, Clock::now() + PollInterval));
    }
    if (state.terminating)
        return stallWhileClientStays(alive);
    return true;
}

// The socket a request arrived on (cpp-httplib 0.11 does not hand it out), found by its peer
// address; -1 when it cannot be found.
int connectionSocket(const httplib::Request &req)
{
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
        const int fd = std::atoi(entry.path().filename().c_str());
        struct stat info {};
        if (::fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode))
            continue;
        sockaddr_storage peer {};
        socklen_t length = sizeof(peer);
        if (::getpeername(fd, reinterpret_cast<sockaddr *>(&peer), &length) != 0)
            continue;
        char host[INET6_ADDRSTRLEN] = {};
        int port = 0;
        if (peer.ss_family == AF_INET) {
            const auto *in = reinterpret_cast<const sockaddr_in *>(&peer);
            ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
            port = ntohs(in->sin_port);
        } else if (peer.ss_family == AF_INET6) {
            const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&peer);
            ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
            port = ntohs(in6->sin6_port);
        }
        if (port == req.remote_port && req.remote_addr == host)
            return fd;
    }
    return -1;
}

// Whether the client closed its end, as llama-server's is_connection_closed() sees it.
bool peerClosed(int fd)
{
    if (fd < 0)
        return false;
    pollfd probe {fd, POLLIN | POLLRDHUP, 0};
    if (::poll(&probe, 1, 0) <= 0)
        return false;
    if (probe.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
        return true;
    char byte = 0;
    return ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

ChatRequestContext contextFor(const ServerState &state)
{
    const Runtime &rt = state.runtime;
    ChatRequestContext context;
    context.vision = rt.projector && rt.projector->vision;
    context.audio = rt.projector && rt.projector->audio;
    if (rt.projector) {
        context.imageTokens = rt.projector->imageTokens;
        context.audioTokensPerChunk = rt.projector->audioTokensPerChunk;
    }
    context.jinja = state.options.jinja;
    context.checkAudioFormat = release().checksAudioFormat;
    context.separateReasoning = release().separatesReasoning;
    context.thinkingTemplate = rt.model.thinking;
    context.defaultReasoningFormat = state.options.reasoningFormat;
    context.defaultNPredict = state.options.nPredict;
    context.nCtxSlot = rt.nCtxSlot;
    return context;
}

// FAKE_LLAMA_STALL_AFTER_TOKENS: silence (SSE pings aside) until the client goes away.
Outcome stallStream(const ServerState &state, const Writer &write, const Alive &alive)
{
    const auto pingEvery = std::chrono::seconds(std::max(state.options.ssePingIntervalS, 1));
    auto nextPing = Clock::now() + pingEvery;
    for (;;) {
        if (!alive())
            return Outcome::ClientGone;
        if (!state.terminating && Clock::now() >= nextPing) {
            // A bare ":" comment line (LLAMA_SERVER.md: comment lines ":").
            if (!write(":\n\n"))
                return Outcome::ClientGone;
            nextPing += pingEvery;
        }
        std::this_thread::sleep_for(PollInterval);
    }
}

// FAKE_LLAMA_ENDLESS_LINE_AFTER_TOKENS: a data: line that never ends, written until the client
// goes away (what a broken endpoint or proxy could send).
Outcome endlessLine(const Writer &write, const Alive &alive)
{
    if (!write(R"(data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":")"))
        return Outcome::ClientGone;
    const std::string piece(64 * 1024, 'x');
    while (alive() && write(piece)) {
    }
    return Outcome::ClientGone;
}

// FAKE_LLAMA_MALFORMED_CHUNKS: one event cut into three writes, so that a client sees it
// arrive in pieces.
bool writeSplit(const std::string &event, const Writer &write)
{
    const size_t a = 3;
    const size_t b = event.size() / 2;
    const bool ok = write(event.substr(0, a));
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
    const bool ok2 = ok && write(event.substr(a, b - a));
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
    return ok2 && write(event.substr(b));
}

void logTimings(const Generation &g, int slotId, int taskId)
{
    const Timings &t = g.timings;
    const double promptPer = t.promptN ? t.promptMs / t.promptN : 0.0;
    const double promptRate = t.promptMs > 0 ? 1e3 * t.promptN / t.promptMs : 0.0;
    const double evalPer = t.predictedN ? t.predictedMs / t.predictedN : 0.0;
    const double evalRate = t.predictedMs > 0 ? 1e3 * t.predictedN / t.predictedMs : 0.0;
    // One log entry over four lines, as print_timing() writes it: only the first has a prefix.
    Log::info(
            Log::slot("print_timing", slotId, taskId) + "\n"
            + Log::format(
                    "prompt eval time = %10.2f ms / %5d tokens (%8.2f ms per token, %8.2f tokens per second)\n",
                    t.promptMs, t.promptN, promptPer, promptRate)
            + Log::format(
                    "       eval time = %10.2f ms / %5d tokens (%8.2f ms per token, %8.2f tokens per second)\n",
                    t.predictedMs, t.predictedN, evalPer, evalRate)
            + Log::format("      total time = %10.2f ms / %5d tokens", t.promptMs + t.predictedMs,
                          t.promptN + t.predictedN));
}

// What a failure knob does before token `i` of a stream (that is, after i tokens went out).
// Returns an outcome when the generation ends here.
std::optional<Outcome> injectedFailure(Generation &g, int i, const Writer *write, const Alive &alive)
{
    const FailureModes &modes = g.state.modes;
    if (modes.crashAfterTokens == i)
        crash();
    if (modes.errorAfterTokens == i) {
        if (write)
            (*write)(sseEvent(json{
                    {"error",
                     errorObject("The model produced output that does not match the expected chat format",
                                 ErrorType::Server)}}));
        return Outcome::Failed;
    }
    if (write && modes.stallAfterTokens == i)
        return stallStream(g.state, *write, alive);
    if (write && modes.endlessLineAfterTokens == i)
        return endlessLine(*write, alive);
    if (write && modes.malformedChunks && i == 1
        && !(*write)(sseEvent(std::string(
                R"({"choices":[{"finish_reason":null,"index":0,"delta":{"content":" broken"}})"))))
        return Outcome::ClientGone;
    return std::nullopt;
}

// b7347 with a projector that has both encoders: decoding an audio chunk (750 tokens, more
// than n_ubatch 512) with the projector's non-causal attention trips llama_context::decode's
// assertion, and ggml_abort() ends the process.
bool abortsOnThisRequest(const Generation &g)
{
    const Runtime &rt = g.state.runtime;
    if (!release().abortsOnBothProjector || !rt.projector || !rt.projector->vision || !rt.projector->audio)
        return false;
    return std::any_of(g.request.media.begin(), g.request.media.end(),
                       [](const MediaInput &media) { return media.kind == MediaKind::Audio; });
}

[[noreturn]] void abortLikeGgml()
{
    std::fprintf(stderr, "%s\n",
                 R"(GGML_ASSERT((cparams.causal_attn || cparams.n_ubatch >= n_tokens_all) && "non-causal attention requires n_ubatch >= n_tokens") failed)");
    std::fflush(stderr);
    ::signal(SIGABRT, SIG_DFL);
    ::raise(SIGABRT);
    stallUntilExit();
}

double promptMillis(const Generation &g)
{
    if (g.state.modes.promptMs >= 0)
        return g.state.modes.promptMs;
    return 5.0 + 0.05 * g.request.promptTokens + 3.0 * static_cast<double>(g.request.media.size());
}

// Waits for a slot and processes the prompt. The client gets nothing meanwhile, not even the
// response headers. False when it left first (the slot is free again).
bool processPrompt(Generation &g, const Alive &alive)
{
    ServerState &state = g.state;
    g.taskId = state.slots.nextTaskId();
    g.slotId = state.slots.acquire(g.taskId, g.request.nPredict, g.request.promptTokens);
    Log::info(Log::slot("launch_slot_", g.slotId, g.taskId) + "processing task");
    Log::info(Log::slot("update_slots", g.slotId, g.taskId)
              + Log::format("new prompt, n_ctx_slot = %d, n_keep = 0, task.n_tokens = %d",
                            state.runtime.nCtxSlot, g.request.promptTokens));
    if (abortsOnThisRequest(g))
        abortLikeGgml();

    const auto start = Clock::now();
    const auto until = start + std::chrono::microseconds(static_cast<long long>(promptMillis(g) * 1000));
    if (!sleepUntil(state, until, alive)) {
        state.slots.release(g.slotId);
        return false;
    }
    g.timings.promptN = g.request.promptTokens;
    g.timings.promptMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    Log::info(Log::slot("update_slots", g.slotId, g.taskId)
              + Log::format("prompt done, n_tokens = %d, batch.n_tokens = %d", g.request.promptTokens,
                            g.request.promptTokens));
    state.counters.promptTokens += g.request.promptTokens;
    state.counters.promptMicros += static_cast<long long>(g.timings.promptMs * 1000);
    return true;
}

// Frees the slot after generation.
Outcome releaseSlot(Generation &g, Outcome outcome)
{
    ServerState &state = g.state;
    state.counters.predictedMicros += static_cast<long long>(g.timings.predictedMs * 1000);
    if (outcome == Outcome::Completed)
        logTimings(g, g.slotId, g.taskId);
    Log::info(Log::slot("release", g.slotId, g.taskId)
              + Log::format("stop processing: n_tokens = %d, truncated = %d",
                            g.request.promptTokens + g.timings.predictedN, g.finishReason == "length" ? 1 : 0));
    if (state.slots.release(g.slotId))
        Log::info(Log::srv("update_slots") + "all slots are idle");
    return outcome;
}

// FAKE_LLAMA_BURN_US_PER_TOKEN: a token costs CPU time on every thread, as llama-server's
// decode runs a graph on a thread pool: the caller and threads-1 helpers each burn the given
// thread CPU time, and the token is done when all are. CPU taken by another process (the app)
// slows the tokens down, exactly as it does on a real server.
class CpuBurner
{
public:
    CpuBurner(int threads, int micros)
        : m_micros(micros)
    {
        for (int i = 1; i < threads; ++i)
            m_helpers.emplace_back([this] { help(); });
    }
    ~CpuBurner()
    {
        {
            const std::lock_guard lock(m_mutex);
            m_quit = true;
            ++m_round;
        }
        m_wake.notify_all();
        for (std::thread &helper : m_helpers)
            helper.join();
    }
    CpuBurner(const CpuBurner &) = delete;
    CpuBurner &operator=(const CpuBurner &) = delete;

    void burnOneToken()
    {
        {
            const std::lock_guard lock(m_mutex);
            ++m_round;
            m_pending = m_helpers.size();
        }
        m_wake.notify_all();
        spin(m_micros);
        std::unique_lock lock(m_mutex);
        m_done.wait(lock, [this] { return m_pending == 0; });
    }

private:
    void help()
    {
        unsigned long long seen = 0;
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [&] { return m_round != seen; });
            seen = m_round;
            if (m_quit)
                return;
            lock.unlock();
            spin(m_micros);
            lock.lock();
            if (--m_pending == 0)
                m_done.notify_one();
        }
    }

    static long long threadCpuMicros()
    {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
    }

    static void spin(int micros)
    {
        const long long until = threadCpuMicros() + micros;
        volatile unsigned long long x = 1;
        while (threadCpuMicros() < until) {
            for (int k = 0; k < 500; ++k)
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        }
    }

    int m_micros;
    std::vector<std::thread> m_helpers;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_done;
    unsigned long long m_round = 0;
    size_t m_pending = 0;
    bool m_quit = false;
};

// The tokens of one completion, after processPrompt(). `write` is null for a non-streamed answer.
Outcome generate(Generation &g, const Writer *write, const Alive &alive)
{
    ServerState &state = g.state;
    if (write
        && !(*write)(
                sseEvent(streamChunk(g.meta, json{{"role", "assistant"}, {"content", nullptr}}, nullptr))))
        return releaseSlot(g, Outcome::ClientGone);

    const auto tokenInterval = std::chrono::duration<double>(1.0 / g.state.modes.tokensPerSecond);
    std::unique_ptr<CpuBurner> burner;
    if (state.modes.burnMicrosPerToken > 0)
        burner = std::make_unique<CpuBurner>(state.modes.burnThreads, state.modes.burnMicrosPerToken);
    const auto generationStart = Clock::now();
    for (int i = 0;; ++i) {
        if (const auto failure = injectedFailure(g, i, write, alive))
            return releaseSlot(g, *failure);
        if (i == g.nTokens)
            break;
        if (burner)
            burner->burnOneToken();
        if (!sleepUntil(state,
                        generationStart + std::chrono::duration_cast<Clock::duration>(tokenInterval * (i + 1)),
                        alive))
            return releaseSlot(g, Outcome::ClientGone);
        const Piece &piece = g.pieces[static_cast<size_t>(i)];
        const bool tagged = g.request.thinking && !g.request.contentOnly;
        const auto delta = deltaFor(piece, tagged, g.request.extractReasoning, i == 0);
        if (delta) {
            if (delta->contains("reasoning_content"))
                g.reasoning += delta->at("reasoning_content").get<std::string>();
            else
                g.content += delta->at("content").get<std::string>();
            if (write) {
                const std::string event = sseEvent(streamChunk(g.meta, *delta, nullptr));
                const bool ok =
                        state.modes.malformedChunks && i == 2 ? writeSplit(event, *write) : (*write)(event);
                if (!ok)
                    return releaseSlot(g, Outcome::ClientGone);
            }
        }
        g.timings.predictedN = i + 1;
        g.timings.predictedMs =
                std::chrono::duration<double, std::milli>(Clock::now() - generationStart).count();
        state.slots.setDecoded(g.slotId, i + 1);
        ++state.counters.predictedTokens;
        ++state.counters.decodeCalls;
    }

    if (write) {
        const json usage = usageJson(g.request.promptTokens, g.timings.predictedN, 0);
        json finish = streamChunk(g.meta, json::object(), g.finishReason);
        if (!g.request.includeUsage)
            finish["timings"] = timingsJson(g.timings);
        bool ok = (*write)(sseEvent(finish));
        if (ok && g.request.includeUsage) {
            json last = usageChunk(g.meta, usage);
            last["timings"] = timingsJson(g.timings);
            ok = (*write)(sseEvent(last));
        }
        if (!ok || !(*write)("data: [DONE]\n\n"))
            return releaseSlot(g, Outcome::ClientGone);
    }
    return releaseSlot(g, Outcome::Completed);
}

std::string trimmed(const std::string &text)
{
    const size_t first = text.find_first_not_of(" \n");
    if (first == std::string::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \n") - first + 1);
}

void sendError(httplib::Response &res, const HttpError &error)
{
    res.status = error.status;
    res.set_content(dump(error.body), "application/json; charset=utf-8");
    Log::warn(Log::srv("operator()") + "got exception: " + dump(error.body));
}

// FAKE_LLAMA_RECORD_DIR: request-<n>.json per chat request, numbered in arrival order, so
// that tests can read exactly what a client sent. Written before it is parsed: refused bodies too.
void recordRequest(const ServerState &state, const std::string &body)
{
    if (state.modes.recordDir.empty())
        return;
    static std::atomic<int> counter{0};
    const int n = ++counter;
    const std::filesystem::path dir(state.modes.recordDir);
    const std::filesystem::path partial = dir / ("request-" + std::to_string(n) + ".json.part");
    if (std::FILE *file = std::fopen(partial.c_str(), "wb")) {
        std::fwrite(body.data(), 1, body.size(), file);
        std::fclose(file);
        std::error_code error;
        std::filesystem::rename(partial, dir / ("request-" + std::to_string(n) + ".json"), error);
    }
}

void handleChat(ServerState &state, const httplib::Request &req, httplib::Response &res)
{
    recordRequest(state, req.body);
    auto parsed = parseChatRequest(req.body, contextFor(state));
    if (const auto *error = std::get_if<HttpError>(&parsed)) {
        sendError(res, *error);
        return;
    }
    auto g = std::make_shared<Generation>(Generation{state, std::get<ChatRequest>(std::move(parsed))});
    const ChatRequest &request = g->request;
    g->pieces = naturalReply(request.prompt, state.modes.replyTokens, request.thinking, state.modes.essay);
    int limit = static_cast<int>(g->pieces.size());
    if (request.nPredict >= 0)
        limit = std::min(limit, request.nPredict);
    if (!state.options.contextShift)
        limit = std::min(limit, state.runtime.nCtxSlot - request.promptTokens);
    g->nTokens = limit;
    g->finishReason = limit < static_cast<int>(g->pieces.size()) ? "length" : "stop";
    g->meta = CompletionMeta{newCompletionId(), static_cast<long long>(std::time(nullptr)),
                             state.runtime.modelName(), release().buildInfo};

    if (!request.stream) {
        const ActiveRequest active(state);
        const Alive stays = [] { return true; };
        if (!processPrompt(*g, stays))
            return;
        if (generate(*g, nullptr, stays) == Outcome::Failed) {
            sendError(res,
                      httpError("The model produced output that does not match the expected chat format",
                                ErrorType::Server));
            return;
        }
        const json body = completionResponse(g->meta, g->content, trimmed(g->reasoning), g->finishReason,
                                             usageJson(request.promptTokens, g->timings.predictedN, 0),
                                             timingsJson(g->timings));
        res.set_content(dump(body), "application/json; charset=utf-8");
        return;
    }

    const int socket = connectionSocket(req);
    {
        // The real server sends the headers with the first token: a long prompt is a silent
        // connection.
        const ActiveRequest active(state);
        if (!processPrompt(*g, [socket] { return !peerClosed(socket); }))
            return;
    }
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider("text/event-stream", [g, socket](size_t, httplib::DataSink &sink) {
        const ActiveRequest active(g->state);
        const Writer write = [&sink](const std::string &data) {
            return sink.write(data.data(), data.size());
        };
        const Alive alive = [&sink, socket] { return sink.is_writable() && !peerClosed(socket); };
        if (generate(*g, &write, alive) == Outcome::ClientGone)
            return false;
        sink.done();
        return true;
    });
}
} // namespace

void registerChatRoutes(httplib::Server &server, ServerState &state)
{
    const auto handler = [&state](const httplib::Request &req, httplib::Response &res) {
        handleChat(state, req, res);
    };
    server.Post("/v1/chat/completions", handler);
    server.Post("/chat/completions", handler);
}
} // namespace FakeLlama
