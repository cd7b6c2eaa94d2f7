#!/usr/bin/env bash
# Runs bench_screenshot on an X server of its own with a 2560x1440 screen, and stops it again.
#   bench/run_bench_screenshot.sh <path to bench_screenshot> [runs]
set -euo pipefail

bench=${1:?usage: run_bench_screenshot.sh <bench_screenshot> [runs]}
shift

fd_file=$(mktemp)
log=$(mktemp)
xvfb_pid=""
# shellcheck disable=SC2317  # called through the trap
cleanup() {
    local status=$?
    if [[ -n "$xvfb_pid" ]]; then
        kill "$xvfb_pid" 2>/dev/null || true
        wait "$xvfb_pid" 2>/dev/null || true
    fi
    rm -f "$fd_file" "$log"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# -displayfd: Xvfb picks a free display number and writes it to fd 3 once it accepts clients.
Xvfb -displayfd 3 -screen 0 2560x1440x24 -nolisten tcp 3>"$fd_file" >"$log" 2>&1 &
xvfb_pid=$!
display_number=""
for _ in $(seq 100); do
    display_number=$(tr -dc '0-9' <"$fd_file")
    [[ -n "$display_number" ]] && break
    kill -0 "$xvfb_pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -z "$display_number" ]]; then
    echo "run_bench_screenshot: Xvfb did not start; its log:" >&2
    cat "$log" >&2 || true
    exit 1
fi

DISPLAY=":$display_number" QT_QPA_PLATFORM=xcb "$bench" "$@"
