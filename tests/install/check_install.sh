#!/usr/bin/env bash
# Checks of Llamadesk's desktop integration, run by ctest (see CMakeLists.txt beside this file):
#   check_install.sh desktop   FILE                  desktop-file-validate must accept FILE
#   check_install.sh metainfo  FILE                  appstreamcli must report no errors (warnings are fine)
#   check_install.sh install   BUILD_DIR PREFIX      cmake --install into PREFIX, then check the tree
# A missing tool is a failure: scripts/setup-deps.sh installs all of them.
set -euo pipefail

say() { printf 'check_install: %s\n' "$*"; }
fail() { say "FAIL: $*" >&2; exit 1; }

need_tool() {
    command -v "$1" >/dev/null 2>&1 || fail "'$1' is not installed (package $2; scripts/setup-deps.sh installs it)"
}

check_desktop() {
    local file=$1
    need_tool desktop-file-validate desktop-file-utils
    [[ -f "$file" ]] || fail "no such file: $file"
    say "desktop-file-validate $file"
    # Exits non-zero on errors only; hints and warnings are printed but accepted.
    desktop-file-validate "$file" || fail "desktop-file-validate rejected $file"
    say "ok"
}

check_metainfo() {
    local file=$1 output rc=0 errors warnings
    need_tool appstreamcli appstream
    [[ -f "$file" ]] || fail "no such file: $file"
    say "appstreamcli validate --no-net --explain $file"
    output=$(appstreamcli validate --no-net --explain "$file" 2>&1) || rc=$?
    printf '%s\n' "$output"
    ((rc == 0)) && { say "ok"; return; }
    # appstreamcli also fails on warnings (for example the required id 'llamadesk' is not reverse-DNS).
    # Accept those; fail on errors or on a failure that reported no issue at all (such as an unreadable file).
    errors=$(grep -c '^E:' <<<"$output" || true)
    warnings=$(grep -c '^W:' <<<"$output" || true)
    ((errors == 0 && warnings > 0)) || fail "appstreamcli found $errors error(s) in $file (exit status $rc)"
    say "ok ($warnings warning(s), no errors)"
}

check_install() {
    local build_dir prefix
    build_dir=$(cd "$1" && pwd)
    prefix=$2
    case "$prefix" in
        "$build_dir"/?*) ;;
        *) fail "the install prefix must lie inside the build folder $build_dir, not $prefix" ;;
    esac

    say "cmake --install $build_dir --prefix $prefix"
    rm -rf "$prefix"
    "${CMAKE_COMMAND:-cmake}" --install "$build_dir" --prefix "$prefix"

    local missing=0 path
    for path in share/applications/llamadesk.desktop \
                share/icons/hicolor/scalable/apps/llamadesk.svg \
                share/metainfo/llamadesk.metainfo.xml; do
        if [[ -f "$prefix/$path" ]]; then say "found $path"; else say "missing $path" >&2; missing=1; fi
    done
    if [[ -f "$prefix/bin/llamadesk" && -x "$prefix/bin/llamadesk" ]]; then
        say "found bin/llamadesk (executable)"
    else
        say "missing bin/llamadesk, or it is not executable" >&2
        missing=1
    fi
    ((missing == 0)) || fail "the installed tree is incomplete"

    # Run the installed binary without a display and with throwaway XDG folders, so that it can touch
    # neither the user's screen nor the user's settings and logs.
    local home="$prefix/.home" output rc=0
    mkdir -p "$home"
    say "$prefix/bin/llamadesk --version"
    output=$(env HOME="$home" XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" \
                 XDG_CACHE_HOME="$home/cache" XDG_STATE_HOME="$home/state" QT_QPA_PLATFORM=offscreen \
                 timeout 60 "$prefix/bin/llamadesk" --version 2>&1) || rc=$?
    printf '%s\n' "$output"
    ((rc == 0)) || fail "the installed llamadesk --version exited with status $rc"
    grep -q '^Llamadesk ' <<<"$output" || fail "the installed llamadesk --version printed no line starting with 'Llamadesk '"
    say "ok"
}

case "${1:-}" in
    desktop) (($# == 2)) || fail "usage: $0 desktop FILE"; check_desktop "$2" ;;
    metainfo) (($# == 2)) || fail "usage: $0 metainfo FILE"; check_metainfo "$2" ;;
    install) (($# == 3)) || fail "usage: $0 install BUILD_DIR PREFIX"; check_install "$2" "$3" ;;
    *) fail "usage: $0 {desktop FILE | metainfo FILE | install BUILD_DIR PREFIX}" ;;
esac
