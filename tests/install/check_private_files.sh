#!/usr/bin/env bash
# What Llamadesk writes is its user's alone (issue 13, section 2). Run by ctest (CMakeLists.txt
# beside this file):
#   check_private_files.sh fresh   APP   a first start under umask 022
#   check_private_files.sh upgrade APP   a start over folders and files an earlier version left
#                                        0755/0644, with a settings file that must be rewritten
# The real executable runs under `strace -f` with temporary HOME/XDG folders, on Qt's offscreen
# platform and without a session bus (so no keychain answers and nothing reaches a real one),
# with --port so that it writes the settings file. Once the database (with -wal and -shm), both
# logs and the settings file exist it is stopped and the trace is read:
#   - each folder was made by mkdir(..., 0700), each file by an O_CREAT open with 0600 (the mode
#     they are born with, not a chmod afterwards); the settings file's backup and staging copy too;
#   - no chmod ever gave group or other bits;
#   - afterwards, none of them has a group or other bit.
# strace is required (scripts/setup-deps.sh installs it): a missing one is a failure.
set -euo pipefail

say() { printf 'check_private_files: %s\n' "$*"; }
fail() { say "FAIL: $*" >&2; exit 1; }

scenario=${1:?usage: check_private_files.sh fresh|upgrade APP}
app=${2:?usage: check_private_files.sh fresh|upgrade APP}
command -v strace >/dev/null 2>&1 || fail "'strace' is not installed (package strace; scripts/setup-deps.sh installs it)"
[[ -x "$app" ]] || fail "no executable at $app"

