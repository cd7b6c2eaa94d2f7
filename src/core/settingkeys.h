#pragma once

#include <QString>

namespace Llamadesk
{
// A key of the settings table together with the C++ type its value has, so that
// settings.get(Keys::ServerPort) is an int and cannot be read as anything else.
template <typename T>
struct SettingKey final
{
    const char *name;
    QString toString() const { return QString::fromLatin1(name); }
};

// Every key the app knows. The table of defaults and validators is in settings.cpp and
// docs/SETTINGS.md documents each key for people editing the file by hand.
namespace Keys
{
inline constexpr SettingKey<QString> ServerExecutable{"server/executable"};
inline constexpr SettingKey<QString> ServerModel{"server/model"};
inline constexpr SettingKey<QString> ServerMmproj{"server/mmproj"};
inline constexpr SettingKey<QString> ServerHost{"server/host"};
inline constexpr SettingKey<int> ServerPort{"server/port"};
inline constexpr SettingKey<int> ServerContextSize{"server/context_size"};
inline constexpr SettingKey<int> ServerParallel{"server/parallel"};
inline constexpr SettingKey<int> ServerGpuLayers{"server/gpu_layers"};
inline constexpr SettingKey<QString> ServerExtraArgs{"server/extra_args"};
inline constexpr SettingKey<QString> ServerApiKey{"server/api_key"};
inline constexpr SettingKey<bool> ServerAutostart{"server/autostart"};
inline constexpr SettingKey<QString> AudioInputDevice{"audio/input_device"};
inline constexpr SettingKey<int> AudioMaxSeconds{"audio/max_seconds"};
inline constexpr SettingKey<QString> AudioInstruction{"audio/instruction"};
inline constexpr SettingKey<bool> AudioSendTranscript{"audio/send_transcript"};
inline constexpr SettingKey<int> AudioMaxTokens{"audio/max_tokens"};
inline constexpr SettingKey<bool> AudioGlobalHotkey{"audio/global_hotkey"};
inline constexpr SettingKey<int> VisionMaxEdge{"vision/max_edge"};
inline constexpr SettingKey<int> VisionJpegQuality{"vision/jpeg_quality"};
inline constexpr SettingKey<bool> VisionGlobalHotkey{"vision/global_hotkey"};
inline constexpr SettingKey<QString> ChatSystemPrompt{"chat/system_prompt"};
inline constexpr SettingKey<double> ChatTemperature{"chat/temperature"};
inline constexpr SettingKey<double> ChatTopP{"chat/top_p"};
inline constexpr SettingKey<int> ChatTopK{"chat/top_k"};
inline constexpr SettingKey<int> ChatMaxTokens{"chat/max_tokens"};
inline constexpr SettingKey<QString> ModelsFolders{"models/folders"};
} // namespace Keys
} // namespace Llamadesk
