#pragma once

// A model of the world around SupervisorMachine, for the property test and the fuzz target: it
// delivers only events the world could produce at that point (a process exits only once it was
// spawned, a timer fires only while armed), carries the machine's actions out on its model,
// and checks the supervisor's invariants after every step:
//   - at most one child: a Launch only while no process lives;
//   - a Stop ends in Stopped: Stopped at once without a process, else Stopping until the
//     process is gone (exited, or given up on after SIGKILL), whatever else happens meanwhile;
//   - no restart after a user stop: nothing is checked, launched or scheduled to restart until
//     the user starts it again;
//   - what is shown agrees with the process: Stopped and Failed have none, Running and healthy
//     have one, and the machine's idea of a process is the world's.
#include "core/server/supervisormachine.h"

#include <QString>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace SupervisorWorld
{
using namespace Llamadesk;

using Handler = std::function<SupervisorTransition(const SupervisorLimits &, const SupervisorMachineState &,
                                                   const SupervisorEventValue &)>;

struct World
{
    Handler handler = &SupervisorMachine::handle;
    SupervisorLimits limits;
    SupervisorMachineState state;
    bool alive = false;     // a process exists (from Launch until its exit, failure to start or abandonment)
    bool launching = false; // Launch carried out, Spawned or SpawnFailed not yet delivered
    bool checking = false;  // the preflight runs
    bool watching = false;  // /health is polled
    std::set<SupervisorTimer> armed;
    bool userStopped = false; // a Stop since the last Start or Restart
    qint64 nextPid = 100;
    int launches = 0;
    int abandoned = 0;
    std::string trace; // the events so far, for the failure message
};

inline Failure exitFailure(bool retryable)
{
    Failure failure;
    failure.kind = retryable ? FailureKind::KilledBySignal : FailureKind::ModelInvalid;
    failure.reason = retryable ? QStringLiteral("llama-server crashed.") : QStringLiteral("The model is invalid.");
    failure.retryable = retryable;
    return failure;
}

// What can happen next: the user's requests always; the world's answers where they fit.
inline std::vector<SupervisorEventValue> possibleEvents(const World &w)
{
    namespace Ev = SupervisorEvent;
    std::vector<SupervisorEventValue> events{Ev::Start{}, Ev::Restart{}, Ev::Stop{},
                                             Ev::HoldStarts{QStringLiteral("Reading the key")}, Ev::ReleaseStarts{}};
    if (w.checking) {
        events.emplace_back(Ev::PreflightProgress{QStringLiteral("Checking llama-server…")});
        events.emplace_back(Ev::PreflightPassed{});
        PreflightIssue issue;
        issue.code = PreflightCode::PortBusy;
        issue.message = QStringLiteral("Port 8080 is in use.");
        events.emplace_back(Ev::PreflightFailed{issue});
    }
    if (w.launching) {
        // ServerSupervisor starts the process while it carries out Launch and hands the outcome
        // in right after: nothing from the world comes first, only what listeners of the
        // signals emitted meanwhile ask for (a stop in a stateChanged slot).
        events.emplace_back(Ev::Spawned{w.nextPid});
        events.emplace_back(Ev::SpawnFailed{exitFailure(false)});
        return events;
    }
    if (w.alive && !w.launching) {
        events.emplace_back(Ev::ProcessExited{exitFailure(true)});
        events.emplace_back(Ev::ProcessExited{exitFailure(false)});
        events.emplace_back(Ev::StageReached{LoadStage::LoadingModel});
        events.emplace_back(Ev::StageReached{LoadStage::Listening});
    }
    if (w.watching) {
        events.emplace_back(Ev::HealthAnswered{200});
        events.emplace_back(Ev::HealthAnswered{503});
        events.emplace_back(Ev::HealthUnanswered{});
        events.emplace_back(Ev::HealthSilent{QStringLiteral("http://127.0.0.1:8080")});
    }
    for (const SupervisorTimer timer : w.armed)
        events.emplace_back(Ev::TimerFired{timer});
    return events;
}

// Delivers one event and carries out the actions on the model; the broken invariant, or "".
inline std::string deliver(World &w, const SupervisorEventValue &event)
{
    namespace Ev = SupervisorEvent;
    namespace Act = SupervisorAction;
    w.trace += eventName(event);
    w.trace += ' ';
    const auto broken = [&w](const std::string &what) {
        return what + " (phase " + phaseName(w.state.phase) + "; after: " + w.trace + ")";
    };

    // The world's side of the event.
    if (const auto *fired = std::get_if<Ev::TimerFired>(&event))
        w.armed.erase(fired->timer);
    if (std::holds_alternative<Ev::PreflightPassed>(event) || std::holds_alternative<Ev::PreflightFailed>(event))
        w.checking = false;
    if (std::holds_alternative<Ev::Spawned>(event)) {
        w.launching = false;
        ++w.nextPid;
    }
    if (std::holds_alternative<Ev::SpawnFailed>(event) || std::holds_alternative<Ev::ProcessExited>(event))
        w.alive = w.launching = false;
    if (std::holds_alternative<Ev::HealthSilent>(event))
        w.watching = false; // HealthProbe stops itself when it reports silence
    const bool userStart = std::holds_alternative<Ev::Start>(event) || std::holds_alternative<Ev::Restart>(event);
    const bool userStop = std::holds_alternative<Ev::Stop>(event);
    if (userStart)
        w.userStopped = false;
    if (userStop)
        w.userStopped = true;

    const SupervisorTransition t = w.handler(w.limits, w.state, event);
    w.state = t.state;
    for (const SupervisorActionValue &action : t.actions) {
        if (std::holds_alternative<Act::Launch>(action)) {
            if (w.alive)
                return broken("a second process was launched while one lives");
            if (w.userStopped)
                return broken("a launch after the user's stop");
            w.alive = w.launching = true;
            ++w.launches;
        } else if (std::holds_alternative<Act::BeginPreflight>(action)) {
            if (w.userStopped)
                return broken("a start after the user's stop");
            w.checking = true;
        } else if (std::holds_alternative<Act::CancelPreflight>(action)) {
            w.checking = false;
        } else if (const auto *start = std::get_if<Act::StartTimer>(&action)) {
            if (start->timer == SupervisorTimer::Restart && w.userStopped)
                return broken("a restart scheduled after the user's stop");
            if ((start->timer == SupervisorTimer::StopGrace || start->timer == SupervisorTimer::KillGrace) && !w.alive)
                return broken("a grace timer without a process");
            w.armed.insert(start->timer);
        } else if (const auto *stop = std::get_if<Act::StopTimer>(&action)) {
            w.armed.erase(stop->timer);
        } else if (std::holds_alternative<Act::WatchHealth>(action)) {
            if (!w.alive)
                return broken("/health watched without a process");
            w.watching = true;
        } else if (std::holds_alternative<Act::StopWatchingHealth>(action)) {
            w.watching = false;
        } else if (std::holds_alternative<Act::Abandon>(action)) {
            if (!w.alive || w.launching)
                return broken("abandoned a process that is not there");
            w.alive = false;
            ++w.abandoned;
        } else if (const auto *crash = std::get_if<Act::ReportCrash>(&action)) {
            if (crash->willRestart && w.userStopped)
                return broken("a crash after the user's stop promises a restart");
        }
    }

    const ServerState shown = w.state.shown;
    if (w.state.hasProcess() != w.alive)
        return broken(w.alive ? "the machine forgot a live process" : "the machine believes in a process that is gone");
    if (userStop && shown != (w.alive ? ServerState::Stopping : ServerState::Stopped))
        return broken("Stop did not answer Stopping (with a process) or Stopped (without)");
    if (w.userStopped && shown != ServerState::Stopping && shown != ServerState::Stopped)
        return broken("after the user's stop the state is neither Stopping nor Stopped");
    if (w.userStopped && shown == ServerState::Stopping && !w.alive)
        return broken("Stopping without a process");
    if ((shown == ServerState::Stopped || shown == ServerState::Failed)
        && (w.alive || w.checking || w.armed.count(SupervisorTimer::Restart) > 0))
        return broken("Stopped or Failed while something still runs or is scheduled");
    if (shown == ServerState::Crashed && w.armed.count(SupervisorTimer::Restart) == 0)
        return broken("Crashed without a scheduled restart");
    if ((shown == ServerState::Running || w.state.healthy) && !w.alive)
        return broken("running or healthy without a process");
    if (w.state.consecutiveFailures > w.limits.maxRestarts + 1)
        return broken("more automatic restarts than allowed");
    return {};
}

// The user stops, and the world runs out: the process exits at the first chance when it
// `exits`, else it never does and only the timers move. Either way the supervisor must end in
// Stopped with nothing left running, armed or watched.
inline std::string stopAndDrain(World w, bool exits)
{
    namespace Ev = SupervisorEvent;
    if (std::string error = deliver(w, Ev::Stop{}); !error.empty())
        return error;
    for (int step = 0; step < 16 && (w.alive || w.state.shown != ServerState::Stopped); ++step) {
        std::string error;
        if (w.launching)
            error = deliver(w, Ev::Spawned{w.nextPid});
        else if (w.alive && exits)
            error = deliver(w, Ev::ProcessExited{exitFailure(true)});
        else if (w.armed.count(SupervisorTimer::StopGrace) > 0)
            error = deliver(w, Ev::TimerFired{SupervisorTimer::StopGrace});
        else if (w.armed.count(SupervisorTimer::KillGrace) > 0)
            error = deliver(w, Ev::TimerFired{SupervisorTimer::KillGrace});
        else
            return "the stop waits for nothing it armed (after: " + w.trace + ")";
        if (!error.empty())
            return error;
    }
    if (w.state.shown != ServerState::Stopped || w.alive)
        return "a stop that never ends in Stopped (after: " + w.trace + ")";
    if (w.checking || w.watching || !w.armed.empty())
        return "Stopped with a check, a probe or a timer left (after: " + w.trace + ")";
    return {};
}

// Plays a sequence of choices on w (each picks one of the possible events), then both endings
// on copies of it.
inline std::string play(World &w, const std::vector<unsigned> &choices)
{
    for (const unsigned choice : choices) {
        const std::vector<SupervisorEventValue> events = possibleEvents(w);
        if (std::string error = deliver(w, events[choice % events.size()]); !error.empty())
            return error;
    }
    if (std::string error = stopAndDrain(w, true); !error.empty())
        return error;
    return stopAndDrain(w, false);
}
} // namespace SupervisorWorld
