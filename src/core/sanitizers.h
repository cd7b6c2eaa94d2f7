#pragma once

// What the sanitizer builds (the asan preset, the fuzzers) need told about code that is right as it is.
#if defined(__SANITIZE_ADDRESS__)
#define LLAMADESK_LEAK_CHECKED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LLAMADESK_LEAK_CHECKED 1
#endif
#endif

#ifdef LLAMADESK_LEAK_CHECKED
#include <sanitizer/lsan_interface.h>
#endif

namespace Llamadesk
{
// Whether this build runs under AddressSanitizer (and so LeakSanitizer): the asan preset and the
// fuzzers. There resident memory counts ASan's shadow and its quarantine of freed blocks (up to
// 256 MiB), so a figure of how much memory the app keeps means nothing.
#ifdef LLAMADESK_LEAK_CHECKED
inline constexpr bool AddressSanitizerOn = true;
#else
inline constexpr bool AddressSanitizerOn = false;
#endif

// For an object let go on purpose: one that deletes itself later (a QProcess whose child was
// killed, deleted once the child is reaped) and that would make the exit wait if it were deleted
// now. When the program ends first, LeakSanitizer is not to count it, nor what it holds, as a leak.
inline void letGo([[maybe_unused]] const void *object)
{
#ifdef LLAMADESK_LEAK_CHECKED
    __lsan_ignore_object(object);
#endif
}
} // namespace Llamadesk
