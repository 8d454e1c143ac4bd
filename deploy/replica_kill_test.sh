#!/usr/bin/env bash
# Scale-out test: three neuron-serve replicas behind nginx, load from wrk, one replica SIGKILLed
# mid-run and restarted on the same port. The client must see no failed request: nginx retries
# what the dead replica could not answer on another one (passive health checks), and the
# restarted replica must take traffic again. The one exception no proxy can hide: a response
# whose headers nginx had already passed on when the kill cut its body (see CUT_MID_BODY).
#
#   deploy/replica_kill_test.sh BUILD_DIR [DURATION_S]     (DURATION_S default 60)
#
# BUILD_DIR holds tools/serve/neuron-serve and tests/serve/neuron_make_serve_repository (or set
# NEURON_SERVE and NEURON_MAKE_SERVE_REPOSITORY; NGINX and WRK likewise). All files go to
# BUILD_DIR/replica_test/ (repository, nginx config/logs/temp, replica logs, wrk output).
# Timeline: wrk runs DURATION_S; at DURATION_S/3 one replica is SIGKILLed, 5 s later restarted on
# its port, then waited for (/v2/health/ready, bounded).
# Pass: wrk made requests; zero non-200 responses (counted by deploy/wrk_infer.lua and by wrk),
# zero socket errors (connect/write/timeout; read errors only as many as nginx logged responses
# of the killed replica cut mid-body); the restarted replica became ready and served
# requests again. Exit 0 pass, 1 fail, 77 skip (nginx or wrk not installed).
# Loopback only; every wait is bounded; a trap stops everything this script started.
set -uo pipefail

