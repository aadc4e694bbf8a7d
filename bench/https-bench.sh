#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# https-bench.sh - the cost of HTTPS inspection (issue 5): Témoin inspecting HTTPS,
# against plain HTTP through the same proxy and against a blind CONNECT tunnel.
#
# Usage: bash bench/https-bench.sh [-d SECS] [-r REPS] [-c "CONNS..."] [-k] BUILDDIR
#   -d SECS     length of each run                             (default 10)
#   -r REPS     repetitions; figures are medians                (default 3)
#   -c CONNS    client connection counts                       (default "1 32")
#   -k          keep the run folder (certificates, configs, logs, raw figures)
#   -h          this help
# Needs BUILDDIR/src/cli/temoinctl and BUILDDIR/bench/bench-https, nginx (nginx-light),
# openssl, curl and ss. It makes a test CA and a leaf for 127.0.0.1, localhost and
# *.bench.test in the run folder, starts nginx serving the bench pages over HTTP and
# HTTPS plus a 1 MiB body, and `temoinctl serve --https-inspection --upstream-ca` with a
# choice that refuses statistics; tunnel.bench.test is in the bypass list. Within each
# repetition the targets take turns (plain, inspected, tunnel; keep-alive, a connection
# per request, the large body). Leaf minting is measured apart: one request each to
# hosts the proxy has never seen, against steady handshakes to a host it has.
# Every port is a free one picked at random on 127.0.0.1; everything started here is
# stopped by PID on exit, Ctrl-C included; each wait is bounded.
# Machine-readable lines (for bench/run.sh):
#   HRESULT label=L conns=N rate= mb_per_s= p50_us= p99_us= errors= cpu_us_per_req=
#           origin_cpu_us_per_req= client_cpu_us_per_req= rss_kb=
#   HRATIO what=W num=L1 den=L2 conns=N ratio=R
#   HFIRST first_us= steady_us= tunnel_us= hosts=N
#   HPROXY rss_start_kb= rss_end_kb= close_wait= fds=
#   HSETCOOKIE label=L count=N names=a,b,...   HISSUER label=L issuer=...
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PATH="$PATH:/usr/sbin:/sbin"

DURATION=10
REPS=3
CONNS="1 32"
KEEP=0
FRESH_PER_REP=3      # hosts never seen by the proxy, per repetition
STEADY_REQUESTS=30   # handshakes to a known host, for the steady latency

usage() { sed -n '3,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; }
BENCH_NAME=https-bench
. "$HERE/bench-lib.sh"

while getopts "d:r:c:kh" opt; do
  case $opt in
    d) DURATION=$OPTARG ;;
    r) REPS=$OPTARG ;;
    c) CONNS=$OPTARG ;;
    k) KEEP=1 ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { usage >&2; exit 2; }
BUILDDIR=$1

for n in "$DURATION" "$REPS" $CONNS; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "expected a positive whole number, got '$n'"
done
TEMOINCTL=$BUILDDIR/src/cli/temoinctl
BENCH_HTTPS=$BUILDDIR/bench/bench-https
[ -x "$TEMOINCTL" ] || die "$TEMOINCTL is missing: build first (make build)"
[ -x "$BENCH_HTTPS" ] || die "$BENCH_HTTPS is missing: build first (make build)"

need nginx nginx-light
need openssl openssl
need curl curl
need ss iproute2
need timeout coreutils

bench_start_run

