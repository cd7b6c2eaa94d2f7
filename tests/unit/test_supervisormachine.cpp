// SupervisorMachine: the supervisor's decisions as a pure function. Scenarios first, then the
// invariants over many random event sequences (the fuzz target fuzz_supervisormachine checks
// the same ones on its corpus), then a check that the invariant checker catches a broken machine.
#include "core/server/supervisormachine.h"

#include "supervisorworld.h"

#include <gtest/gtest.h>

#include <random>

using namespace Llamadesk;
namespace Ev = SupervisorEvent;
namespace Act = SupervisorAction;

namespace
{
class SupervisorMachineTest : public ::testing::Test
{
protected:
    // Delivers the event; the actions it produced.
    std::vector<SupervisorActionValue> on(const SupervisorEventValue &event)
    {
        SupervisorTransition t = SupervisorMachine::handle(limits, state, event);
        state = std::move(t.state);
        return std::move(t.actions);
    }

    template<typename Action>
    static int count(const std::vector<SupervisorActionValue> &actions)
    {
        return static_cast<int>(std::count_if(actions.begin(), actions.end(), [](const SupervisorActionValue &a) {
            return std::holds_alternative<Action>(a);
        }));
    }

    static bool starts(const std::vector<SupervisorActionValue> &actions, SupervisorTimer timer)
    {
        return std::any_of(actions.begin(), actions.end(), [timer](const SupervisorActionValue &a) {
            const auto *start = std::get_if<Act::StartTimer>(&a);
            return start && start->timer == timer;
        });
    }

    static bool stops(const std::vector<SupervisorActionValue> &actions, SupervisorTimer timer)
    {
        return std::any_of(actions.begin(), actions.end(), [timer](const SupervisorActionValue &a) {
            const auto *stop = std::get_if<Act::StopTimer>(&a);
            return stop && stop->timer == timer;
        });
    }

    // Start → preflight passes → spawned → /health 200.
    void runToRunning()
    {
        ASSERT_EQ(count<Act::BeginPreflight>(on(Ev::Start{})), 1);
        ASSERT_EQ(count<Act::Launch>(on(Ev::PreflightPassed{})), 1);
        ASSERT_EQ(count<Act::WatchHealth>(on(Ev::Spawned{4242})), 1);
        on(Ev::HealthAnswered{200});
        ASSERT_EQ(state.shown, ServerState::Running);
        ASSERT_TRUE(state.healthy);
    }

    static Failure crash()
    {
        return SupervisorWorld::exitFailure(true);
    }

    SupervisorLimits limits;
    SupervisorMachineState state;
};
} // namespace

TEST_F(SupervisorMachineTest, AStartChecksThenLaunchesThenRunsOnTheFirst200)
{
    on(Ev::Start{});
    EXPECT_EQ(state.shown, ServerState::Starting);
    EXPECT_EQ(state.reason, QStringLiteral("Checking the configuration"));
    on(Ev::PreflightPassed{});
    on(Ev::Spawned{7});
    EXPECT_EQ(state.shown, ServerState::Starting);
    on(Ev::HealthAnswered{503});
    EXPECT_EQ(state.shown, ServerState::Loading);
    EXPECT_FALSE(state.healthy);
    const auto actions = on(Ev::HealthAnswered{200});
    EXPECT_EQ(state.shown, ServerState::Running);
    EXPECT_TRUE(starts(actions, SupervisorTimer::Steady));
    EXPECT_EQ(count<Act::SetHealthy>(actions), 1);
}

TEST_F(SupervisorMachineTest, AStartWhileAnotherIsUnderWayChangesNothing)
{
    runToRunning();
    const SupervisorMachineState before = state;
    EXPECT_TRUE(on(Ev::Start{}).empty());
    EXPECT_EQ(state, before);
}

TEST_F(SupervisorMachineTest, StopSendsSigtermThenSigkillAndEndsInStoppedWhenTheProcessExits)
{
    runToRunning();
    auto actions = on(Ev::Stop{});
    EXPECT_EQ(state.shown, ServerState::Stopping);
    EXPECT_EQ(count<Act::AnnounceStop>(actions), 1);
    EXPECT_TRUE(starts(actions, SupervisorTimer::StopGrace));
    actions = on(Ev::TimerFired{SupervisorTimer::StopGrace});
    ASSERT_EQ(count<Act::SendSignal>(actions), 1);
    EXPECT_TRUE(starts(actions, SupervisorTimer::KillGrace));
    actions = on(Ev::ProcessExited{crash()});
    EXPECT_EQ(state.shown, ServerState::Stopped);
    EXPECT_EQ(state.reason, QStringLiteral("Stopped"));
    EXPECT_EQ(count<Act::ReportCrash>(actions), 0) << "an exit that was asked for is no crash";
    EXPECT_TRUE(stops(actions, SupervisorTimer::KillGrace));
}

