# SPDX-License-Identifier: GPL-3.0-or-later
#
# bench-lib.sh - what the bench scripts share; sourced (not run) by proxy-bench.sh
# and https-bench.sh after they set BENCH_NAME (for messages) and KEEP (1 keeps the
# run folder).

die() { echo "$BENCH_NAME: $*" >&2; exit 2; }

# need COMMAND PACKAGE
need() {
  command -v "$1" >/dev/null 2>&1 ||
    die "'$1' is missing; install the Debian package $2 (make bench-deps)"
}

stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

bench_cleanup() {
  local i
  [ -n "$CLIENT_PID" ] && stop_pid "$CLIENT_PID"
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[$i]}"; done
  if [ "$KEEP" = 1 ]; then echo "$BENCH_NAME: run folder kept in $RUN" >&2; else rm -rf "$RUN"; fi
}

# Makes the run folder RUN; whatever the script starts goes into PIDS (stopped in
# reverse order on exit, Ctrl-C included) and its load client into CLIENT_PID
# (stopped first).
bench_start_run() {
  RUN=$(mktemp -d "${TMPDIR:-/tmp}/temoin-$BENCH_NAME.XXXXXX") || die "cannot create a run folder"
  chmod 755 "$RUN"
  PIDS=()
  CLIENT_PID=""
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP
}

listening() { [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]; }

# below Linux's default ephemeral range (32768-60999), where client sockets come from
free_port() {
  local p i
  for i in $(seq 200); do
    p=$((20000 + RANDOM % 12000))
    listening "$p" || { echo "$p"; return 0; }
  done
  die "no free port found on 127.0.0.1"
}
