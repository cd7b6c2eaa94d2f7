#include "supervisorfixture.h"

namespace Llamadesk::TestSupport
{
QString serverUnderTest()
{
    const QString real = qEnvironmentVariable("LLAMADESK_LLAMA_SERVER");
    return real.isEmpty() ? QStringLiteral(LLAMADESK_FAKE_LLAMA_SERVER) : real;
}

bool usingRealServer()
{
    return !qEnvironmentVariableIsEmpty("LLAMADESK_LLAMA_SERVER");
}

QString tinyModel()
{
    return sharedDir() + QStringLiteral("/models/tiny-llama.gguf");
}

SupervisorOptions fastOptions()
{
    SupervisorOptions options;
    options.stopGrace = std::chrono::seconds(3);
    options.restartBackoff = {std::chrono::milliseconds(100), std::chrono::milliseconds(200),
                              std::chrono::milliseconds(400)};
    options.restartWindow = std::chrono::seconds(30);
    options.noAnswerTimeout = std::chrono::seconds(10);
    return options;
}

ScopedEnv::~ScopedEnv()
{
    for (const QByteArray &name : std::as_const(m_names))
        qunsetenv(name.constData());
}

void ScopedEnv::set(const char *name, const QByteArray &value)
{
    qputenv(name, value);
    m_names.append(name);
}

void SupervisorTest::SetUp()
{
    m_config.executable = serverUnderTest();
    m_config.model = tinyModel();
    m_config.port = 0;
    m_config.contextSize = 2048;
}

void SupervisorTest::TearDown()
{
    if (m_supervisor && m_supervisor->hasProcess()) {
        m_supervisor->stop();
        waitForState(ServerState::Stopped);
    }
    m_stateSpy.reset();
    m_supervisor.reset();
}

ServerSupervisor &SupervisorTest::makeSupervisor(SupervisorOptions options, ProcessGuard *guard)
{
    m_supervisor = std::make_unique<ServerSupervisor>(guard, std::move(options));
    m_supervisor->setConfig(m_config);
    m_stateSpy = std::make_unique<QSignalSpy>(m_supervisor.get(), &ServerSupervisor::stateChanged);
    return *m_supervisor;
}

bool SupervisorTest::waitForState(ServerState state, std::chrono::milliseconds timeout)
{
    return waitUntil([&] { return m_supervisor->state() == state; }, timeout);
}

QList<ServerState> SupervisorTest::states() const
{
    QList<ServerState> result;
    for (const QList<QVariant> &args : std::as_const(*m_stateSpy)) {
        const auto state = args.at(0).value<ServerState>();
        if (result.isEmpty() || result.constLast() != state)
            result.append(state);
    }
    return result;
}
} // namespace Llamadesk::TestSupport
