#include "application/streammonitor.h"

#include <algorithm>

#ifdef Q_OS_UNIX
#include <ctime>
#endif

namespace Llamadesk
{
StreamMonitor::StreamMonitor(QObject *parent)
    : QObject(parent)
{
    m_tick.setTimerType(Qt::PreciseTimer);
    m_tick.setInterval(TickMs);
    connect(&m_tick, &QTimer::timeout, this, [this] {
        const qint64 now = m_wall.nsecsElapsed();
        m_longestGapMs = std::max(m_longestGapMs, static_cast<double>(now - m_lastTickNs) / 1e6);
        m_lastTickNs = now;
    });
}

double StreamMonitor::threadCpuMs()
{
#ifdef Q_OS_UNIX
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
#else
    return 0;
#endif
}

void StreamMonitor::start()
{
    m_wall.start();
    m_lastTickNs = 0;
    m_longestGapMs = 0;
    m_cpuStartMs = threadCpuMs();
    m_tick.start();
}

bool StreamMonitor::isRunning() const
{
    return m_tick.isActive();
}

StreamMonitor::Figures StreamMonitor::figures() const
{
    Figures figures;
    if (!m_wall.isValid())
        return figures;
    figures.wallMs = static_cast<double>(m_wall.nsecsElapsed()) / 1e6;
    figures.cpuMs = threadCpuMs() - m_cpuStartMs;
    // The stretch since the last tick counts too: a stall that is still going on.
    figures.longestGapMs =
            std::max(m_longestGapMs, static_cast<double>(m_wall.nsecsElapsed() - m_lastTickNs) / 1e6);
    return figures;
}

StreamMonitor::Figures StreamMonitor::finish()
{
    const Figures result = figures();
    m_tick.stop();
    return result;
}
} // namespace Llamadesk
