#include "core/server/supervisormachine.h"

#include <algorithm>
#include <type_traits>
#include <utility>

namespace Llamadesk
{
namespace Phase = SupervisorPhase;
namespace Ev = SupervisorEvent;
namespace Act = SupervisorAction;

bool SupervisorMachineState::hasProcess() const
{
    return std::holds_alternative<Phase::Launching>(phase) || std::holds_alternative<Phase::Up>(phase)
            || std::holds_alternative<Phase::Ending>(phase);
}

namespace
{
double seconds(std::chrono::milliseconds duration)
{
    return static_cast<double>(duration.count()) / 1000.0;
}

// One transition being built: the next state and the actions, in the order they are carried out.
class Step
{
public:
    Step(const SupervisorLimits &stepLimits, const SupervisorMachineState &state)
        : limits(stepLimits)
        , t{state, {}}
    {
    }

    SupervisorMachineState &s() { return t.state; }

    template<typename Action>
    void act(Action action)
    {
        t.actions.emplace_back(std::move(action));
    }

    void show(ServerState state, const QString &reason)
    {
        if (s().shown == state && s().reason == reason)
            return;
        s().shown = state;
        s().reason = reason;
        act(Act::Show{state, reason});
    }

    void setHealthy(bool healthy)
    {
        if (s().healthy == healthy)
            return;
        s().healthy = healthy;
        // Only health without a break for the restart window proves that a restart helped.
        if (healthy)
            act(Act::StartTimer{SupervisorTimer::Steady, limits.restartWindow});
        else
            act(Act::StopTimer{SupervisorTimer::Steady});
        act(Act::SetHealthy{healthy});
    }

    // A new run, from a phase without a process.
    void startRun()
    {
        if (std::holds_alternative<Phase::RestartWait>(s().phase))
            act(Act::StopTimer{SupervisorTimer::Restart});
        s().issue.reset();
        s().failure.reset();
        if (!s().holdReason.isEmpty()) {
            // Checked when released, on the configuration of that moment (the key is in it then).
            s().phase = Phase::Held{};
            show(ServerState::Starting, s().holdReason);
            return;
        }
        beginPreflight();
    }

    void beginPreflight()
    {
        s().phase = Phase::Checking{};
        show(ServerState::Starting, SupervisorMachine::tr("Checking the configuration"));
        act(Act::BeginPreflight{});
    }

    // A start by the user or the restart timer: only where nothing runs or is on its way.
    void requestStart()
    {
        if (std::holds_alternative<Phase::Idle>(s().phase) || std::holds_alternative<Phase::RestartWait>(s().phase)) {
            startRun();
            return;
        }
        // Stopping at the user's request: start again once it is gone. (A hung server being
        // killed is not stopping: its exit decides about a restart.)
        if (auto *ending = std::get_if<Phase::Ending>(&s().phase); ending && !ending->hang)
            ending->startAfter = true;
    }

    void stop()
    {
        if (std::holds_alternative<Phase::RestartWait>(s().phase))
            act(Act::StopTimer{SupervisorTimer::Restart});
        if (std::holds_alternative<Phase::Checking>(s().phase))
            act(Act::CancelPreflight{});
        if (auto *ending = std::get_if<Phase::Ending>(&s().phase)) {
            ending->startAfter = false;
            if (!ending->hang)
                return; // already stopping
            // The supervisor is killing a hung server: the user's stop wins over its restart.
            ending->hang.reset();
            show(ServerState::Stopping, SupervisorMachine::tr("Stopping"));
            act(Act::AnnounceStop{});
            return;
        }
        if (!s().hasProcess()) {
            s().phase = Phase::Idle{};
            if (s().shown != ServerState::Stopped)
                show(ServerState::Stopped, SupervisorMachine::tr("Stopped"));
            return;
        }
        const auto *up = std::get_if<Phase::Up>(&s().phase);
        s().phase = Phase::Ending{up ? up->pid : 0, std::nullopt, false, false};
        show(ServerState::Stopping, SupervisorMachine::tr("Stopping"));
        // Listeners abort their requests now: an open stream would keep a SIGTERM'd
        // llama-server alive for up to its 30 s ping interval.
        act(Act::AnnounceStop{});
        act(Act::StopWatchingHealth{});
        act(Act::SendSignal{ServerSignal::Terminate});
        act(Act::StartTimer{SupervisorTimer::StopGrace, limits.stopGrace});
    }

