#pragma once

#include "core/server/portowner.h"
#include "core/server/preflight.h"
#include "core/server/serverconfig.h"
#include "core/server/versionprobe.h"

#include <QObject>
#include <QTimer>

#include <chrono>
#include <functional>
#include <optional>

namespace Llamadesk
{
struct LaunchCheckOptions
{
    // Runs "llama-server --version" and "--help" before the first start of an executable.
    bool checkVersion = true;
    std::chrono::milliseconds versionTimeout{VersionProbe::DefaultTimeout};
    // A busy port's owner is looked for on a worker thread within this budget.
    std::chrono::milliseconds portOwnerTimeout{std::chrono::seconds(2)};
    // Who listens on a busy port; called on a worker thread. Empty: findPortOwner().
    std::function<std::optional<PortOwner>(int port)> findPortOwner;
};

// The checks before a launch, one attempt at a time, without blocking: the configuration
// (checkConfig), the executable (VersionProbe, once per build of it), the port (resolvePort; a
// busy port's owner is looked for off the GUI thread). Each step reads the configuration as it
// is at that moment, so settings saved while a probe ran are what is checked, and the attempt
// ends in exactly one passed() or failed(), unless cancel() or another begin() comes first.
class LaunchCheck final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LaunchCheck)

public:
    // config is read at every step; it must outlive the check.
    LaunchCheck(const ServerConfig &config, LaunchCheckOptions options, QObject *parent = nullptr);

    // From the event loop, so that whoever started it can connect first.
    void begin();
    void cancel();
    bool isRunning() const;
    // What the last probe of the executable said; kept across attempts.
    std::optional<VersionInfo> version() const;

Q_SIGNALS:
    void progress(const QString &reason);
    // The configuration as it is now passed; port is where it is to listen.
    void passed(int port);
    void failed(const Llamadesk::PreflightIssue &issue);

private:
    void step(quint64 attempt);
    void onVersionChecked(const std::optional<VersionInfo> &version, const QString &error);
    void checkPort();
    void onPortOwnerFound(quint64 attempt, const std::optional<PortOwner> &owner);
    void finish(const std::optional<PreflightIssue> &issue, int port = 0);

    const ServerConfig &m_config;
    LaunchCheckOptions m_options;
    VersionProbe m_versionProbe;
    QTimer m_portOwnerTimer;
    // Bumped by begin() and cancel(): what an older attempt's callbacks bring is dropped.
    quint64 m_attempt = 0;
    bool m_running = false;
    std::optional<VersionInfo> m_version;
    QString m_versionCheckedFor; // executable path + size + modification time
    QString m_versionProbing;    // the same for the executable the probe in flight asks
    std::optional<PreflightIssue> m_portBusy; // while its owner is looked for
    ServerConfig m_portBusyConfig;            // the configuration whose port that is
};
} // namespace Llamadesk