# wait_get URL [CURL OPTIONS...]: up to 10 s for a 200 answer
wait_get() {
  local url=$1 i code
  shift
  for i in $(seq 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url")
    [ "$code" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

# ---- certificates: a test CA and the origin's leaf (ECDSA P-256) -------------------
PKI=$RUN/pki
mkdir -p "$PKI"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=Temoin https-bench test CA" -keyout "$PKI/ca.key" -out "$PKI/ca.pem" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  >"$PKI/openssl.log" 2>&1 &&
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$PKI/origin.key" -out "$PKI/origin.csr" >>"$PKI/openssl.log" 2>&1 &&
printf '%s\n' "subjectAltName=DNS:localhost,DNS:*.bench.test,IP:127.0.0.1" \
  "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth" >"$PKI/origin.ext" &&
openssl x509 -req -in "$PKI/origin.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -days 2 \
  -set_serial "0x$(openssl rand -hex 8)" -extfile "$PKI/origin.ext" -out "$PKI/origin.pem" \
  >>"$PKI/openssl.log" 2>&1 ||
  { cat "$PKI/openssl.log" >&2; die "openssl could not make the test certificates"; }
chmod 600 "$PKI"/*.key

# ---- the origin: the bench pages over HTTP and HTTPS, and a 1 MiB body -------------
OPORT=$(free_port)
SPORT=$(free_port)
[ "$SPORT" != "$OPORT" ] || SPORT=$(free_port)
mkdir -p "$RUN/www" "$RUN/tmp" "$RUN/origin.d"
cp "$HERE/origin/page.html" "$RUN/www/page.html"
head -c 1048576 /dev/urandom >"$RUN/www/large.bin"
chmod -R a+rX "$RUN/www"
cat >"$RUN/origin.d/tls.conf" <<EOF
listen 127.0.0.1:$SPORT ssl;
ssl_certificate $PKI/origin.pem;
ssl_certificate_key $PKI/origin.key;
location = /large.bin { default_type application/octet-stream; }
EOF
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root root;"
sed -e "s|@RUN@|$RUN|g" -e "s|@PORT@|$OPORT|g" -e "s|@USER_LINE@|$USER_LINE|g" \
  "$HERE/origin/nginx.conf.in" >"$RUN/nginx.conf"
nginx -e "$RUN/nginx-error.log" -p "$RUN" -c "$RUN/nginx.conf" >"$RUN/nginx.out" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
if ! wait_get "http://127.0.0.1:$OPORT/cookies.html" ||
   ! wait_get "https://127.0.0.1:$SPORT/large.bin" --cacert "$PKI/ca.pem"; then
  cat "$RUN/nginx-error.log" "$RUN/nginx.out" >&2
  die "the nginx origin did not start"
fi
ORIGIN_PID=$(ps -o pid= --ppid "$NGINX_PID" | head -n1 | tr -d ' ')

# ---- the proxy ---------------------------------------------------------------------
DATA=$RUN/data
mkdir -p "$DATA" && chmod 700 "$DATA"
"$TEMOINCTL" --data-dir "$DATA" consent set statistics=off >"$RUN/consent.out" 2>&1 ||
  { cat "$RUN/consent.out" >&2; die "temoinctl consent set failed"; }
NFRESH=$((REPS * FRESH_PER_REP))
args=(--port 0 --https-inspection --upstream-ca "$PKI/ca.pem" --connect-ports "$SPORT"
      --bypass tunnel.bench.test --resolve "tunnel.bench.test:$SPORT:127.0.0.1")
for i in $(seq "$NFRESH"); do args+=(--resolve "fresh$i.bench.test:$SPORT:127.0.0.1"); done
"$TEMOINCTL" --data-dir "$DATA" serve "${args[@]}" >"$RUN/serve.out" 2>"$RUN/serve.err" &
PROXY_PID=$!
PIDS+=("$PROXY_PID")
PPORT=""
for i in $(seq 150); do
  PPORT=$(sed -n '1s|^listening on http://127\.0\.0\.1:\([0-9][0-9]*\)/$|\1|p' "$RUN/serve.out")
  [ -n "$PPORT" ] && break
  kill -0 "$PROXY_PID" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$PPORT" ]; then
  cat "$RUN/serve.out" "$RUN/serve.err" >&2
  die "temoinctl serve did not print 'listening on http://127.0.0.1:PORT/'"
fi
PROXY=http://127.0.0.1:$PPORT
"$TEMOINCTL" --data-dir "$DATA" ca export >"$PKI/temoin-ca.pem" 2>"$RUN/ca.err" ||
  { cat "$RUN/ca.err" >&2; die "temoinctl ca export failed"; }

PLAIN=http://127.0.0.1:$OPORT
INSPECTED=https://127.0.0.1:$SPORT
TUNNEL=https://tunnel.bench.test:$SPORT

# ---- what reaches the client, and whose certificate it sees -----------------------
# check LABEL URL CAFILE
check() {
  local label=$1 url=$2 ca=$3 names count issuer hostport sni=()
  curl -s -D "$RUN/check-$label.head" -o /dev/null --max-time 10 -x "$PROXY" \
    ${ca:+--cacert "$ca"} "$url" 2>"$RUN/check-$label.log"
  names=$(tr -d '\r' <"$RUN/check-$label.head" |
          awk 'tolower($1) == "set-cookie:" { sub(/=.*/, "", $2); print $2 }' | paste -sd, -)
  count=0
  [ -n "$names" ] && count=$(tr ',' '\n' <<<"$names" | wc -l)
  echo "HSETCOOKIE label=$label count=$count names=${names:--}"
  if [ -n "$ca" ]; then
    # the certificate the client is shown, verified against CAFILE
    hostport=${url#https://}; hostport=${hostport%%/*}
    [[ ${hostport%:*} =~ ^[0-9.]+$ ]] || sni=(-servername "${hostport%:*}")
    issuer=$(timeout 10 openssl s_client -proxy "${PROXY#http://}" -connect "$hostport" \
               "${sni[@]}" -CAfile "$ca" -verify_return_error </dev/null 2>/dev/null |
             openssl x509 -noout -issuer -nameopt oneline,-esc_msb 2>/dev/null)
    echo "HISSUER label=$label ${issuer:-issuer=?}"
  fi
}
for u in "$PLAIN/cookies.html" "$INSPECTED/cookies.html"; do
  [ "$u" = "$PLAIN/cookies.html" ] && ca="" || ca=$PKI/temoin-ca.pem
  wait_get "$u" -x "$PROXY" ${ca:+--cacert "$ca"} ||
    { tail -n 20 "$RUN/serve.err" >&2; die "no 200 for $u through the proxy"; }
done
check plain "$PLAIN/cookies.html" ""
check inspected "$INSPECTED/cookies.html" "$PKI/temoin-ca.pem"
check tunnel "$TUNNEL/cookies.html" "$PKI/ca.pem"

# ---- process figures from /proc ----------------------------------------------------
HZ=$(getconf CLK_TCK)
cpu_ticks() {
  [ -r "/proc/$1/stat" ] && sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
status_kb() { [ -r "/proc/$1/status" ] && awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
proxy_alive() {
  kill -0 "$PROXY_PID" 2>/dev/null && return 0
  echo "https-bench: the proxy (pid $PROXY_PID) died; the end of its standard error:" >&2
  tail -n 20 "$RUN/serve.err" >&2
  exit 1
}

# The targets: LABEL URL CAFILE MODE
TARGETS=(
  "plain-ka $PLAIN/cookies.html - keepalive"
  "inspected-ka $INSPECTED/cookies.html $PKI/temoin-ca.pem keepalive"
  "tunnel-ka $TUNNEL/cookies.html $PKI/ca.pem keepalive"
  "plain-cpr $PLAIN/cookies.html - handshake"
  "inspected-hs $INSPECTED/cookies.html $PKI/temoin-ca.pem handshake"
  "tunnel-hs $TUNNEL/cookies.html $PKI/ca.pem handshake"
  "plain-large $PLAIN/large.bin - keepalive"
  "inspected-large $INSPECTED/large.bin $PKI/temoin-ca.pem keepalive"
  "tunnel-large $TUNNEL/large.bin $PKI/ca.pem keepalive"
)

# client LABEL URL CAFILE MODE CONNS SECS OUTPUT [MORE OPTIONS]: bench-https in the
# background (so that a signal stops it at once)
client() {
  local label=$1 url=$2 ca=$3 mode=$4 c=$5 secs=$6 out=$7
  shift 7
  [ "$ca" = - ] && ca=""
  timeout $((secs + 30)) "$BENCH_HTTPS" --proxy "$PROXY" --url "$url" ${ca:+--cafile "$ca"} \
    --mode "$mode" --connections "$c" --duration "$secs" --label "$label" "$@" \
    >"$out" 2>"$out.err" &
  CLIENT_PID=$!
  wait "$CLIENT_PID"
  CLIENT_PID=""
}
val() { tr ' ' '\n' <"$1" | awk -F= -v k="$2" '$1 == k { print $2; exit }'; }

NT=${#TARGETS[@]}
NC=$(wc -w <<<"$CONNS")
LIMIT=$(( (REPS * NC + 1) * NT * (DURATION + 30) + 120 ))
echo "# https-bench: ${DURATION}s x $REPS reps, connections: $CONNS; $(nproc) CPUs shared by"\
     "the client, the proxy and nginx; time limit ${LIMIT}s"
echo "# plain: $PLAIN through the proxy; inspected: $INSPECTED (Témoin's leaf);" \
     "tunnel: $TUNNEL (bypassed: nginx's own certificate)"

# warm-up: every target at the largest connection count; mints the leaf of 127.0.0.1
CMAX=$(tr ' ' '\n' <<<"$CONNS" | sort -n | tail -n1)
for t in "${TARGETS[@]}"; do
  read -r label url ca mode <<<"$t"
  client "$label" "$url" "$ca" "$mode" "$CMAX" 2 "$RUN/warmup-$label.txt"
  proxy_alive
done
RSS_START=$(status_kb "$PROXY_PID" VmRSS)

RAW=$RUN/raw.tsv
: >"$RAW"
START=$SECONDS
fresh=0
FIRST=(); STEADY=(); TUNNEL1=()
for rep in $(seq "$REPS"); do
  for c in $CONNS; do
    for t in "${TARGETS[@]}"; do
      read -r label url ca mode <<<"$t"
      if [ $((SECONDS - START)) -gt "$LIMIT" ]; then
        echo "https-bench: time limit reached, stopping early" >&2
        break 3
      fi
      out=$RUN/$label-c$c-r$rep.txt
      before=$(cpu_ticks "$PROXY_PID"); obefore=$(cpu_ticks "$ORIGIN_PID")
      client "$label" "$url" "$ca" "$mode" "$c" "$DURATION" "$out"
      after=$(cpu_ticks "$PROXY_PID"); oafter=$(cpu_ticks "$ORIGIN_PID")
      rss=$(status_kb "$PROXY_PID" VmRSS)
      proxy_alive
      if ! grep -q '^HTTPS ' "$out"; then
        echo "https-bench: bench-https failed for $label, c=$c:" >&2
        cat "$out" "$out.err" >&2
        continue
      fi
      [ -s "$out.err" ] && sed "s/^/# $label c=$c: /" "$out.err" >&2
      n=$(val "$out" requests)
      cpu=-; ocpu=-
      if [ -n "$before" ] && [ -n "$after" ] && [ "$n" -gt 0 ]; then
        cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$n" \
                'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
      fi
      if [ -n "$obefore" ] && [ -n "$oafter" ] && [ "$n" -gt 0 ]; then
        ocpu=$(awk -v t=$((oafter - obefore)) -v hz="$HZ" -v n="$n" \
                 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
      fi
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$c" "$(val "$out" rate)" \
        "$(val "$out" mb_per_s)" "$(val "$out" p50_us)" "$(val "$out" p99_us)" \
        "$(val "$out" errors)" "$cpu" "$ocpu" "$(val "$out" client_cpu_us_per_req)" \
        "${rss:--}" >>"$RAW"
      printf '# rep %s/%s  c=%-3s %-16s %10s /s %9s MB/s  errors %s\n' "$rep" "$REPS" "$c" \
        "$label" "$(val "$out" rate)" "$(val "$out" mb_per_s)" "$(val "$out" errors)" >&2
    done
  done

  # Leaf minting: a first request to hosts the proxy has never seen (a new leaf, and a
  # new upstream connection), then steady handshakes to a host whose leaf is cached,
  # and blind-tunnel handshakes, one connection at a time.
  for _ in $(seq "$FRESH_PER_REP"); do
    fresh=$((fresh + 1))
    out=$RUN/fresh$fresh.txt
    client "fresh$fresh" "https://fresh$fresh.bench.test:$SPORT/cookies.html" \
      "$PKI/temoin-ca.pem" handshake 1 30 "$out" --requests 1
    proxy_alive
    if [ "$(val "$out" requests)" = 1 ]; then
      FIRST+=("$(val "$out" p50_us)")
    else
      echo "https-bench: the first request to fresh$fresh.bench.test failed:" >&2
      cat "$out" "$out.err" >&2
    fi
  done
  out=$RUN/steady-r$rep.txt
  client steady "$INSPECTED/cookies.html" "$PKI/temoin-ca.pem" handshake 1 30 "$out" \
    --requests "$STEADY_REQUESTS"
  [ "$(val "$out" requests)" -gt 0 ] 2>/dev/null && STEADY+=("$(val "$out" p50_us)")
  out=$RUN/tunnel1-r$rep.txt
  client tunnel1 "$TUNNEL/cookies.html" "$PKI/ca.pem" handshake 1 30 "$out" \
    --requests "$STEADY_REQUESTS"
  [ "$(val "$out" requests)" -gt 0 ] 2>/dev/null && TUNNEL1+=("$(val "$out" p50_us)")
done
RSS_END=$(status_kb "$PROXY_PID" VmRSS)
# Client connections the proxy never closed after the client did (CLOSE-WAIT), and its
# open files: both should stay near zero after the clients are gone.
sleep 1
CLOSE_WAIT=$(ss -Htanp 2>/dev/null | grep "pid=$PROXY_PID," | grep -c '^CLOSE-WAIT')
FDS=$(find "/proc/$PROXY_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)

# ---- medians -----------------------------------------------------------------------
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
printf '%-16s %5s %9s %9s %8s %8s %6s %9s %9s %9s %7s\n' target conns rate/s MB/s p50_us \
  p99_us errors proxy_us origin_us client_us rss_kb
declare -A RATE MBS CPU
for c in $CONNS; do
  for t in "${TARGETS[@]}"; do
    read -r l _ <<<"$t"
    RATE[$l,$c]=$(column "$l" "$c" 3 | median); MBS[$l,$c]=$(column "$l" "$c" 4 | median)
    p50=$(column "$l" "$c" 5 | median); p99=$(column "$l" "$c" 6 | median)
    err=$(column "$l" "$c" 7 | maximum); CPU[$l,$c]=$(column "$l" "$c" 8 | median)
    ocpu=$(column "$l" "$c" 9 | median); ccpu=$(column "$l" "$c" 10 | median)
    rss=$(column "$l" "$c" 11 | maximum)
    printf '%-16s %5s %9s %9s %8s %8s %6s %9s %9s %9s %7s\n' "$l" "$c" "${RATE[$l,$c]}" \
      "${MBS[$l,$c]}" "$p50" "$p99" "$err" "${CPU[$l,$c]}" "$ocpu" "$ccpu" "$rss"
    echo "HRESULT label=$l conns=$c rate=${RATE[$l,$c]} mb_per_s=${MBS[$l,$c]} p50_us=$p50" \
         "p99_us=$p99 errors=$err cpu_us_per_req=${CPU[$l,$c]} origin_cpu_us_per_req=$ocpu" \
         "client_cpu_us_per_req=$ccpu rss_kb=$rss" >>"$RUN/results"
  done
done
echo "# medians of $REPS runs (errors: the worst run). rate/s: requests per second (-ka,"
echo "# -large: one connection per client thread; -cpr, -hs: a new connection, and for https"
echo "# a new TLS handshake, per request). proxy_us, origin_us, client_us: CPU (user+system)"
echo "# of temoinctl serve, of nginx's worker and of bench-https per request. rss_kb: the"
echo "# proxy's VmRSS after a run (the largest); ${RSS_START:-?} kB after the warm-up," \
     "${RSS_END:-?} kB at the end."
cat "$RUN/results"

ratio() {  # ratio WHAT NUM DEN CONNS ARRAY
  local -n arr=$5
  local a=${arr[$2,$4]:--} b=${arr[$3,$4]:--} r=-
  if [ "$a" != - ] && [ "$b" != - ] && awk -v b="$b" 'BEGIN { exit !(b > 0) }'; then
    r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')
  fi
  echo "HRATIO what=$1 num=$2 den=$3 conns=$4 ratio=$r"
}
for c in $CONNS; do
  ratio keepalive_rps inspected-ka plain-ka "$c" RATE
  ratio keepalive_rps inspected-ka tunnel-ka "$c" RATE
  ratio new_conns_per_s inspected-hs plain-cpr "$c" RATE
  ratio handshakes_per_s inspected-hs tunnel-hs "$c" RATE
  ratio large_mb_per_s inspected-large plain-large "$c" MBS
  ratio large_mb_per_s inspected-large tunnel-large "$c" MBS
  ratio cpu_per_req inspected-ka plain-ka "$c" CPU
  ratio cpu_per_conn inspected-hs plain-cpr "$c" CPU
done

f=$(printf '%s\n' "${FIRST[@]}" | grep . | median)
s=$(printf '%s\n' "${STEADY[@]}" | grep . | median)
t=$(printf '%s\n' "${TUNNEL1[@]}" | grep . | median)
echo "# first request to a host never seen (a leaf minted, a new upstream TLS connection):"
echo "# median of ${#FIRST[@]} hosts; steady: median p50 of $STEADY_REQUESTS handshakes to a host"
echo "# already seen; tunnel: the same through the blind tunnel (about what one TLS handshake"
echo "# with nginx costs). All at 1 connection, whole request included, in µs."
echo "HFIRST first_us=$f steady_us=$s tunnel_us=$t hosts=${#FIRST[@]}"
echo "# the proxy once every client had gone: RSS after the warm-up and at the end (kB),"
echo "# sockets left in CLOSE-WAIT (closed by the client, never by the proxy), open files."
echo "HPROXY rss_start_kb=${RSS_START:--} rss_end_kb=${RSS_END:--} close_wait=$CLOSE_WAIT fds=$FDS"
[ $KEEP = 1 ] && echo "# raw figures: $RAW"
exit 0
