#include "core/server/serverconfig.h"

#include "core/settingkeys.h"
#include "core/settings.h"

namespace Llamadesk
{
ServerConfig ServerConfig::fromSettings(const Settings &settings)
{
    ServerConfig config;
    config.executable = settings.get(Keys::ServerExecutable);
    config.model = settings.get(Keys::ServerModel);
    config.mmproj = settings.get(Keys::ServerMmproj);
    config.host = settings.get(Keys::ServerHost);
    config.port = settings.get(Keys::ServerPort);
    config.contextSize = settings.get(Keys::ServerContextSize);
    config.parallel = settings.get(Keys::ServerParallel);
    config.gpuLayers = settings.get(Keys::ServerGpuLayers);
    config.extraArgs = settings.get(Keys::ServerExtraArgs);
    config.apiKey = settings.get(Keys::ServerApiKey);
    return config;
}
} // namespace Llamadesk
