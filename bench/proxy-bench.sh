#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# proxy-bench.sh - wrk through HTTP forward proxies to a local nginx origin, with
# Privoxy (filtering the same cookies) as the peer, in the same run.
#
# Usage: bash bench/proxy-bench.sh [OPTIONS] [TARGET...]
#   TARGET      `direct` (wrk straight to the origin) or LABEL=127.0.0.1:PORT, a forward
#               proxy that is already running (its process is found with `ss`).
#               `LABEL=127.0.0.1:PORT@PID` names the process to measure instead.
# Options:
#   -d SECS     length of one wrk run                          (default 10)
#   -r N        repetitions; targets are interleaved in each   (default 3)
#   -c "N..."   wrk connection counts                          (default "1 32")
#   -t N        wrk threads                                    (default 1)
#   -p PATH     origin path, /cookies.html or /page.html       (default /cookies.html)
#   -S LABEL    our own proxy: compared with the peer at every connection count
#   -n          do not start Privoxy (no peer)
#   -k          keep the run folder (configs, logs, raw wrk output)
#   -h          this help
# Every port is a free one picked at random on 127.0.0.1; everything started here is
# stopped by PID on exit, Ctrl-C included; each wait is bounded.
# Machine-readable lines (for bench/run.sh):
#   RESULT label=L conns=N rps= p50_us= p99_us= errors= cpu_us_per_req= rss_kb= peak_rss_kb=
#   SETCOOKIE label=L count=N names=a,b,...
#   RATIO self=L peer=privoxy conns=N ratio=R
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PATH="$PATH:/usr/sbin:/sbin"

DURATION=10
REPS=3
CONNS="1 32"
THREADS=1
UPATH=/cookies.html
SELF=""
WITH_PRIVOXY=1
KEEP=0

usage() { sed -n '3,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; }
BENCH_NAME=proxy-bench
. "$HERE/bench-lib.sh"

while getopts "d:r:c:t:p:S:nkh" opt; do
  case $opt in
    d) DURATION=$OPTARG ;;
    r) REPS=$OPTARG ;;
    c) CONNS=$OPTARG ;;
    t) THREADS=$OPTARG ;;
    p) UPATH=$OPTARG ;;
    S) SELF=$OPTARG ;;
    n) WITH_PRIVOXY=0 ;;
    k) KEEP=1 ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

for n in "$DURATION" "$REPS" "$THREADS" $CONNS; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "expected a positive whole number, got '$n'"
done
for c in $CONNS; do
  [ "$c" -ge "$THREADS" ] || die "wrk needs at least as many connections ($c) as threads"
done
case $UPATH in /cookies.html|/page.html) ;; *) die "-p: /cookies.html or /page.html" ;; esac

need nginx nginx-light
need wrk wrk
need curl curl
need ss iproute2
need timeout coreutils
if [ $WITH_PRIVOXY = 1 ] && ! command -v privoxy >/dev/null 2>&1; then
  echo "proxy-bench: privoxy is not installed (make bench-deps); running without a peer" >&2
  WITH_PRIVOXY=0
fi

bench_start_run