TEST_F(SupervisorMachineTest, ACrashRestartsWithBackoffUntilTheBudgetIsSpent)
{
    limits.restartBackoff = {std::chrono::milliseconds(100), std::chrono::milliseconds(200)};
    limits.maxRestarts = 2;
    runToRunning();
    for (const int delay : {100, 200}) {
        const auto actions = on(Ev::ProcessExited{crash()});
        EXPECT_EQ(state.shown, ServerState::Crashed);
        const auto restart = std::find_if(actions.begin(), actions.end(), [](const SupervisorActionValue &a) {
            return std::holds_alternative<Act::StartTimer>(a)
                    && std::get<Act::StartTimer>(a).timer == SupervisorTimer::Restart;
        });
        ASSERT_NE(restart, actions.end());
        EXPECT_EQ(std::get<Act::StartTimer>(*restart).duration.count(), delay);
        EXPECT_EQ(count<Act::BeginPreflight>(on(Ev::TimerFired{SupervisorTimer::Restart})), 1);
        on(Ev::PreflightPassed{});
        on(Ev::Spawned{8});
    }
    const auto actions = on(Ev::ProcessExited{crash()});
    EXPECT_EQ(state.shown, ServerState::Failed);
    EXPECT_TRUE(state.reason.contains(QStringLiteral("3 times in a row"))) << state.reason.toStdString();
    EXPECT_FALSE(starts(actions, SupervisorTimer::Restart));
}

TEST_F(SupervisorMachineTest, AStartByTheUserGivesTheRestartsAFreshBudget)
{
    limits.maxRestarts = 1;
    runToRunning();
    on(Ev::ProcessExited{crash()});
    on(Ev::TimerFired{SupervisorTimer::Restart});
    on(Ev::PreflightPassed{});
    on(Ev::Spawned{9});
    on(Ev::ProcessExited{crash()});
    ASSERT_EQ(state.shown, ServerState::Failed);
    runToRunning();
    EXPECT_EQ(state.consecutiveFailures, 0);
    on(Ev::ProcessExited{crash()});
    EXPECT_EQ(state.shown, ServerState::Crashed);
}

TEST_F(SupervisorMachineTest, HealthyForTheWholeWindowForgetsEarlierFailures)
{
    runToRunning();
    on(Ev::ProcessExited{crash()});
    on(Ev::TimerFired{SupervisorTimer::Restart});
    on(Ev::PreflightPassed{});
    on(Ev::Spawned{10});
    on(Ev::HealthAnswered{200});
    ASSERT_EQ(state.consecutiveFailures, 1);
    on(Ev::TimerFired{SupervisorTimer::Steady});
    EXPECT_EQ(state.consecutiveFailures, 0);
}

TEST_F(SupervisorMachineTest, AStopWhileARestartIsScheduledCancelsIt)
{
    runToRunning();
    on(Ev::ProcessExited{crash()});
    ASSERT_EQ(state.shown, ServerState::Crashed);
    const auto actions = on(Ev::Stop{});
    EXPECT_EQ(state.shown, ServerState::Stopped);
    EXPECT_TRUE(stops(actions, SupervisorTimer::Restart));
    // Had the timer's shot been on its way, it changes nothing now.
    EXPECT_TRUE(on(Ev::TimerFired{SupervisorTimer::Restart}).empty());
    EXPECT_EQ(state.shown, ServerState::Stopped);
}

TEST_F(SupervisorMachineTest, AStopWhileTheChecksRunCancelsThemAndTheirAnswerIsIgnored)
{
    on(Ev::Start{});
    const auto actions = on(Ev::Stop{});
    EXPECT_EQ(count<Act::CancelPreflight>(actions), 1);
    EXPECT_EQ(state.shown, ServerState::Stopped);
    EXPECT_TRUE(on(Ev::PreflightPassed{}).empty());
}

