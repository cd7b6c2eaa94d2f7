#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace Llamadesk
{
// What a stretch of work costs the GUI thread: its CPU time, and the longest gap between two
// turns of its event loop (the ticks of a precise timer, every TickMs: the longest the window
// could not answer a click, to within a tick). Used per streamed answer at --log-level debug,
// and by bench_streaming. The ticks cost about 1% of a core themselves.
// Create, start and finish it on the GUI thread.
class StreamMonitor final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StreamMonitor)

public:
    struct Figures
    {
        double wallMs = 0;
        double cpuMs = 0;        // the calling thread's CPU time from start() to finish()
        double longestGapMs = 0; // between event-loop turns; about TickMs when nothing held the loop
    };

    static constexpr int TickMs = 4;

    explicit StreamMonitor(QObject *parent = nullptr);

    void start();
    bool isRunning() const;
    // The figures so far, while running.
    Figures figures() const;
    Figures finish();

    // This thread's CPU time in ms (CLOCK_THREAD_CPUTIME_ID where there is one, else 0).
    static double threadCpuMs();

private:
    QTimer m_tick;
    QElapsedTimer m_wall;
    qint64 m_lastTickNs = 0;
    double m_cpuStartMs = 0;
    double m_longestGapMs = 0;
};
} // namespace Llamadesk