# wait_get URL [PROXY]: up to 10 s for a 200 answer
wait_get() {
  local i code
  for i in $(seq 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 ${2:+-x "$2"} "$1")
    [ "$code" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

subst() {  # subst TEMPLATE OUTPUT NAME=VALUE...
  local in=$1 out=$2 kv; shift 2
  local expr=()
  for kv in "$@"; do expr+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
  sed "${expr[@]}" "$in" >"$out"
}

# ---- the origin ------------------------------------------------------------------
OPORT=$(free_port)
mkdir -p "$RUN/www" "$RUN/tmp"
cp "$HERE/origin/page.html" "$RUN/www/page.html"
chmod -R a+rX "$RUN/www"
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root root;"
subst "$HERE/origin/nginx.conf.in" "$RUN/nginx.conf" RUN="$RUN" PORT="$OPORT" USER_LINE="$USER_LINE"
nginx -e "$RUN/nginx-error.log" -p "$RUN" -c "$RUN/nginx.conf" >"$RUN/nginx.out" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
URL="http://127.0.0.1:$OPORT$UPATH"
if ! wait_get "$URL"; then
  cat "$RUN/nginx-error.log" "$RUN/nginx.out" >&2
  die "the nginx origin did not start"
fi

# ---- the peer ----------------------------------------------------------------------
TARGETS=("$@")
if [ $WITH_PRIVOXY = 1 ]; then
  PPORT=$(free_port)
  mkdir -p "$RUN/privoxy"
  subst "$HERE/privoxy/config.in" "$RUN/privoxy/config" RUN="$RUN" PORT="$PPORT"
  cp "$HERE/privoxy/temoin-bench.action" "$HERE/privoxy/temoin-bench.filter" "$RUN/privoxy/"
  privoxy --no-daemon "$RUN/privoxy/config" >"$RUN/privoxy/stderr.log" 2>&1 &
  PRIVOXY_PID=$!
  PIDS+=("$PRIVOXY_PID")
  TARGETS+=("privoxy=127.0.0.1:$PPORT@$PRIVOXY_PID")
fi
[ ${#TARGETS[@]} -gt 0 ] || die "no target (give one, or let Privoxy start)"

# ---- targets -----------------------------------------------------------------------
LABELS=(); ADDRS=(); TPIDS=()
for spec in "${TARGETS[@]}"; do
  pid=""
  if [ "$spec" = direct ]; then
    label=direct; addr=127.0.0.1:$OPORT
    # the worker, not the master, serves the requests
    pid=$(ps -o pid= --ppid "$NGINX_PID" | head -n1 | tr -d ' ')
  else
    [[ $spec == *=* ]] || die "target '$spec': want direct or LABEL=127.0.0.1:PORT[@PID]"
    label=${spec%%=*}; addr=${spec#*=}
    if [[ $addr == *@* ]]; then pid=${addr#*@}; addr=${addr%@*}; fi
  fi
  [[ $addr =~ ^127\.0\.0\.1:[0-9]+$ ]] || die "target '$spec' is not on 127.0.0.1"
  proxy=""
  [ "$label" = direct ] || proxy=$addr
  if ! wait_get "$URL" "$proxy"; then
    [ "$label" = privoxy ] && cat "$RUN/privoxy/stderr.log" "$RUN/privoxy/privoxy.log" >&2
    die "target $label ($addr) does not answer 200 for $URL"
  fi
  if [ -z "$pid" ]; then
    pid=$(ss -Htlnp "sport = :${addr##*:}" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 |
          cut -d= -f2)
  fi
  LABELS+=("$label"); ADDRS+=("$addr"); TPIDS+=("$pid")
done
if [ -n "$SELF" ]; then
  printf '%s\n' "${LABELS[@]}" | grep -qx -- "$SELF" || die "-S $SELF: no such target"
fi

# ---- what reaches the client ------------------------------------------------------------
for i in "${!LABELS[@]}"; do
  proxy=""
  [ "${LABELS[$i]}" = direct ] || proxy=${ADDRS[$i]}
  names=$(curl -s -D - -o /dev/null --max-time 5 ${proxy:+-x "$proxy"} "$URL" |
          tr -d '\r' | awk 'tolower($1) == "set-cookie:" { sub(/=.*/, "", $2); print $2 }' |
          paste -sd, -)
  count=0
  [ -n "$names" ] && count=$(tr ',' '\n' <<<"$names" | wc -l)
  echo "SETCOOKIE label=${LABELS[$i]} count=$count names=${names:--}"
done

# ---- process figures from /proc -------------------------------------------------------
HZ=$(getconf CLK_TCK)
# user+system clock ticks of the whole process (all threads)
cpu_ticks() {
  [ -r "/proc/$1/stat" ] && sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
status_kb() { [ -r "/proc/$1/status" ] && awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

NT=${#LABELS[@]}
NC=$(wc -w <<<"$CONNS")
LIMIT=$(( (REPS * NC + 1) * NT * (DURATION + 15) + 60 ))
echo "# proxy-bench: $URL, ${DURATION}s x $REPS reps, connections: $CONNS, wrk threads: $THREADS"
echo "# targets: ${LABELS[*]}; $(nproc) CPUs shared by wrk, the proxies and the origin;" \
     "time limit ${LIMIT}s"

# run_wrk I CONNS SECONDS OUTPUT: wrk in the background (so that a signal stops it at
# once); leaves the target's RSS halfway through the run (kB) in $RUN/rss
run_wrk() {
  local i=$1 c=$2 secs=$3 out=$4
  : >"$RUN/rss"
  BENCH_URL=$URL timeout $((secs + 15)) wrk -t"$THREADS" -c"$c" -d"${secs}s" --latency \
    -s "$HERE/proxy.lua" "http://${ADDRS[$i]}/" >"$out" 2>&1 &
  CLIENT_PID=$!
  sleep "$(awk -v s="$secs" 'BEGIN { print s / 2 }')" &
  wait $!
  [ -n "${TPIDS[$i]}" ] && status_kb "${TPIDS[$i]}" VmRSS >"$RUN/rss"
  wait "$CLIENT_PID"
  CLIENT_PID=""
}

# warm-up: a short run per target at the largest connection count
CMAX=$(tr ' ' '\n' <<<"$CONNS" | sort -n | tail -n1)
for i in "${!LABELS[@]}"; do
  run_wrk "$i" "$CMAX" 2 "$RUN/warmup-${LABELS[$i]}.txt"
done

RAW="$RUN/raw.tsv"
: >"$RAW"
START=$SECONDS
for rep in $(seq "$REPS"); do
  for c in $CONNS; do
    for i in "${!LABELS[@]}"; do
      if [ $((SECONDS - START)) -gt "$LIMIT" ]; then
        echo "proxy-bench: time limit reached, stopping early" >&2
        break 3
      fi
      label=${LABELS[$i]}; pid=${TPIDS[$i]}
      out="$RUN/wrk-$label-c$c-r$rep.txt"
      before=""; [ -n "$pid" ] && before=$(cpu_ticks "$pid")
      run_wrk "$i" "$c" "$DURATION" "$out"
      rss=$(cat "$RUN/rss")
      after=""; [ -n "$pid" ] && after=$(cpu_ticks "$pid")
      peak=""; [ -n "$pid" ] && peak=$(status_kb "$pid" VmHWM)
      if ! line=$(grep '^WRK ' "$out"); then
        echo "proxy-bench: wrk failed for $label, c=$c:" >&2
        cat "$out" >&2
        continue
      fi
      val() { tr ' ' '\n' <<<"$line" | awk -F= -v k="$1" '$1 == k { print $2 }'; }
      req=$(val requests)
      errors=$(( $(val connect) + $(val read) + $(val write) + $(val timeout) + $(val status) ))
      cpu=-
      if [ -n "$before" ] && [ -n "$after" ] && [ "$req" -gt 0 ]; then
        cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$req" \
                'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
      fi
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$c" "$(val rps)" "$(val p50_us)" \
        "$(val p99_us)" "$errors" "$cpu" "${rss:--}" "${peak:--}" >>"$RAW"
      printf '# rep %s/%s  c=%-3s %-10s %10s req/s  errors %s\n' "$rep" "$REPS" "$c" "$label" \
        "$(val rps)" "$errors" >&2
    done
  done
done

# ---- medians ----------------------------------------------------------------------
median() {
  sort -g | awk '{ v[NR] = $1 }
                 END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
                       else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
column() {
  awk -F'\t' -v l="$1" -v c="$2" -v k="$3" '$1 == l && $2 == c && $k != "-" { print $k }' "$RAW"
}
maximum() { sort -g | tail -n1 | grep . || echo -; }

echo
printf '%-10s %5s %10s %8s %8s %7s %10s %8s %8s\n' target conns req/s p50_us p99_us errors \
  cpu_us/req rss_kb peak_kb
declare -A RPS
for c in $CONNS; do
  for l in "${LABELS[@]}"; do
    RPS[$l,$c]=$(column "$l" "$c" 3 | median)
    p50=$(column "$l" "$c" 4 | median); p99=$(column "$l" "$c" 5 | median)
    err=$(column "$l" "$c" 6 | maximum); cpu=$(column "$l" "$c" 7 | median)
    rss=$(column "$l" "$c" 8 | maximum); peak=$(column "$l" "$c" 9 | maximum)
    printf '%-10s %5s %10s %8s %8s %7s %10s %8s %8s\n' "$l" "$c" "${RPS[$l,$c]}" "$p50" "$p99" \
      "$err" "$cpu" "$rss" "$peak"
    echo "RESULT label=$l conns=$c rps=${RPS[$l,$c]} p50_us=$p50 p99_us=$p99 errors=$err" \
         "cpu_us_per_req=$cpu rss_kb=$rss peak_rss_kb=$peak" >>"$RUN/results"
  done
done
echo "# medians of $REPS runs (errors: the worst run); cpu_us/req: user+system CPU of the"
echo "# target process per request; rss_kb: its RSS halfway through a run (the largest);"
echo "# peak_kb: its VmHWM; for direct these are nginx's worker's."
cat "$RUN/results"
if [ -n "$SELF" ] && [ $WITH_PRIVOXY = 1 ]; then
  for c in $CONNS; do
    a=${RPS[$SELF,$c]}; b=${RPS[privoxy,$c]}
    r=-
    [ "$a" != - ] && [ "$b" != - ] && r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')
    echo "RATIO self=$SELF peer=privoxy conns=$c ratio=$r"
  done
fi
[ $KEEP = 1 ] && echo "# raw figures: $RAW"
exit 0
