#pragma once

#include "core/server/processguard.h"

namespace Llamadesk
{
// For systems without a guard of their own yet: the supervisor still stops the server when the
// app exits normally, but a crash of the app can leave it running.
class FallbackProcessGuard final : public ProcessGuard
{
public:
    void prepare(QProcess &process) override;
    void adopt(QProcess &process) override;
    void release(qint64 pid) override;
    QString description() const override;
};
} // namespace Llamadesk