work=$(mktemp -d /tmp/llamadesk-private.XXXXXX)
app_pid=
cleanup() {
    if [[ -n "$app_pid" ]] && kill -0 "$app_pid" 2>/dev/null; then
        kill -KILL "$app_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

home=$work/home
config=$home/.config
data=$home/.local/share
mkdir -p "$home"
chmod 0755 "$home"
app_config=$config/llamadesk
app_data=$data/llamadesk
logs=$app_data/logs
ini=$app_config/llamadesk.ini
db=$app_data/chats.sqlite

folders=("$app_config" "$app_data" "$logs")
files=("$ini" "$db" "$db-wal" "$db-shm" "$logs/llamadesk.log" "$logs/llama-server.log")
waited=()

if [[ "$scenario" == upgrade ]]; then
    # As an earlier version left them under umask 022: readable by everyone. The comment line
    # makes Settings copy the file to .bak and rewrite it through a .new staging file.
    (
        umask 022
        mkdir -p "$app_config" "$logs"
        printf '# written by hand\n[server]\nport=8080\n' >"$ini"
        : >"$db"
        : >"$logs/llamadesk.log"
        : >"$logs/llamadesk.1.log"
        : >"$logs/llama-server.log"
    )
    files+=("$logs/llamadesk.1.log")
    # Every file above exists before the start: the app is stopped only once it has also made
    # the settings backup, which is what this scenario looks at (under load it came after the
    # database's files, and a stop before it failed the run).
    waited=("$ini.bak")
elif [[ "$scenario" != fresh ]]; then
    fail "unknown scenario '$scenario'"
fi

trace=$work/trace
(
    umask 022
    exec env -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY -u WAYLAND_DISPLAY \
        HOME="$home" XDG_CONFIG_HOME="$config" XDG_DATA_HOME="$data" XDG_CACHE_HOME="$home/.cache" \
        XDG_STATE_HOME="$home/.local/state" QT_QPA_PLATFORM=offscreen \
        strace -f -qq -o "$trace" -e trace=openat,open,creat,mkdir,mkdirat,chmod,fchmod,fchmodat \
        "$app" --port 18089 --log-level info
) >"$work/app.log" 2>&1 &
strace_pid=$!

# Waits (up to two minutes on a loaded machine) until every file is there.
all_there() {
    local f
    for f in "${files[@]}" "${waited[@]}"; do [[ -e "$f" ]] || return 1; done
}
for ((i = 0; i < 1200; i++)); do
    all_there && break
    kill -0 "$strace_pid" 2>/dev/null || break
    sleep 0.1
done
app_pid=$(pgrep -P "$strace_pid" -n || true)
if ! kill -0 "$strace_pid" 2>/dev/null; then
    cat "$work/app.log" >&2 || true
    fail "the app ended before it was stopped"
fi
if ! all_there; then
    cat "$work/app.log" >&2 || true
    for f in "${files[@]}" "${waited[@]}"; do [[ -e "$f" ]] || say "missing: $f" >&2; done
    fail "the app did not create all of its files"
fi
[[ -n "$app_pid" ]] || fail "could not find the app's process under strace"
kill -TERM "$app_pid"
wait "$strace_pid" || true
app_pid=

failures=0
bad() { say "FAIL: $*" >&2; failures=$((failures + 1)); }

# The first call that could create PATH: the mode it was given ('' when none did).
# Empty when the trace shows none: a pipeline that finds nothing must not end the script
# (set -e with pipefail), or the run fails without saying why.
creation_mode_of_file() {
    local path=$1
    { grep -F "\"$path\"" "$trace" | grep -E 'open(at)?\(|creat\(' | grep -E 'O_CREAT|creat\(' | head -n 1 |
        sed -nE 's/.*"[^"]*", [A-Z_|]+, (0[0-7]+).*/\1/p'; } || true
}
creation_mode_of_folder() {
    { grep -F "mkdir(\"$1\"," "$trace" | head -n 1 | sed -nE 's/.*", (0[0-7]+)\).*/\1/p'; } || true
}

if [[ "$scenario" == fresh ]]; then
    for d in "${folders[@]}" "$config" "$home/.local" "$data"; do
        mode=$(creation_mode_of_folder "$d")
        [[ "$mode" == 0700 ]] || bad "folder $d was created with mode '${mode:-(no mkdir seen)}', not 0700"
    done
    for f in "${files[@]}"; do
        mode=$(creation_mode_of_file "$f")
        [[ "$mode" == 0600 ]] || bad "file $f was created with mode '${mode:-(no O_CREAT open seen)}', not 0600"
    done
    # SQLite's rollback journal lives only while the schema is first made.
    mode=$(creation_mode_of_file "$db-journal")
    [[ -z "$mode" || "$mode" == 0600 ]] || bad "file $db-journal was created with mode $mode, not 0600"
else
    for f in "$ini.bak" "$ini.new"; do
        mode=$(creation_mode_of_file "$f")
        [[ "$mode" == 0600 ]] || bad "file $f was created with mode '${mode:-(no O_CREAT open seen)}', not 0600"
    done
    [[ -e "$ini.bak" ]] || bad "no backup $ini.bak was made"
fi

# Files written through QSaveFile (the settings file) start as O_TMPFILE in their folder.
while IFS= read -r line; do
    mode=$(sed -nE 's/.*O_TMPFILE[A-Z_|]*, (0[0-7]+).*/\1/p' <<<"$line")
    [[ "$mode" == 0600 ]] || bad "a temporary file was made in the app's folders with mode '$mode': $line"
done < <(grep -F -e "\"$app_config\"" -e "\"$app_data\"" "$trace" | grep -F O_TMPFILE || true)

# No chmod of anything under HOME ever gave group or other bits.
while IFS= read -r line; do
    mode=$(sed -nE 's/.*, (0[0-7]+)\).*/\1/p' <<<"$line")
    ((8#${mode:-0} & 8#077)) && bad "a chmod gave group or other bits: $line"
done < <(grep -E 'chmod(at)?\(' "$trace" | grep -F "$home" || true)
while IFS= read -r line; do
    mode=$(sed -nE 's/.*fchmod\([0-9]+, (0[0-7]+)\).*/\1/p' <<<"$line")
    [[ -n "$mode" ]] && ((8#$mode & 8#077)) && bad "an fchmod gave group or other bits: $line"
done < <(grep -F 'fchmod(' "$trace" || true)

# Afterwards: nothing of the app's has a group or other bit.
for p in "${folders[@]}" "${files[@]}" "$ini.bak"; do
    [[ -e "$p" ]] || continue
    mode=$(stat -c %a "$p")
    ((8#$mode & 8#077)) && bad "$p has mode $mode afterwards"
done

if ((failures > 0)); then
    say "the app's own log:" >&2
    tail -n 30 "$work/app.log" >&2 || true
    say "what the trace says about the app's folders:" >&2
    grep -F -e "$app_config" -e "$app_data" "$trace" | grep -v ENOENT | head -n 60 >&2 || true
    fail "$failures problem(s) ($scenario)"
fi
if [[ "$scenario" == fresh ]]; then
    say "ok: ${#folders[@]} folders born 0700 and ${#files[@]} files born 0600; none readable by others afterwards"
else
    say "ok: the settings backup and staging file born 0600; ${#folders[@]} folders and ${#files[@]} files an" \
        "earlier version left readable are private now"
fi