    // The process is gone (exited, failed to start, or given up on); what was asked decides.
    void processGone(const Failure &exitFailure)
    {
        act(Act::StopWatchingHealth{});
        act(Act::StopTimer{SupervisorTimer::StopGrace});
        act(Act::StopTimer{SupervisorTimer::KillGrace});
        setHealthy(false);
        const SupervisorPhaseValue phase = std::exchange(s().phase, Phase::Idle{});
        if (const auto *ending = std::get_if<Phase::Ending>(&phase)) {
            if (ending->hang)
                unexpectedExit(*ending->hang);
            else
                stopped(SupervisorMachine::tr("Stopped"), ending->startAfter);
            return;
        }
        unexpectedExit(exitFailure);
    }

    void stopped(const QString &reason, bool startAfter)
    {
        s().phase = Phase::Idle{};
        show(ServerState::Stopped, reason);
        if (startAfter)
            startRun();
    }

    void unexpectedExit(const Failure &failure)
    {
        s().failure = failure;
        // Failed runs in a row, not crashes per time: a model that is OOM-killed after a load
        // longer than any window, or a server that crashes at every first request, still runs
        // out of tries.
        const int failures = ++s().consecutiveFailures;
        if (failure.retryable && failures <= limits.maxRestarts) {
            const qsizetype index = std::min<qsizetype>(failures - 1, limits.restartBackoff.size() - 1);
            const std::chrono::milliseconds delay = limits.restartBackoff.value(index, std::chrono::seconds(1));
            s().phase = Phase::RestartWait{};
            show(ServerState::Crashed,
                 SupervisorMachine::tr("%1 Restarting in %2 s.").arg(failure.reason).arg(seconds(delay)));
            act(Act::ReportCrash{failure, true});
            act(Act::StartTimer{SupervisorTimer::Restart, delay});
            return;
        }
        QString reason = failure.reason;
        if (failure.retryable) {
            reason += u' '
                    + SupervisorMachine::tr("It failed %1 times in a row without staying healthy for %2 s, so it "
                                            "is not restarted again.")
                              .arg(failures)
                              .arg(seconds(limits.restartWindow));
        }
        s().phase = Phase::Idle{};
        act(Act::ReportCrash{failure, false});
        show(ServerState::Failed, reason);
    }

    void onHealth(int status)
    {
        if (status == 200) {
            if (s().shown != ServerState::Running) {
                show(ServerState::Running, SupervisorMachine::tr("Running"));
                act(Act::WatchHealth{limits.slowPoll});
            }
            setHealthy(true);
            return;
        }
        // 503 "Loading model" until the model is ready; the HTTP port is bound before that.
        if (s().shown == ServerState::Starting)
            show(ServerState::Loading,
                 displayName(s().stage == LoadStage::NotStarted ? LoadStage::LoadingModel : s().stage));
        setHealthy(false);
    }

    // No HTTP answer of any kind for the no-answer time: before the server ever ran, nothing a
    // restart changes; once it ran, a restart brings it back.
    void onSilent(const QString &url, qint64 pid)
    {
        setHealthy(false);
        Failure failure;
        failure.kind = FailureKind::Unknown;
        if (s().shown == ServerState::Running) {
            failure.reason = SupervisorMachine::tr("llama-server stopped answering on %1 for %2 s.")
                                     .arg(url)
                                     .arg(seconds(limits.noAnswerTimeout));
            // No action: the window says whether it restarts ("Restarting automatically.").
            failure.retryable = true;
        } else {
            failure.reason = SupervisorMachine::tr("llama-server did not answer on %1 within %2 s.")
                                     .arg(url)
                                     .arg(seconds(limits.noAnswerTimeout));
            failure.action = SupervisorMachine::tr(
                    "Look at the server log; the program may not be llama-server or may be stuck.");
            failure.retryable = false;
        }
        s().phase = Phase::Ending{pid, failure, true, false};
        act(Act::AddLogLine{SupervisorMachine::tr("llamadesk: %1 Sending SIGKILL").arg(failure.reason)});
        act(Act::StopWatchingHealth{});
        act(Act::SendSignal{ServerSignal::Kill});
        act(Act::StartTimer{SupervisorTimer::KillGrace, limits.killGrace});
    }

