#include "serverstate.h"

#include <algorithm>
#include <chrono>

#include "release.h"

namespace FakeLlama {
std::string Runtime::modelName() const
{
    if (!aliases.empty())
        return aliases.front();
    return release().modelNamedByBasename ? model.fileName : modelArgument;
}

void SlotPool::resize(int count)
{
    const std::lock_guard lock(m_mutex);
    m_slots.assign(static_cast<size_t>(std::max(count, 1)), SlotStatus{});
}

int SlotPool::acquire(int taskId, int nPredict, int nPromptTokens)
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        // The real server prefers the least recently used slot; the highest free id is
        // what it picks on a fresh server, so do the same.
        for (size_t i = m_slots.size(); i-- > 0;) {
            SlotStatus &slot = m_slots[i];
            if (!slot.processing) {
                slot = SlotStatus{true, taskId, nPredict, 0, nPromptTokens};
                return static_cast<int>(i);
            }
        }
        m_freed.wait(lock);
    }
}

void SlotPool::setDecoded(int slotId, int nDecoded)
{
    const std::lock_guard lock(m_mutex);
    m_slots.at(static_cast<size_t>(slotId)).nDecoded = nDecoded;
}

bool SlotPool::release(int slotId)
{
    bool allIdle = true;
    {
        const std::lock_guard lock(m_mutex);
        SlotStatus &slot = m_slots.at(static_cast<size_t>(slotId));
        slot.processing = false;
        for (const SlotStatus &other : m_slots)
            allIdle = allIdle && !other.processing;
    }
    m_freed.notify_one();
    return allIdle;
}

std::vector<SlotStatus> SlotPool::snapshot() const
{
    const std::lock_guard lock(m_mutex);
    return m_slots;
}

void ServerState::requestStarted()
{
    const std::lock_guard lock(m_activeMutex);
    ++m_active;
}

void ServerState::requestFinished()
{
    {
        const std::lock_guard lock(m_activeMutex);
        --m_active;
    }
    m_activeChanged.notify_all();
}

void ServerState::waitForIdle(int timeoutMs)
{
    std::unique_lock lock(m_activeMutex);
    m_activeChanged.wait_for(lock, std::chrono::milliseconds(std::max(timeoutMs, 0)),
                             [this] { return m_active == 0; });
}
} // namespace FakeLlama
