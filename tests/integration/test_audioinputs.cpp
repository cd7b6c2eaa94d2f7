// The microphones Qt Multimedia sees. Under scripts/test.sh that is the PulseAudio virtual
// microphone ("VirtualMic"), and a missing one is a failure (LLAMADESK_REQUIRE_AUDIO=1).
#include "audio/audioinputs.h"
#include "testsupport.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace Llamadesk;

namespace
{
// Recording through Qt 6.4's PulseAudio backend can abort in libpulse at exit: end without teardown.
const bool g_quickExit = (Llamadesk::TestSupport::exitWithoutTeardown(), true);
} // namespace


namespace
{
bool haveInputs()
{
    return !AudioInputs::available().isEmpty();
}
} // namespace


TEST(AudioInputs, TheVirtualMicrophoneIsListedAsTheDefault)
{
    LLAMADESK_REQUIRE_MICROPHONE(haveInputs());
    const QList<AudioInputInfo> inputs = AudioInputs::available();
    bool sawDefault = false;
    for (const AudioInputInfo &input : inputs) {
        EXPECT_FALSE(input.id.isEmpty());
        EXPECT_FALSE(input.description.isEmpty());
        sawDefault = sawDefault || input.isDefault;
    }
    EXPECT_TRUE(sawDefault);
    if (TestSupport::audioRequired()) {
        const bool virtualMic = std::any_of(inputs.cbegin(), inputs.cend(), [](const AudioInputInfo &input) {
            return input.description == u"VirtualMic";
        });
        EXPECT_TRUE(virtualMic) << "scripts/test.sh sets up a source described as VirtualMic";
    }
}

TEST(AudioInputs, AStoredDeviceIsFoundByItsId)
{
    LLAMADESK_REQUIRE_MICROPHONE(haveInputs());
    const AudioInputInfo first = AudioInputs::available().constFirst();
    EXPECT_EQ(AudioInputs::resolve(first.id).id(), first.id);
}

TEST(AudioInputs, AVanishedDeviceFallsBackToTheDefaultInput)
{
    LLAMADESK_REQUIRE_MICROPHONE(haveInputs());
    const QAudioDevice device = AudioInputs::resolve("no-such-microphone");
    EXPECT_FALSE(device.isNull());
    EXPECT_EQ(device.id(), AudioInputs::resolve({}).id());
}
