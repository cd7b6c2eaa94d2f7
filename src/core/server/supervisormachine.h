#pragma once

#include "core/server/failureclassifier.h"
#include "core/server/preflight.h"
#include "core/server/serverlog.h"
#include "core/server/serverstate.h"

#include <QCoreApplication>
#include <QList>
#include <QString>

#include <chrono>
#include <optional>
#include <variant>
#include <vector>

namespace Llamadesk
{
enum class ServerSignal { Terminate, Kill };

// The supervisor's single-shot timers; the machine arms and stops them by name.
enum class SupervisorTimer {
    StopGrace, // SIGTERM sent: SIGKILL when it runs out
    KillGrace, // SIGKILL sent: the process is given up on when it runs out
    Restart,   // an automatic restart after a crash
    Steady,    // healthy without a break: when it runs out, earlier failures no longer count
};

// What the machine needs of SupervisorOptions: durations it arms timers with or names in
// sentences, and the restart policy.
struct SupervisorLimits
{
    std::chrono::milliseconds stopGrace{std::chrono::seconds(5)};
    std::chrono::milliseconds killGrace{std::chrono::seconds(3)};
    std::chrono::milliseconds noAnswerTimeout{std::chrono::seconds(60)};
    std::chrono::milliseconds restartWindow{std::chrono::seconds(60)};
    std::chrono::milliseconds fastPoll{25};
    std::chrono::milliseconds slowPoll{1500};
    QList<std::chrono::milliseconds> restartBackoff{std::chrono::seconds(1), std::chrono::seconds(2),
                                                   std::chrono::seconds(4)};
    int maxRestarts = 3;
};

// Where the supervisor is, phase by phase; what only one phase knows lives in that phase.
namespace SupervisorPhase
{
// No process and nothing pending: Unknown, Stopped or Failed.
struct Idle
{
    bool operator==(const Idle &) const = default;
};
// Crashed; the Restart timer runs.
struct RestartWait
{
    bool operator==(const RestartWait &) const = default;
};
// A start waits for the starts to be released.
struct Held
{
    bool operator==(const Held &) const = default;
};
// The preflight (configuration, version, port) runs.
struct Checking
{
    bool operator==(const Checking &) const = default;
};
// The process is being started; Spawned or SpawnFailed follows.
struct Launching
{
    bool operator==(const Launching &) const = default;
};
// The process lives; /health says Starting, Loading or Running.
struct Up
{
    qint64 pid = 0;
    bool operator==(const Up &) const = default;
};
// The process was asked to end and has not exited yet.
struct Ending
{
    qint64 pid = 0;
    // Set when the supervisor ends it because it hung (no HTTP answer at all); empty when the
    // user stopped it. A stop by the user while it ends for a hang empties it: no restart then.
    std::optional<Failure> hang;
    bool killed = false;     // SIGKILL sent (else only SIGTERM)
    bool startAfter = false; // Restart, or Start while stopping: a new run once it is gone
    bool operator==(const Ending &) const = default;
};
} // namespace SupervisorPhase

using SupervisorPhaseValue = std::variant<SupervisorPhase::Idle, SupervisorPhase::RestartWait,
                                          SupervisorPhase::Held, SupervisorPhase::Checking,
                                          SupervisorPhase::Launching, SupervisorPhase::Up,
                                          SupervisorPhase::Ending>;

struct SupervisorMachineState
{
    SupervisorPhaseValue phase = SupervisorPhase::Idle{};
    // What the user sees (the dot and its words).
    ServerState shown = ServerState::Unknown;
    QString reason;
    bool healthy = false;
    LoadStage stage = LoadStage::NotStarted;
    QString holdReason; // non-empty while starts are held
    int consecutiveFailures = 0;
    // The last preflight problem or crash, while it is relevant.
    std::optional<PreflightIssue> issue;
    std::optional<Failure> failure;

