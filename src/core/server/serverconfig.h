#pragma once

#include <QString>

namespace Llamadesk
{
class Settings;

// The server/* settings as one value, so that launching, preflight and tests need no Settings.
struct ServerConfig
{
    QString executable; // the binary or the folder holding it; empty: search
    QString model;
    QString mmproj;
    QString host = QStringLiteral("127.0.0.1");
    int port = 8080; // 0: any free port
    int contextSize = 4096;
    int parallel = 0;   // 0: llama-server decides
    // GpuLayersAuto: no -ngl, the server fits the model to free memory (0.4.0 and later);
    // GpuLayersAll: every layer; N >= 0: that many.
    static constexpr int GpuLayersAuto = -2;
    static constexpr int GpuLayersAll = -1;
    int gpuLayers = GpuLayersAuto;
    QString extraArgs;
    QString apiKey;

    static ServerConfig fromSettings(const Settings &settings);
    bool operator==(const ServerConfig &) const = default;
};
} // namespace Llamadesk