TEST_F(SupervisorMachineTest, ASilentServerThatHadRunIsKilledAndRestarted)
{
    runToRunning();
    auto actions = on(Ev::HealthSilent{QStringLiteral("http://127.0.0.1:8080")});
    ASSERT_EQ(count<Act::SendSignal>(actions), 1);
    EXPECT_EQ(std::get<Act::SendSignal>(*std::find_if(actions.begin(), actions.end(),
                                                      [](const SupervisorActionValue &a) {
                                                          return std::holds_alternative<Act::SendSignal>(a);
                                                      }))
                      .signal,
              ServerSignal::Kill);
    actions = on(Ev::ProcessExited{SupervisorWorld::exitFailure(false)});
    EXPECT_EQ(state.shown, ServerState::Crashed) << "the hang decides, not how the killed process exited";
    ASSERT_TRUE(state.failure);
    EXPECT_TRUE(state.failure->reason.contains(QStringLiteral("stopped answering on http://127.0.0.1:8080")));
}

TEST_F(SupervisorMachineTest, ASilentServerThatNeverRanFailsWithoutARestart)
{
    on(Ev::Start{});
    on(Ev::PreflightPassed{});
    on(Ev::Spawned{11});
    on(Ev::HealthSilent{QStringLiteral("http://127.0.0.1:8080")});
    on(Ev::ProcessExited{crash()});
    EXPECT_EQ(state.shown, ServerState::Failed);
}

TEST_F(SupervisorMachineTest, AStopBetweenTheHangsSigkillAndTheExitEndsInStoppedWithoutARestart)
{
    runToRunning();
    on(Ev::HealthSilent{QStringLiteral("http://127.0.0.1:8080")});
    auto actions = on(Ev::Stop{});
    EXPECT_EQ(state.shown, ServerState::Stopping);
    EXPECT_EQ(count<Act::AnnounceStop>(actions), 1);
    actions = on(Ev::ProcessExited{crash()});
    EXPECT_EQ(state.shown, ServerState::Stopped);
    EXPECT_FALSE(starts(actions, SupervisorTimer::Restart));
    EXPECT_EQ(count<Act::ReportCrash>(actions), 0);
}

TEST_F(SupervisorMachineTest, AProcessThatOutlivesSigkillIsAbandonedAndTheStopEnds)
{
    runToRunning();
    on(Ev::Stop{});
    on(Ev::TimerFired{SupervisorTimer::StopGrace});
    const auto actions = on(Ev::TimerFired{SupervisorTimer::KillGrace});
    ASSERT_EQ(count<Act::Abandon>(actions), 1);
    EXPECT_EQ(std::get<Act::Abandon>(*std::find_if(actions.begin(), actions.end(),
                                                   [](const SupervisorActionValue &a) {
                                                       return std::holds_alternative<Act::Abandon>(a);
                                                   }))
                      .pid,
              4242);
    EXPECT_EQ(state.shown, ServerState::Stopped);
    EXPECT_EQ(state.reason,
              QStringLiteral("Stopped; llama-server (pid 4242) did not exit after SIGKILL and was left behind."));
    EXPECT_FALSE(state.hasProcess());
}

TEST_F(SupervisorMachineTest, RestartStopsThenStartsOnceTheProcessIsGone)
{
    runToRunning();
    auto actions = on(Ev::Restart{});
    EXPECT_EQ(state.shown, ServerState::Stopping);
    EXPECT_EQ(count<Act::BeginPreflight>(actions), 0) << "not while the old process lives";
    actions = on(Ev::ProcessExited{crash()});
    EXPECT_EQ(count<Act::BeginPreflight>(actions), 1);
    EXPECT_EQ(state.shown, ServerState::Starting);
}

TEST_F(SupervisorMachineTest, AStopAfterRestartWinsOverTheStartThatWasToFollow)
{
    runToRunning();
    on(Ev::Restart{});
    on(Ev::Stop{});
    const auto actions = on(Ev::ProcessExited{crash()});
    EXPECT_EQ(count<Act::BeginPreflight>(actions), 0);
    EXPECT_EQ(state.shown, ServerState::Stopped);
}

TEST_F(SupervisorMachineTest, HeldStartsWaitForTheReleaseAndAStopInBetweenCancelsThem)
{
    on(Ev::HoldStarts{QStringLiteral("Reading the server key")});
    auto actions = on(Ev::Start{});
    EXPECT_EQ(count<Act::BeginPreflight>(actions), 0);
    EXPECT_EQ(state.shown, ServerState::Starting);
    EXPECT_EQ(state.reason, QStringLiteral("Reading the server key"));
    actions = on(Ev::ReleaseStarts{});
    EXPECT_EQ(count<Act::BeginPreflight>(actions), 1);

    on(Ev::Stop{});
    on(Ev::HoldStarts{QStringLiteral("Reading the server key")});
    on(Ev::Start{});
    on(Ev::Stop{});
    actions = on(Ev::ReleaseStarts{});
    EXPECT_EQ(count<Act::BeginPreflight>(actions), 0);
    EXPECT_EQ(state.shown, ServerState::Stopped);
}

