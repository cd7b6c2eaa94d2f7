#include "audio/audioinputs.h"

#include "core/qtfmt.h"

#include <QMediaDevices>

#include <spdlog/spdlog.h>

namespace Llamadesk::AudioInputs
{
QList<AudioInputInfo> available()
{
    const QByteArray defaultId = QMediaDevices::defaultAudioInput().id();
    QList<AudioInputInfo> inputs;
    const QList<QAudioDevice> devices = QMediaDevices::audioInputs();
    for (const QAudioDevice &device : devices)
        inputs.append({device.id(), device.description(), device.id() == defaultId});
    return inputs;
}

QAudioDevice resolve(const QByteArray &deviceId)
{
    if (!deviceId.isEmpty()) {
        const QList<QAudioDevice> devices = QMediaDevices::audioInputs();
        for (const QAudioDevice &device : devices) {
            if (device.id() == deviceId)
                return device;
        }
        spdlog::warn("Microphone '{}' is not present; using the default input", deviceId);
    }
    return QMediaDevices::defaultAudioInput();
}
} // namespace Llamadesk::AudioInputs
