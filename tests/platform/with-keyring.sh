#!/bin/sh
# Runs a test binary against a real Secret Service: a private session bus (dbus-run-session)
# with gnome-keyring-daemon on it, its login keyring unlocked and kept in a throwaway directory.
# LLAMADESK_REQUIRE_KEYRING=1 tells the test that a keyring was provided,
# so a keychain that does not answer is a failure, not a skip.
set -eu
if [ "${LLAMADESK_IN_KEYRING_SESSION:-}" != 1 ]; then
    for tool in dbus-run-session gnome-keyring-daemon; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "with-keyring.sh: $tool is missing (scripts/setup-deps.sh installs it)" >&2
            exit 1
        fi
    done
    home=$(mktemp -d "${TMPDIR:-/tmp}/llamadesk-keyring.XXXXXX")
    trap 'rm -rf "$home"' EXIT
    mkdir -p "$home/run" "$home/data/keyrings" && chmod 700 "$home/run"
    status=0
    HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_RUNTIME_DIR="$home/run" \
        LLAMADESK_IN_KEYRING_SESSION=1 dbus-run-session -- "$0" "$@" || status=$?
    exit "$status"
fi
# --unlock reads the password from stdin and creates the login keyring when there is none. An
# empty password creates none (measured with gnome-keyring 42: every write then fails with
# "Object does not exist at path .../collection/login"), so the throwaway keyring gets a throwaway
# password.
# The daemon ends with the session bus.
set -a
eval "$(printf 'llamadesk-tests' | gnome-keyring-daemon --unlock --components=secrets)"
set +a
LLAMADESK_REQUIRE_KEYRING=1 exec "$@"