    void onTimer(SupervisorTimer timer)
    {
        switch (timer) {
        case SupervisorTimer::Restart:
            if (std::holds_alternative<Phase::RestartWait>(s().phase))
                startRun();
            return;
        case SupervisorTimer::Steady:
            s().consecutiveFailures = 0;
            return;
        case SupervisorTimer::StopGrace:
            if (auto *ending = std::get_if<Phase::Ending>(&s().phase); ending && !ending->killed) {
                ending->killed = true;
                act(Act::AddLogLine{SupervisorMachine::tr("llamadesk: llama-server did not exit within %1 s; "
                                                          "sending SIGKILL")
                                            .arg(seconds(limits.stopGrace))});
                act(Act::SendSignal{ServerSignal::Kill});
                act(Act::StartTimer{SupervisorTimer::KillGrace, limits.killGrace});
            }
            return;
        case SupervisorTimer::KillGrace:
            if (const auto *ending = std::get_if<Phase::Ending>(&s().phase); ending && ending->killed)
                abandon(*ending);
            return;
        }
    }

    // A process in uninterruptible sleep (a hung GPU driver, a dead network file system) exits
    // only when the kernel lets it, and the app must still be able to stop and quit.
    void abandon(Phase::Ending ending)
    {
        act(Act::AddLogLine{SupervisorMachine::tr("llamadesk: llama-server (pid %1) did not exit within %2 s of "
                                                  "SIGKILL; it is left behind")
                                    .arg(ending.pid)
                                    .arg(seconds(limits.killGrace))});
        act(Act::Abandon{ending.pid});
        if (ending.hang) {
            ending.hang->reason += u' '
                    + SupervisorMachine::tr("It did not exit after SIGKILL either (pid %1) and was left behind.")
                              .arg(ending.pid);
            ending.hang->retryable = false;
            s().phase = ending;
            processGone({});
            return;
        }
        act(Act::StopWatchingHealth{});
        act(Act::StopTimer{SupervisorTimer::StopGrace});
        act(Act::StopTimer{SupervisorTimer::KillGrace});
        setHealthy(false);
        stopped(SupervisorMachine::tr("Stopped; llama-server (pid %1) did not exit after SIGKILL and was left "
                                      "behind.")
                        .arg(ending.pid),
                ending.startAfter);
    }

    void handle(const SupervisorEventValue &event)
    {
        std::visit([this](const auto &e) { on(e); }, event);
    }

    void on(const Ev::Start &)
    {
        // A start by the user gives the automatic restarts a fresh budget.
        s().consecutiveFailures = 0;
        requestStart();
    }

    void on(const Ev::Restart &)
    {
        if (!s().hasProcess()) {
            on(Ev::Start{});
            return;
        }
        s().consecutiveFailures = 0;
        stop();
        std::get<Phase::Ending>(s().phase).startAfter = true;
    }

    void on(const Ev::Stop &) { stop(); }

    void on(const Ev::HoldStarts &e)
    {
        s().holdReason = e.reason.isEmpty() ? SupervisorMachine::tr("Waiting") : e.reason;
    }

    void on(const Ev::ReleaseStarts &)
    {
        s().holdReason.clear();
        if (std::holds_alternative<Phase::Held>(s().phase))
            beginPreflight();
    }

    void on(const Ev::PreflightProgress &e)
    {
        if (std::holds_alternative<Phase::Checking>(s().phase))
            show(ServerState::Starting, e.reason);
    }

    void on(const Ev::PreflightPassed &)
    {
        if (!std::holds_alternative<Phase::Checking>(s().phase))
            return;
        s().phase = Phase::Launching{};
        s().stage = LoadStage::NotStarted;
        show(ServerState::Starting, SupervisorMachine::tr("Starting llama-server"));
        act(Act::Launch{});
    }

