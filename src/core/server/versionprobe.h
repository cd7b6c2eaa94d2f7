#pragma once

#include "core/server/serverflags.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <chrono>
#include <optional>

class QProcess;

namespace Llamadesk
{
// What `llama-server --version` says: "version: 1234 (abcdef)" and "built with cc for x86_64".
struct VersionInfo
{
    QString version;   // after "version: ", e.g. "1234 (abcdef)"
    QString buildInfo; // after "built with ", e.g. "cc (GCC) 12.2.0 for x86_64-linux-gnu"; may be empty
    // What `--help` listed (VersionProbe asks after the version); std::nullopt when it could not
    // be read, and then nothing is filtered.
    std::optional<ServerFlags> flags;

    bool operator==(const VersionInfo &) const = default;
};

// Pure: stdout and stderr together. Lines before and between (backend loading messages) are
// skipped. std::nullopt when no line starts with "version:" followed by something.
std::optional<VersionInfo> parseVersionOutput(const QString &output);

// Runs `<exe> --version`, then `<exe> --help`, without blocking (QProcess, never waitFor*), each
// with a timeout, to tell whether a file is llama-server and which flags it knows before it is
// started for real. A help that fails or times out leaves VersionInfo::flags empty and is not
// an error: the version decides.
class VersionProbe final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(VersionProbe)

public:
    // A build with GPU backends loads every backend before it answers, which takes seconds.
    static constexpr std::chrono::milliseconds DefaultTimeout{20000};

    explicit VersionProbe(QObject *parent = nullptr);
    ~VersionProbe() override;

    void setTimeout(std::chrono::milliseconds timeout);
    std::chrono::milliseconds timeout() const;
    bool isRunning() const;

    // Emits exactly one finished() per start(), always later, from the event loop. A second
    // start() while one runs aborts the first without emitting for it.
    void start(const QString &executable);
    // Stops a running probe; no finished() is emitted for it.
    void abort();

Q_SIGNALS:
    // version set on success; otherwise error holds a sentence naming the executable, such as
    // "/x/llama-server is not llama-server: '--version' printed no version." or
    // "/x/llama-server did not answer '--version' within 5 s."
    void finished(const std::optional<VersionInfo> &version, const QString &error);

private:
    void onOutput();
    void onProcessFinished(int exitCode, bool crashed);
    void onHelpFinished();
    void launch(const QString &argument);
    void onStartFailed(const QString &reason);
    void onTimeout();
    // Ends the run: stops the process and emits from the event loop, unless another start() or
    // abort() comes first.
    void finish(const std::optional<VersionInfo> &version, const QString &error);
    void discardProcess();

    std::chrono::milliseconds m_timeout = DefaultTimeout;
    QString m_executable;
    QProcess *m_process = nullptr;
    QByteArray m_output;
    std::optional<VersionInfo> m_version; // set once --version answered; --help runs then
    QTimer m_timer;
    quint64 m_run = 0; // increases on every start() and abort(): a queued emission of an older run is dropped
    bool m_active = false;
};
} // namespace Llamadesk

Q_DECLARE_METATYPE(Llamadesk::VersionInfo)
