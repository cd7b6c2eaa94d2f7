#!/usr/bin/env bash
# Installs what is missing, builds the "ci" preset (warnings as errors) and runs every test with a real
# display (Xvfb) and a real microphone (a PulseAudio virtual source), starting them only when the
# environment has none. Then builds the "asan" preset (AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer, in build/asan) and runs every test again there, in the same environment.
# Extra arguments go to ctest, both times, e.g.: scripts/test.sh -R Settings
# LLAMADESK_SKIP_ASAN=1 skips the asan pass on a developer's machine; with CI=true it always runs.
# Exits 0 only when every pass that ran passed. Everything started here is stopped again on exit.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

build_dir="$root/build/ci"
say() { printf 'test: %s\n' "$*"; }

xvfb_pid="" pulse_pid="" keepalive_pid="" tmp_runtime_dir=""
started=()

# shellcheck disable=SC2317  # called through the trap
cleanup() {
    local status=$?
    if [[ -n "$keepalive_pid" ]]; then
        say "stopping the audio keep-alive (pid $keepalive_pid)"
        kill "$keepalive_pid" 2>/dev/null || true
        wait "$keepalive_pid" 2>/dev/null || true
    fi
    if [[ -n "$pulse_pid" ]]; then
        # The daemon detached itself, so it is not our child: ask it to stop and give it a moment.
        say "stopping PulseAudio (pid $pulse_pid)"
        kill "$pulse_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pulse_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    if [[ -n "$xvfb_pid" ]]; then
        say "stopping Xvfb (pid $xvfb_pid)"
        kill "$xvfb_pid" 2>/dev/null || true
        wait "$xvfb_pid" 2>/dev/null || true
    fi
    if [[ -n "$tmp_runtime_dir" ]]; then
        rm -rf "$tmp_runtime_dir"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

run_asan=1
if [[ "${LLAMADESK_SKIP_ASAN:-}" == 1 ]]; then
    if [[ "${CI:-}" == true ]]; then
        say "CI=true: LLAMADESK_SKIP_ASAN is ignored, the asan pass runs"
    else
        run_asan=0
    fi
fi

# "5m 07s" for a number of seconds.
duration() { printf '%dm %02ds' $(($1 / 60)) $(($1 % 60)); }

say "checking dependencies"
bash scripts/setup-deps.sh
say "configuring (cmake --preset ci)"
cmake --preset ci
say "building (cmake --build --preset ci)"
started_at=$SECONDS
cmake --build --preset ci
say "ci build: $(duration $((SECONDS - started_at)))"

# --- A display ----------------------------------------------------------------------------------
start_xvfb() {
    local fd_file="$build_dir/xvfb.display" log="$build_dir/xvfb.log" display_number=""
    : >"$fd_file"
    say "starting Xvfb (screen 1280x800x24, log $log)"
    # -displayfd makes Xvfb pick a free display number itself and write it to fd 3 once it listens.
    Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$fd_file" >"$log" 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 100); do
        display_number=$(tr -dc '0-9' <"$fd_file")
        [[ -n "$display_number" ]] && break
        kill -0 "$xvfb_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z "$display_number" ]]; then
        say "Xvfb did not start; its log:"
        cat "$log" >&2 || true
        exit 1
    fi
    export DISPLAY=":$display_number"
    for _ in $(seq 100); do
        xdpyinfo >/dev/null 2>&1 && break
        sleep 0.1
    done
    if ! xdpyinfo >/dev/null 2>&1; then
        say "Xvfb on $DISPLAY does not answer xdpyinfo; its log:"
        cat "$log" >&2 || true
        exit 1
    fi
    started+=("Xvfb on $DISPLAY (pid $xvfb_pid)")
}

if [[ -z "${DISPLAY:-}" ]]; then
    start_xvfb
else
    say "using the existing display $DISPLAY"
fi

# --- A microphone -------------------------------------------------------------------------------
# The probe must not autospawn a default daemon (that one would have no virtual microphone).
client_conf="$build_dir/pulse-client.conf"
printf 'autospawn = no\n' >"$client_conf"
pulse_answers() { PULSE_CLIENTCONFIG="$client_conf" pactl info >/dev/null 2>&1; }

private_runtime_dir() {
    local dir="$build_dir/xdg-runtime"
    # A unix socket path is limited to 108 bytes; $dir/pulse/native must fit.
    if ((${#dir} > 90)); then
        dir=$(mktemp -d /tmp/llamadesk-runtime.XXXXXX)
    fi
    mkdir -p "$dir"
    chmod 700 "$dir"
    printf '%s' "$dir"
}

start_pulseaudio() {
    local log="$build_dir/pulse.log"
    say "starting PulseAudio with the virtual microphone 'virtmic' (log $log)"
    pulseaudio --daemonize=yes -n --exit-idle-time=-1 --disallow-exit --log-target=file:"$log" \
        --load=module-native-protocol-unix \
        --load="module-null-sink sink_name=virtmic_sink sink_properties=device.description=VirtualMicSink" \
        --load="module-remap-source master=virtmic_sink.monitor source_name=virtmic source_properties=device.description=VirtualMic"
    for _ in $(seq 50); do
        pulse_answers && break
        sleep 0.1
    done
    if ! pulse_answers; then
        say "PulseAudio does not answer pactl info; its log:"
        cat "$log" >&2 || true
        exit 1
    fi
    pulse_pid=$(cat "$XDG_RUNTIME_DIR/pulse/pid")
    started+=("PulseAudio (pid $pulse_pid, XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR) with sink virtmic_sink and source virtmic")
}

if pulse_answers; then
    say "using the PulseAudio server that is already running"
else
    if [[ -z "${XDG_RUNTIME_DIR:-}" ]]; then
        XDG_RUNTIME_DIR=$(private_runtime_dir)
        export XDG_RUNTIME_DIR
        if [[ "$XDG_RUNTIME_DIR" == /tmp/llamadesk-runtime.* ]]; then
            tmp_runtime_dir=$XDG_RUNTIME_DIR
        fi
        say "using the private XDG_RUNTIME_DIR $XDG_RUNTIME_DIR"
    fi
    if pulse_answers && [[ "$XDG_RUNTIME_DIR" == "$build_dir/"* || "$XDG_RUNTIME_DIR" == /tmp/llamadesk-runtime.* ]]; then
        # Left over from an earlier run that was killed before its trap ran: ours, so reuse and stop it.
        pulse_pid=$(cat "$XDG_RUNTIME_DIR/pulse/pid")
        say "reusing the PulseAudio daemon left in $XDG_RUNTIME_DIR by an earlier run (pid $pulse_pid)"
        started+=("PulseAudio (pid $pulse_pid, left over from an earlier run)")
    else
        start_pulseaudio
    fi
    pactl set-default-sink virtmic_sink
    pactl set-default-source virtmic
    # Silence played into the sink keeps the source running, so that captures start at once.
    pacat -p -d virtmic_sink --latency-msec=20 --raw --rate=16000 --channels=1 --format=s16le /dev/zero &
    keepalive_pid=$!
    started+=("silent keep-alive pacat (pid $keepalive_pid)")
fi

# --- Tests --------------------------------------------------------------------------------------
# Here a display and a microphone exist: a test that cannot find them must fail, not skip.
export LLAMADESK_REQUIRE_DISPLAY=1
export LLAMADESK_REQUIRE_AUDIO=1

if ((${#started[@]} > 0)); then
    say "started for this run:"
    printf '    %s\n' "${started[@]}"
else
    say "started nothing: the display and the sound server were already there"
fi

say "running: ctest --preset ci $*"
status=0
started_at=$SECONDS
ctest --preset ci "$@" || status=$?
say "ctest --preset ci exited with status $status after $(duration $((SECONDS - started_at)))"

if ((run_asan == 0)); then
    say "LLAMADESK_SKIP_ASAN=1: the asan pass is skipped (CI never skips it)"
    exit "$status"
fi

# --- The same tests with the sanitizers ---------------------------------------------------------
# build/asan is a build of its own: a failure in the ci pass does not stop it, so that one CI run
# reports both.
asan_status=0
say "configuring (cmake --preset asan)"
started_at=$SECONDS
if cmake --preset asan && cmake --build --preset asan; then
    say "asan build: $(duration $((SECONDS - started_at)))"
    say "running: ctest --preset asan $*"
    started_at=$SECONDS
    ctest --preset asan "$@" || asan_status=$?
    say "ctest --preset asan exited with status $asan_status after $(duration $((SECONDS - started_at)))"
else
    asan_status=$?
    say "the asan build failed (status $asan_status)"
fi

if ((status != 0)); then
    exit "$status"
fi
exit "$asan_status"