usage() { echo "usage: $0 BUILD_DIR [DURATION_S]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
BUILD_DIR=$(cd "$1" 2>/dev/null && pwd) || { echo "FAIL: no directory $1" >&2; exit 1; }
DURATION=${2:-60}
[[ $DURATION =~ ^[0-9]+$ ]] && ((DURATION >= 12)) || { echo "FAIL: DURATION_S must be >= 12" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The binaries' paths can be given (ctest passes $<TARGET_FILE:...>); nginx and wrk too.
SERVE=${NEURON_SERVE:-$BUILD_DIR/tools/serve/neuron-serve}
MAKE_REPO=${NEURON_MAKE_SERVE_REPOSITORY:-$BUILD_DIR/tests/serve/neuron_make_serve_repository}
LUA=$HERE/wrk_infer.lua
NGINX=${NGINX:-$(command -v nginx || true)}
[[ -z $NGINX && -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx  # not on a non-root PATH
WRK=${WRK:-$(command -v wrk || true)}
if [[ ! -x $NGINX || ! -x $WRK ]]; then
  echo "SKIP: needs nginx and wrk (Debian: apt-get install nginx-light wrk)"
  exit 77
fi
for f in "$SERVE" "$MAKE_REPO"; do
  [[ -x $f ]] || { echo "FAIL: $f not built" >&2; exit 1; }
done
[[ -f $LUA ]] || { echo "FAIL: $LUA missing" >&2; exit 1; }

WORK=$BUILD_DIR/replica_test
rm -rf -- "$WORK"
mkdir -p "$WORK/logs" "$WORK/tmp"

KILL_AT=$((DURATION / 3))
RESTART_AFTER=5
READY_TIMEOUT=60       # s, a replica's start (load + warm-up)
WRK_TIMEOUT=${WRK_TIMEOUT:-2s}   # wrk's per-request timeout (its default)
VICTIM=1               # index of the replica that is killed (0-based)

declare -a PIDS=() PORTS=() REQ_PORTS=()
NGINX_PID="" WRK_PID=""

# sleep that a trapped signal interrupts at once (bash runs traps only between commands).
nap() { sleep "$1" & wait $!; }

log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }

# A child that exited but is not reaped yet (a zombie) still answers kill -0.
alive() {
  [[ -n $1 ]] && kill -0 "$1" 2>/dev/null && [[ $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

stop_pid() {  # pid signal grace_s: signal, wait up to grace_s, then SIGKILL
  local pid=$1 sig=$2 grace=$3 i
  alive "$pid" || { [[ -n $pid ]] && { wait "$pid"; } 2>/dev/null; return 0; }
  kill -s "$sig" "$pid" 2>/dev/null
  for ((i = 0; i < grace * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null
  { wait "$pid"; } 2>/dev/null
  return 0
}

cleanup() {
  local i
  trap - EXIT INT TERM
  stop_pid "$WRK_PID" TERM 2
  stop_pid "$NGINX_PID" QUIT 5  # first: its idle keep-alive connections would delay the replicas
  for i in "${!PIDS[@]}"; do stop_pid "${PIDS[$i]}" TERM 10; done
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 1' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# HTTP status of GET 127.0.0.1:port/path, or 000 (bash /dev/tcp: no curl needed).
http_status() {
  local line
  line=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$2" >&3; head -n 1 <&3' _ "$1" "$2" \
    2>/dev/null) || { echo 000; return; }
  line=${line%$'\r'}
  set -- $line
  echo "${2:-000}"
}

# Starts replica $1 on port $2 (0 = let it pick; it writes the port to its port file).
# One OpenMP thread each: three replicas, nginx and wrk share 2 cores.
start_replica() {
  local i=$1 port=$2
  rm -f "$WORK/replica$i.port"
  REQ_PORTS[$i]=$port
  OMP_NUM_THREADS=1 "$SERVE" --model-repository "$REPO" --model mlp --host 127.0.0.1 --threads 1 \
    --http-port "$port" --grpc-port=-1 --port-file "$WORK/replica$i.port" \
    >>"$WORK/logs/replica$i.log" 2>&1 &
  PIDS[$i]=$!
}

# Waits until replica $1 is ready (bounded); sets PORTS[$1] from its port file.
wait_ready() {
  local i=$1 deadline=$((SECONDS + READY_TIMEOUT)) port
  while ((SECONDS < deadline)); do
    if ! alive "${PIDS[$i]}"; then
      { wait "${PIDS[$i]}"; } 2>/dev/null
      echo "replica $i exited (status $?) before it was ready; its log:" >&2
      tail -n 20 "$WORK/logs/replica$i.log" >&2
      return 1
    fi
    port=""
    if [[ -s $WORK/replica$i.port ]]; then
      port=$(sed -n 's/.*"http"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$WORK/replica$i.port")
    elif [[ ${REQ_PORTS[$i]} != 0 ]]; then
      port=${REQ_PORTS[$i]}
    fi
    if [[ -n $port ]]; then
      if [[ $(http_status "$port" /v2/health/ready) == 200 ]]; then
        PORTS[$i]=$port
        return 0
      fi
    fi
    sleep 0.2
  done
  echo "replica $i not ready after ${READY_TIMEOUT}s" >&2
  return 1
}

# ---- model repository ---------------------------------------------------------------------------
log "making the test repository in $WORK/repo"
"$MAKE_REPO" "$WORK/repo" >"$WORK/logs/make_repository.log" 2>&1 || {
  echo "FAIL: neuron_make_serve_repository failed:" >&2; cat "$WORK/logs/make_repository.log" >&2; exit 1; }
REPO=$WORK/repo/models
[[ -f $REPO/mlp/1/model.neuron ]] || { echo "FAIL: no $REPO/mlp/1/model.neuron" >&2; exit 1; }

# ---- three replicas -----------------------------------------------------------------------------
for i in 0 1 2; do start_replica "$i" 0; done
for i in 0 1 2; do wait_ready "$i" || { echo "FAIL: replica $i did not start" >&2; exit 1; }; done
log "replicas ready on ports ${PORTS[*]} (pids ${PIDS[*]})"

# ---- nginx --------------------------------------------------------------------------------------
NGINX_PORT=$(free_port)
USER_LINE=""
# A root master would run its worker as nobody, who cannot write to $WORK.
[[ $(id -u) == 0 ]] && USER_LINE="user root;"
cat >"$WORK/nginx.conf" <<EOF
# Written by deploy/replica_kill_test.sh
$USER_LINE
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/nginx_error.log warn;
events { worker_connections 1024; }
http {
  log_format upstreams '\$msec|\$status|\$upstream_addr|\$upstream_status|\$request_time';
  access_log $WORK/logs/nginx_access.log upstreams;
  client_body_temp_path $WORK/tmp/client_body;
  proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fastcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi;
  scgi_temp_path $WORK/tmp/scgi;
  client_body_buffer_size 1m;   # infer bodies stay in memory, so a retry can resend them
  client_max_body_size 16m;

  upstream neuron_serve {
    # Passive health checks: one failure takes a replica out for 2 s, then it is tried again.
    server 127.0.0.1:${PORTS[0]} max_fails=1 fail_timeout=2s;
    server 127.0.0.1:${PORTS[1]} max_fails=1 fail_timeout=2s;
    server 127.0.0.1:${PORTS[2]} max_fails=1 fail_timeout=2s;
    keepalive 16;
    keepalive_timeout 20s;  # below neuron-serve's idle keep-alive timeout (30 s): nginx closes first
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://neuron_serve;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # POST is non-idempotent: without non_idempotent nginx would not retry an infer request.
      proxy_next_upstream error timeout http_502 http_503 http_429 non_idempotent;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
      proxy_send_timeout 10s;
      proxy_read_timeout 10s;
    }
  }
}
EOF
"$NGINX" -t -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/logs/nginx_error.log" \
  >"$WORK/logs/nginx_t.log" 2>&1 || { echo "FAIL: nginx -t:" >&2; cat "$WORK/logs/nginx_t.log" >&2; exit 1; }
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/logs/nginx_error.log" -g 'daemon off;' \
  >"$WORK/logs/nginx_stdout.log" 2>&1 &
NGINX_PID=$!
for ((t = 0; t < 50; t++)); do
  [[ $(http_status "$NGINX_PORT" /v2/health/ready) == 200 ]] && break
  sleep 0.2
done
[[ $(http_status "$NGINX_PORT" /v2/health/ready) == 200 ]] || {
  echo "FAIL: nginx on $NGINX_PORT does not answer" >&2; cat "$WORK/logs/nginx_error.log" >&2; exit 1; }
log "nginx on 127.0.0.1:$NGINX_PORT (pid $NGINX_PID)"

# ---- load, kill, restart ------------------------------------------------------------------------
URL=http://127.0.0.1:$NGINX_PORT/v2/models/mlp/infer
log "wrk -t 2 -c 8 -d ${DURATION}s --latency --timeout $WRK_TIMEOUT -s $LUA $URL"
timeout $((DURATION + 30)) "$WRK" -t 2 -c 8 -d "${DURATION}s" --latency --timeout "$WRK_TIMEOUT" \
  -s "$LUA" "$URL" >"$WORK/wrk.out" 2>&1 &
WRK_PID=$!
T0=$SECONDS

nap "$KILL_AT"
VICTIM_PORT=${PORTS[$VICTIM]}
log "SIGKILL replica $VICTIM (pid ${PIDS[$VICTIM]}, port $VICTIM_PORT) at t=$((SECONDS - T0))s"
KILL_MSEC=$(date +%s.%N)
kill -KILL "${PIDS[$VICTIM]}"
{ wait "${PIDS[$VICTIM]}"; } 2>/dev/null
nap "$RESTART_AFTER"

RESTARTED=0
for attempt in 1 2 3; do
  log "restarting replica $VICTIM on port $VICTIM_PORT (attempt $attempt)"
  start_replica "$VICTIM" "$VICTIM_PORT"
  if wait_ready "$VICTIM"; then
    if [[ ${PORTS[$VICTIM]} == "$VICTIM_PORT" ]]; then RESTARTED=1; break; fi
    echo "replica $VICTIM came back on port ${PORTS[$VICTIM]}, not $VICTIM_PORT" >&2
  fi
  stop_pid "${PIDS[$VICTIM]}" TERM 5
  sleep 1
done
READY_AT=$((SECONDS - T0))
READY_MSEC=$(date +%s.%N)
((RESTARTED)) && log "replica $VICTIM ready again at t=${READY_AT}s"

wait "$WRK_PID"
WRK_RC=$?
WRK_PID=""
log "wrk finished (exit $WRK_RC)"

# ---- results ------------------------------------------------------------------------------------
cat "$WORK/wrk.out"
RESULT=$(grep '^WRK_RESULT ' "$WORK/wrk.out" | tail -n 1)
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $RESULT"; }
REQUESTS=$(field requests); RPS=$(field rps); P50=$(field p50_ms); P99=$(field p99_ms)
CONNECT=$(field connect); READ=$(field read); WRITE=$(field write); TIMEOUT=$(field timeout)
STATUS=$(field status); NON200=$(field non200); BADBODY=$(field badbody)
# wrk's own lines as a cross-check of the Lua counters.
SOCKET_LINE=$(grep -m1 'Socket errors' "$WORK/wrk.out" || true)
NON2XX_LINE=$(grep -m1 'Non-2xx or 3xx responses' "$WORK/wrk.out" || true)

ACCESS=$WORK/logs/nginx_access.log
# Access log fields: msec|status|upstream addresses|upstream statuses|time; a retried request lists
# several upstreams, ", "-separated, the last one being the one that answered.
RETRIED=$(awk -F'|' '$3 ~ /,/ { n++ } END { print n + 0 }' "$ACCESS")
UPSTREAM_FAILS=$(awk -F'|' '{ k = split($4, s, /[ ,:]+/); for (j = 1; j <= k; j++) if (s[j] ~ /^(429|502|503|504)$/) n++ }
  END { print n + 0 }' "$ACCESS")
AFTER_RESTART=$(awk -F'|' -v t="$READY_MSEC" -v a="127.0.0.1:$VICTIM_PORT" \
  '$1 > t { k = split($3, u, /[ ,:]+/); if (u[k - 1] ":" u[k] == a) n++ } END { print n + 0 }' "$ACCESS")
DURING_DOWN=$(awk -F'|' -v t0="$KILL_MSEC" -v t1="$READY_MSEC" '$1 > t0 && $1 < t1 { n++ } END { print n + 0 }' "$ACCESS")
NGINX_REFUSED=$(grep -c 'Connection refused' "$WORK/logs/nginx_error.log" || true)
NGINX_PREMATURE=$(grep -c 'prematurely closed\|reset by peer' "$WORK/logs/nginx_error.log" || true)
# A response the killed replica had begun to send: nginx had passed its status line and headers on
# to the client and then lost the body ("... while reading upstream", not "... response header
# from upstream"). No proxy can retry such a request, and cpp-httplib writes a response's headers
# and body in two send() calls, so SIGKILL can land between them. Each costs the client one
# connection (a wrk read error); they are counted apart and are the only socket errors allowed.
CUT_MID_BODY=$(grep -E 'while reading upstream' "$WORK/logs/nginx_error.log" |
  grep -c "upstream: \"http://127.0.0.1:$VICTIM_PORT/" || true)
CUT_ELSEWHERE=$(grep -E 'while reading upstream' "$WORK/logs/nginx_error.log" |
  grep -vc "upstream: \"http://127.0.0.1:$VICTIM_PORT/" || true)

# Graceful stop (SIGTERM) of the replicas: exit status 0 expected; reported, not judged here.
# nginx goes first: it holds idle keep-alive connections to the replicas, and neuron-serve waits
# for an idle keep-alive connection to time out (30 s) before it exits.
stop_pid "$NGINX_PID" QUIT 5
NGINX_PID=""
TERM_CODES=""
for i in 0 1 2; do
  pid=${PIDS[$i]}
  if alive "$pid"; then
    t_start=$(date +%s%N)
    kill -TERM "$pid"
    for ((t = 0; t < 150; t++)); do alive "$pid" || break; sleep 0.1; done
    ms=$((($(date +%s%N) - t_start) / 1000000))
    if alive "$pid"; then
      TERM_CODES+=" hung>${ms}ms"
      stop_pid "$pid" KILL 1
    else
      { wait "$pid"; } 2>/dev/null
      TERM_CODES+=" $?(${ms}ms)"
    fi
  else
    TERM_CODES+=" gone"
  fi
  unset "PIDS[$i]"
done

printf '\n== replica kill test (%s s, 3 replicas, replica %s killed at %s s, restarted %s s later) ==\n' \
  "$DURATION" "$VICTIM" "$KILL_AT" "$RESTART_AFTER"
printf '%-50s %s\n' \
  "requests" "${REQUESTS:-?}" \
  "requests/s" "${RPS:-?}" \
  "latency p50 / p99 (ms)" "${P50:-?} / ${P99:-?}" \
  "non-200 responses (Lua; wrk status errors)" "${NON200:-?}; ${STATUS:-?}" \
  "200 without output_0" "${BADBODY:-?}" \
  "socket errors connect/read/write/timeout" "${CONNECT:-?}/${READ:-?}/${WRITE:-?}/${TIMEOUT:-?}" \
  "wrk: socket error line" "${SOCKET_LINE:-none}" \
  "wrk: non-2xx line" "${NON2XX_LINE:-none}" \
  "nginx: requests retried on another replica" "$RETRIED" \
  "nginx: failed upstream tries (429/502/503/504)" "$UPSTREAM_FAILS" \
  "nginx: connection refused / reset (error log)" "$NGINX_REFUSED / $NGINX_PREMATURE" \
  "responses cut mid-body by the kill (not retryable)" "$CUT_MID_BODY (elsewhere: $CUT_ELSEWHERE)" \
  "requests while the replica was down" "$DURING_DOWN" \
  "restarted replica ready at" "$( ((RESTARTED)) && echo "t=${READY_AT}s" || echo never)" \
  "requests it served after the restart" "$AFTER_RESTART" \
  "replica exit status (time) after SIGTERM" "${TERM_CODES# }"
grep -m1 '^WRK_NON200 ' "$WORK/wrk.out" || true
grep -m1 '^WRK_FIRST_BAD ' "$WORK/wrk.out" || true

FAIL=()
[[ -n $RESULT ]] || FAIL+=("no WRK_RESULT line from wrk (exit $WRK_RC)")
((WRK_RC == 0)) || FAIL+=("wrk exited $WRK_RC")
[[ ${REQUESTS:-0} -gt 0 ]] || FAIL+=("no requests")
[[ ${NON200:-1} == 0 && ${STATUS:-1} == 0 && -z $NON2XX_LINE ]] || FAIL+=("non-200 responses")
[[ ${BADBODY:-1} == 0 ]] || FAIL+=("200 responses without output_0")
# Socket errors: none, except one read error per response the kill cut after its headers (above).
[[ ${CONNECT:-1}${WRITE:-1}${TIMEOUT:-1} == 000 ]] || FAIL+=("socket errors (connect/write/timeout)")
((${READ:-1} <= CUT_MID_BODY)) ||
  FAIL+=("${READ:-?} read errors at the client, only $CUT_MID_BODY of them from responses the kill cut mid-body")
((CUT_ELSEWHERE == 0)) || FAIL+=("$CUT_ELSEWHERE responses cut mid-body by a replica that was not killed")
((RESTARTED)) || FAIL+=("the killed replica did not come back on port $VICTIM_PORT")
((AFTER_RESTART > 0)) || FAIL+=("the restarted replica served no request")
if ((${#FAIL[@]})); then
  printf 'FAIL: %s\n' "${FAIL[@]}"
  echo "logs: $WORK/logs"
  exit 1
fi
echo "PASS"
exit 0
