// The replay driver: a main() for the fuzz targets where libFuzzer is not linked (every gcc build,
// and clang builds without LLAMADESK_FUZZ). It calls LLVMFuzzerTestOneInput once for each file
// named on the command line and for each file in each folder named there (sorted by name, not
// recursing), so that ctest replays the seed corpora in tests/fuzz/corpus/ on every build. Each
// input lies in a heap block of exactly its size, so that AddressSanitizer sees a read past its end.
// Exits 1 when an argument cannot be read or no input was found: an empty corpus passes nothing.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

namespace
{
bool replay(const std::filesystem::path &file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "replay: cannot read %s\n", file.string().c_str());
        return false;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto input = std::make_unique<std::uint8_t[]>(bytes.size());
    std::copy(bytes.begin(), bytes.end(), input.get());
    // Said before the call: if the input crashes the target, the last line names it.
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.string().c_str(), bytes.size());
    std::fflush(stderr);
    LLVMFuzzerTestOneInput(input.get(), bytes.size());
    return true;
}
} // namespace

int main(int argc, char **argv)
{
    std::size_t replayed = 0;
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path path(argv[i]);
        std::error_code error;
        if (!std::filesystem::is_directory(path, error)) {
            ok = replay(path) && ok;
            ++replayed;
            continue;
        }
        std::vector<std::filesystem::path> files;
        for (const auto &entry : std::filesystem::directory_iterator(path, error)) {
            if (entry.is_regular_file())
                files.push_back(entry.path());
        }
        if (error) {
            std::fprintf(stderr, "replay: cannot list %s: %s\n", path.string().c_str(), error.message().c_str());
            ok = false;
        }
        std::sort(files.begin(), files.end());
        for (const auto &file : files) {
            ok = replay(file) && ok;
            ++replayed;
        }
    }
    std::fprintf(stderr, "replay: %zu inputs replayed\n", replayed);
    if (replayed == 0) {
        std::fprintf(stderr, "replay: no input found; give corpus folders or files\n");
        return EXIT_FAILURE;
    }
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