TEST_F(SupervisorMachineTest, ThePreflightsProblemIsReportedAndShown)
{
    on(Ev::Start{});
    PreflightIssue issue;
    issue.code = PreflightCode::ModelMissing;
    issue.message = QStringLiteral("The model /m.gguf does not exist.");
    const auto actions = on(Ev::PreflightFailed{issue});
    EXPECT_EQ(count<Act::ReportPreflightIssue>(actions), 1);
    EXPECT_EQ(state.shown, ServerState::Failed);
    EXPECT_EQ(state.reason, issue.message);
    EXPECT_EQ(state.issue, issue);
}

TEST_F(SupervisorMachineTest, TheListeningLineAsksForHealthAtOnce)
{
    on(Ev::Start{});
    on(Ev::PreflightPassed{});
    on(Ev::Spawned{12});
    EXPECT_EQ(count<Act::ProbeHealthNow>(on(Ev::StageReached{LoadStage::Listening})), 1);
}

// The invariants of supervisorworld.h over many sequences of what the world can do.
TEST(SupervisorMachineInvariants, HoldForRandomEventSequences)
{
    std::mt19937 random(20261204); // fixed: the same sequences on every run
    std::uniform_int_distribution<unsigned> pick(0, 255);
    std::uniform_int_distribution<int> length(1, 80);
    int launches = 0;
    int abandoned = 0;
    for (int sequence = 0; sequence < 3000; ++sequence) {
        std::vector<unsigned> choices(static_cast<std::size_t>(length(random)));
        for (unsigned &choice : choices)
            choice = pick(random);
        SupervisorWorld::World world;
        world.limits.maxRestarts = 2;
        const std::string error = SupervisorWorld::play(world, choices);
        ASSERT_TRUE(error.empty()) << error;
        launches += world.launches;
        abandoned += world.abandoned;
    }
    // The sequences do reach the interesting places.
    EXPECT_GT(launches, 3000);
    EXPECT_GT(abandoned, 10);
}

// The checker is not blind: a machine that forgets to cancel a scheduled restart on Stop, or
// that launches again while the old process lives, is caught.
TEST(SupervisorMachineInvariants, TheCheckerCatchesAMachineThatRestartsAfterAStop)
{
    SupervisorWorld::World world;
    world.handler = [](const SupervisorLimits &limits, const SupervisorMachineState &state,
                       const SupervisorEventValue &event) {
        if (std::holds_alternative<Ev::Stop>(event) && std::holds_alternative<SupervisorPhase::RestartWait>(state.phase)) {
            SupervisorTransition t{state, {}};
            t.state.shown = ServerState::Stopped;
            return t; // the Restart timer stays armed
        }
        return SupervisorMachine::handle(limits, state, event);
    };
    namespace W = SupervisorWorld;
    ASSERT_EQ(W::deliver(world, Ev::Start{}), "");
    ASSERT_EQ(W::deliver(world, Ev::PreflightPassed{}), "");
    ASSERT_EQ(W::deliver(world, Ev::Spawned{1}), "");
    ASSERT_EQ(W::deliver(world, Ev::ProcessExited{W::exitFailure(true)}), "");
    const std::string error = W::deliver(world, Ev::Stop{});
    EXPECT_NE(error.find("Stopped or Failed while something still runs or is scheduled"), std::string::npos) << error;
}

TEST(SupervisorMachineInvariants, TheCheckerCatchesASecondChild)
{
    SupervisorWorld::World world;
    world.handler = [](const SupervisorLimits &limits, const SupervisorMachineState &state,
                       const SupervisorEventValue &event) {
        SupervisorTransition t = SupervisorMachine::handle(limits, state, event);
        if (std::holds_alternative<Ev::Restart>(event))
            t.actions.emplace_back(Act::Launch{}); // starts the new one before the old has gone
        return t;
    };
    namespace W = SupervisorWorld;
    ASSERT_EQ(W::deliver(world, Ev::Start{}), "");
    ASSERT_EQ(W::deliver(world, Ev::PreflightPassed{}), "");
    ASSERT_EQ(W::deliver(world, Ev::Spawned{1}), "");
    const std::string error = W::deliver(world, Ev::Restart{});
    EXPECT_NE(error.find("a second process was launched"), std::string::npos) << error;
}