    void on(const Ev::PreflightFailed &e)
    {
        if (!std::holds_alternative<Phase::Checking>(s().phase))
            return;
        s().phase = Phase::Idle{};
        s().issue = e.issue;
        show(ServerState::Failed, e.issue.message);
        act(Act::ReportPreflightIssue{e.issue});
    }

    void on(const Ev::Spawned &e)
    {
        if (std::holds_alternative<Phase::Launching>(s().phase)) {
            s().phase = Phase::Up{e.pid};
            act(Act::WatchHealth{limits.fastPoll});
        } else if (auto *ending = std::get_if<Phase::Ending>(&s().phase)) {
            ending->pid = e.pid; // stopped while it was being started
        }
    }

    void on(const Ev::SpawnFailed &e)
    {
        if (std::holds_alternative<Phase::Ending>(s().phase)) {
            processGone(e.failure); // a stop was asked for: Stopped
            return;
        }
        if (!s().hasProcess())
            return;
        act(Act::StopWatchingHealth{});
        setHealthy(false);
        s().phase = Phase::Idle{};
        s().failure = e.failure;
        show(ServerState::Failed, e.failure.reason);
    }

    void on(const Ev::StageReached &e)
    {
        s().stage = e.stage;
        if (s().shown == ServerState::Loading && s().hasProcess())
            show(ServerState::Loading, displayName(e.stage));
        // The server says it listens: ask at once instead of waiting for the next poll.
        if (e.stage == LoadStage::Listening && std::holds_alternative<Phase::Up>(s().phase)
            && s().shown != ServerState::Running)
            act(Act::ProbeHealthNow{});
    }

    void on(const Ev::HealthAnswered &e)
    {
        if (std::holds_alternative<Phase::Up>(s().phase))
            onHealth(e.status);
    }

    void on(const Ev::HealthUnanswered &)
    {
        if (std::holds_alternative<Phase::Up>(s().phase))
            setHealthy(false);
    }

    void on(const Ev::HealthSilent &e)
    {
        if (const auto *up = std::get_if<Phase::Up>(&s().phase))
            onSilent(e.url, up->pid);
    }

    void on(const Ev::TimerFired &e) { onTimer(e.timer); }

    void on(const Ev::ProcessExited &e)
    {
        if (s().hasProcess())
            processGone(e.failure);
    }

    const SupervisorLimits &limits;
    SupervisorTransition t;
};

template<typename Variant>
const char *nameOf(const Variant &value, std::initializer_list<const char *> names)
{
    return names.begin()[value.index()];
}
} // namespace

SupervisorTransition SupervisorMachine::handle(const SupervisorLimits &limits, const SupervisorMachineState &state,
                                               const SupervisorEventValue &event)
{
    Step step(limits, state);
    step.handle(event);
    return std::move(step.t);
}

const char *phaseName(const SupervisorPhaseValue &phase)
{
    static_assert(std::variant_size_v<SupervisorPhaseValue> == 7);
    return nameOf(phase, {"Idle", "RestartWait", "Held", "Checking", "Launching", "Up", "Ending"});
}

const char *eventName(const SupervisorEventValue &event)
{
    static_assert(std::variant_size_v<SupervisorEventValue> == 16);
    return nameOf(event, {"Start", "Restart", "Stop", "HoldStarts", "ReleaseStarts", "PreflightProgress",
                          "PreflightPassed", "PreflightFailed", "Spawned", "SpawnFailed", "StageReached",
                          "HealthAnswered", "HealthUnanswered", "HealthSilent", "TimerFired", "ProcessExited"});
}

const char *actionName(const SupervisorActionValue &action)
{
    static_assert(std::variant_size_v<SupervisorActionValue> == 16);
    return nameOf(action, {"Show", "SetHealthy", "BeginPreflight", "CancelPreflight", "Launch", "WatchHealth",
                           "ProbeHealthNow", "StopWatchingHealth", "SendSignal", "StartTimer", "StopTimer",
                           "Abandon", "AnnounceStop", "ReportCrash", "ReportPreflightIssue", "AddLogLine"});
}
} // namespace Llamadesk
