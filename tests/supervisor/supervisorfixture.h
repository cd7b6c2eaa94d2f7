#pragma once

#include "core/server/serversupervisor.h"
#include "testsupport.h"

#include <QList>
#include <QPair>
#include <QSignalSpy>

#include <gtest/gtest.h>

#include <memory>

namespace Llamadesk::TestSupport
{
// The fake llama-server (tests/fakes), or the real one when LLAMADESK_LLAMA_SERVER names it.
QString serverUnderTest();
bool usingRealServer();
QString tinyModel();

// Timings short enough for tests, the same shape as the app's.
SupervisorOptions fastOptions();

// Sets environment variables for the fake server (its failure modes) for one test and removes
// them afterwards; the supervisor's children inherit the test's environment.
class ScopedEnv final
{
    Q_DISABLE_COPY_MOVE(ScopedEnv)

public:
    ScopedEnv() = default;
    ~ScopedEnv();
    void set(const char *name, const QByteArray &value);

private:
    QList<QByteArray> m_names;
};

class SupervisorTest : public ::testing::Test
{
protected:
    void SetUp() override;
    void TearDown() override;

    // A supervisor for the fake server on any free port, with fast timings.
    ServerSupervisor &makeSupervisor(SupervisorOptions options = fastOptions(), ProcessGuard *guard = nullptr);
    // Waits until the supervisor reports state (true) or the timeout passes (false).
    bool waitForState(ServerState state, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Every state entered so far, in order.
    QList<ServerState> states() const;

    ServerConfig m_config;
    ScopedEnv m_env;
    TempXdg m_xdg;
    std::unique_ptr<ServerSupervisor> m_supervisor;
    std::unique_ptr<QSignalSpy> m_stateSpy;
};
} // namespace Llamadesk::TestSupport
