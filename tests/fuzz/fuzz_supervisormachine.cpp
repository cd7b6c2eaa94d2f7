// Every sequence of events the world can produce keeps the supervisor's invariants (see
// supervisorworld.h): one child at most, a Stop always ends in Stopped, no restart after a
// user stop. Each input byte picks the next event among those possible at that point; the run
// then ends with a stop, once with a process that exits and once with one that never does.
#include "fuzzcheck.h"
#include "supervisorworld.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace LlamadeskFuzz;
    const std::vector<unsigned> choices(data, data + std::min<std::size_t>(size, 512));
    SupervisorWorld::World world;
    world.limits.maxRestarts = 2;
    const std::string error = SupervisorWorld::play(world, choices);
    check(error.empty(), "the supervisor's invariants hold", QString::fromStdString(error));
    return 0;
}
