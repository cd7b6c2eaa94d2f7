#!/usr/bin/env bash
# Installs the Debian 12 packages Llamadesk needs to build, run and test, only those that are missing.
# Idempotent: when everything is already installed it changes nothing and does not touch the network.
set -euo pipefail

# The one list of packages. Keep third_party/README.md in step with it.
PACKAGES=(
    # build tools
    cmake ninja-build g++ pkgconf clang libclang-rt-14-dev libxcb1-dev
    # libraries
    qt6-base-dev qt6-multimedia-dev libqt6sql6-sqlite libqt6svg6 qt6-image-formats-plugins libgl-dev
    nlohmann-json3-dev libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev
    libcpp-httplib-dev libsoxr-dev fonts-dejavu-core qtkeychain-qt6-dev
    # test environment: a real display, a real (virtual) microphone, screenshots, speech, a private D-Bus
    xvfb xauth x11-utils xdotool openbox dbus-daemon pulseaudio pulseaudio-utils espeak-ng sox imagemagick
    # a real Secret Service for the keychain test (tests/platform/with-keyring.sh)
    gnome-keyring
    # file modes from creation (tests/install/test_private_files.sh traces the first start)
    strace
    # desktop integration checks
    desktop-file-utils appstream
)

say() { printf 'setup-deps: %s\n' "$*"; }

os_id="" os_version=""
if [[ -r /etc/os-release ]]; then
    # shellcheck disable=SC1091
    os_id=$(. /etc/os-release && printf '%s' "${ID:-}")
    # shellcheck disable=SC1091
    os_version=$(. /etc/os-release && printf '%s' "${VERSION_ID:-}")
fi

if [[ "$os_id" != "debian" || "$os_version" != "12" ]]; then
    say "this script installs packages on Debian 12 (bookworm) only; this system is '${os_id:-unknown} ${os_version:-?}'."
    say "Install the equivalents of these Debian 12 packages with your system's package manager:"
    printf '    %s\n' "${PACKAGES[@]}"
    say "You need CMake >= 3.25, Ninja, a C++20 compiler, Qt >= 6.4 (Base, Multimedia, Svg, the SQLite driver),"
    say "nlohmann/json >= 3.10, spdlog >= 1.10, GoogleTest, Google Benchmark, cpp-httplib and libsoxr."
    say "Then run 'cmake --preset dev && cmake --build --preset dev' yourself."
    exit 1
fi

is_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    say "all ${#PACKAGES[@]} packages are installed."
    exit 0
fi

say "missing: ${missing[*]}"

as_root=()
if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        say "not running as root and sudo is not available; as root, run:"
        say "    apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
say "running: ${as_root[*]:+${as_root[*]} }apt-get update"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
say "running: ${as_root[*]:+${as_root[*]} }apt-get install -y --no-install-recommends ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"

still_missing=()
for pkg in "${missing[@]}"; do
    is_installed "$pkg" || still_missing+=("$pkg")
done
if ((${#still_missing[@]} > 0)); then
    say "still missing after apt-get: ${still_missing[*]}"
    exit 1
fi
say "installed ${#missing[@]} package(s)."