    // From the launch until the exit, or until it is given up on.
    bool hasProcess() const;
    bool operator==(const SupervisorMachineState &) const = default;
};

// What happens to the supervisor: the user's requests, and the answers of the world (the
// preflight, the process, /health, the timers).
namespace SupervisorEvent
{
struct Start // by the user: a fresh restart budget
{
};
struct Restart
{
};
struct Stop
{
};
struct HoldStarts
{
    QString reason;
};
struct ReleaseStarts
{
};
struct PreflightProgress
{
    QString reason;
};
struct PreflightPassed
{
};
struct PreflightFailed
{
    PreflightIssue issue;
};
struct Spawned
{
    qint64 pid = 0;
};
// Not started at all: bad arguments, or the program could not be executed.
struct SpawnFailed
{
    Failure failure;
};
struct StageReached
{
    LoadStage stage = LoadStage::NotStarted;
};
struct HealthAnswered
{
    int status = 0;
};
struct HealthUnanswered
{
};
// No HTTP answer of any kind for noAnswerTimeout.
struct HealthSilent
{
    QString url;
};
struct TimerFired
{
    SupervisorTimer timer = SupervisorTimer::Restart;
};
// The process is gone; failure is what its exit means if nobody asked for it.
struct ProcessExited
{
    Failure failure;
};
} // namespace SupervisorEvent

using SupervisorEventValue =
        std::variant<SupervisorEvent::Start, SupervisorEvent::Restart, SupervisorEvent::Stop,
                     SupervisorEvent::HoldStarts, SupervisorEvent::ReleaseStarts, SupervisorEvent::PreflightProgress,
                     SupervisorEvent::PreflightPassed, SupervisorEvent::PreflightFailed, SupervisorEvent::Spawned,
                     SupervisorEvent::SpawnFailed, SupervisorEvent::StageReached, SupervisorEvent::HealthAnswered,
                     SupervisorEvent::HealthUnanswered, SupervisorEvent::HealthSilent, SupervisorEvent::TimerFired,
                     SupervisorEvent::ProcessExited>;

// What the supervisor's QObject carries out, in order.
namespace SupervisorAction
{
struct Show // stateChanged
{
    ServerState state = ServerState::Unknown;
    QString reason;
};
struct SetHealthy // healthChanged
{
    bool healthy = false;
};
struct BeginPreflight // from the event loop, so that whoever called start() can connect first
{
};
struct CancelPreflight
{
};
struct Launch // spawn the process of the configuration that passed; Spawned or SpawnFailed follows
{
};
// Poll /health at this interval; where it was not polled yet, the first probe goes out at once.
struct WatchHealth
{
    std::chrono::milliseconds interval{0};
};
struct ProbeHealthNow
{
};
struct StopWatchingHealth
{
};
struct SendSignal // to the process group
{
    ServerSignal signal = ServerSignal::Terminate;
};
struct StartTimer
{
    SupervisorTimer timer = SupervisorTimer::Restart;
    std::chrono::milliseconds duration{0};
};
struct StopTimer
{
    SupervisorTimer timer = SupervisorTimer::Restart;
};
// Let go of a process that did not exit after SIGKILL.
struct Abandon
{
    qint64 pid = 0;
};
struct AnnounceStop // aboutToStop: listeners abort their requests now
{
};
struct ReportCrash // crashed
{
    Failure failure;
    bool willRestart = false;
};
struct ReportPreflightIssue // preflightFailed
{
    PreflightIssue issue;
};
struct AddLogLine // a "llamadesk: …" line in the server log
{
    QString text;
};
} // namespace SupervisorAction

using SupervisorActionValue =
        std::variant<SupervisorAction::Show, SupervisorAction::SetHealthy, SupervisorAction::BeginPreflight,
                     SupervisorAction::CancelPreflight, SupervisorAction::Launch, SupervisorAction::WatchHealth,
                     SupervisorAction::ProbeHealthNow, SupervisorAction::StopWatchingHealth,
                     SupervisorAction::SendSignal, SupervisorAction::StartTimer, SupervisorAction::StopTimer,
                     SupervisorAction::Abandon, SupervisorAction::AnnounceStop, SupervisorAction::ReportCrash,
                     SupervisorAction::ReportPreflightIssue, SupervisorAction::AddLogLine>;

struct SupervisorTransition
{
    SupervisorMachineState state;
    std::vector<SupervisorActionValue> actions;
};

// The supervisor's decisions as one pure function: given where it is and what happened, where
// it goes and what is to be done. No clock, no process, no network: ServerSupervisor carries
// the actions out and turns what the world does into events. An event that does not fit the
// phase (a late answer, a second Stop) changes nothing.
//
// What holds for every sequence of events (tests/unit/test_supervisormachine.cpp and the fuzz
// target fuzz_supervisormachine check it): a Launch only while no process lives; a Stop ends in
// Stopped once the process is gone, and nothing starts again until the user starts it.
class SupervisorMachine
{
    Q_DECLARE_TR_FUNCTIONS(Llamadesk::ServerSupervisor)

public:
    static SupervisorTransition handle(const SupervisorLimits &limits, const SupervisorMachineState &state,
                                       const SupervisorEventValue &event);
};

// For test output: "Ending", "Up", …
const char *phaseName(const SupervisorPhaseValue &phase);
const char *eventName(const SupervisorEventValue &event);
const char *actionName(const SupervisorActionValue &action);
} // namespace Llamadesk
