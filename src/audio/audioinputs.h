#pragma once

#include <QAudioDevice>
#include <QByteArray>
#include <QList>
#include <QString>

namespace Llamadesk
{
struct AudioInputInfo
{
    QByteArray id; // what audio/input_device stores
    QString description;
    bool isDefault = false;
};

// The microphones the system offers, and the one to use for a stored device id.
namespace AudioInputs
{
QList<AudioInputInfo> available();
// The device whose id is deviceId; the default input when deviceId is empty or no longer
// present. A null QAudioDevice means there is no microphone at all.
QAudioDevice resolve(const QByteArray &deviceId);
} // namespace AudioInputs
} // namespace Llamadesk
