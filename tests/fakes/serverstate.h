#pragma once

// State shared by the HTTP threads and the main thread of the fake server.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "model.h"
#include "options.h"

namespace FakeLlama {
// Fixed once the model is "loaded"; read by request handlers only after `ready` is set.
struct Runtime
{
    ModelInfo model;
    std::optional<ProjectorInfo> projector;
    std::string modelArgument;        // -m exactly as given
    std::vector<std::string> aliases; // -a: the first replaces the model's name in every answer
    int nCtx = 0;
    int nCtxSlot = 0;
    int nSlots = 4;
    bool kvUnified = true;

    // What chat responses, /v1/models and /props model_alias call the model: the first
    // alias, else -m as given (0.4.0, 0.5.0) or its basename (b7347).
    std::string modelName() const;
};

struct SlotStatus
{
    bool processing = false;
    int taskId = -1;
    int nPredict = -1;
    int nDecoded = 0;
    int nPromptTokens = 0;
};

// The server's parallel slots: a request waits for a free one, like a deferred task.
class SlotPool
{
public:
    void resize(int count);
    // Blocks until a slot is free; returns its id.
    int acquire(int taskId, int nPredict, int nPromptTokens);
    void setDecoded(int slotId, int nDecoded);
    // Returns true when every slot is idle afterwards.
    bool release(int slotId);
    std::vector<SlotStatus> snapshot() const;
    int nextTaskId() { return m_nextTask++; }

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_freed;
    std::vector<SlotStatus> m_slots;
    std::atomic<int> m_nextTask{0};
};

struct Counters
{
    std::atomic<long long> promptTokens{0};
    std::atomic<long long> predictedTokens{0};
    std::atomic<long long> promptMicros{0};
    std::atomic<long long> predictedMicros{0};
    std::atomic<long long> decodeCalls{0};
};

struct ServerState
{
    Options options;
    FailureModes modes;
    Runtime runtime;
    std::atomic<bool> ready{false};
    std::atomic<bool> terminating{false};
    SlotPool slots;
    Counters counters;

    // Requests being answered; SIGTERM waits for them (up to the stall) before exiting.
    void requestStarted();
    void requestFinished();
    // Returns when no request is in flight or when `timeoutMs` has passed.
    void waitForIdle(int timeoutMs);

private:
    std::mutex m_activeMutex;
    std::condition_variable m_activeChanged;
    int m_active = 0;
};

// Counts a request as in flight for its lifetime.
class ActiveRequest
{
public:
    explicit ActiveRequest(ServerState &state)
        : m_state(state)
    {
        m_state.requestStarted();
    }
    ~ActiveRequest() { m_state.requestFinished(); }
    ActiveRequest(const ActiveRequest &) = delete;
    ActiveRequest &operator=(const ActiveRequest &) = delete;

private:
    ServerState &m_state;
};
} // namespace FakeLlama
