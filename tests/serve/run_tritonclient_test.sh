#!/usr/bin/env bash
# Drives a real neuron-serve with NVIDIA's own Python client (tritonclient, unchanged, from PyPI):
# tests/serve/tritonclient_test.py says what it checks. ctest runs it after the build.
#
#  1. A virtualenv (BUILD_DIR/serve_venv, or $SERVE_VENV) on Debian's /usr/bin/python3 gets the
#     pinned packages below, each with --no-deps and --only-binary: the list is the whole closure
#     of tritonclient[http,grpc], so pip resolves nothing and compiles nothing; `pip check` then
#     proves the closure complete. It is reused while the pins are unchanged.
#  2. tests/serve/check_proto_against_tritonclient.py compares tools/serve/grpc_predict_v2.proto
#     with the descriptors tritonclient ships (skipped without protoc or the proto).
#  3. BUILD_DIR/tests/serve/neuron_make_serve_repository writes BUILD_DIR/serve_repo_tc.
#  4. BUILD_DIR/tools/serve/neuron-serve starts on 127.0.0.1, ports 0 (--port-file says which);
#     we wait (at most 60 s) for GET /v2/health/ready and its "neuron-serve: ready" line.
#  5. The Python test runs (at most 300 s).
#  6. SIGTERM: the server must exit with code 0 within 20 s.
# The server is killed on every way out of this script (trap), and only loopback is used.
#
# Usage: tests/serve/run_tritonclient_test.sh BUILD_DIR
# Exit codes: 0 passed, 77 skipped (PyPI cannot be reached, or no python3-venv), anything else failed.
set -euo pipefail

readonly SKIP=77
if (($# != 1)); then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$(cd "$1" && pwd)"
venv="${SERVE_VENV:-$build/serve_venv}"
python=/usr/bin/python3
server_bin="$build/tools/serve/neuron-serve"
make_repo="$build/tests/serve/neuron_make_serve_repository"
proto="$root/tools/serve/grpc_predict_v2.proto"
repo="$build/serve_repo_tc"
host=127.0.0.1

# No --system-site-packages: Debian's numpy 1.24 would do for tritonclient, but its dist-packages
# also hold urllib3 1.26 (tritonclient needs >= 2.0.7), no usable protobuf (the generated
# service_pb2 needs >= 6.30) and whatever else a machine has, so a sealed venv with every package
# pinned is the one that behaves the same on every machine. Costs ~45 MB of wheels, once.
# tritonclient 2.73.0 (the newest on PyPI when written) with the versions it resolves to on
# Python 3.11; all are manylinux/pure wheels for cp311.
pins=(
  tritonclient==2.73.0
  # core requirements
  numpy==2.4.6
  ml-dtypes==0.5.4
  python-rapidjson==1.25
  urllib3==2.8.0
  # [http]: the gevent client (and aiohttp for tritonclient.http.aio)
  geventhttpclient==2.6.1
  gevent==26.9.0
  greenlet==3.3.2
  zope.event==6.2
  zope.interface==8.7
  certifi==2026.10.19.post1
  brotli==1.2.1
  aiohttp==3.14.5
  aiohappyeyeballs==2.7.1
  aiosignal==1.4.0
  attrs==26.1.0
  frozenlist==1.8.0
  multidict==7.2.1
  propcache==0.5.4
  yarl==1.25.1
  idna==3.21
  # [grpc]
  grpcio==1.85.4
  protobuf==6.33.6
  packaging==26.4
  typing-extensions==4.16.0
)

skip() {
  echo "serve_tritonclient: SKIPPED: $*" >&2
  exit "$SKIP"
}
fail() {
  echo "serve_tritonclient: FAILED: $*" >&2
  exit 1
}
log() { echo "serve_tritonclient: $*"; }

[[ -x "$server_bin" ]] || fail "$server_bin is not built"
[[ -x "$make_repo" ]] || fail "$make_repo is not built"

# --- 1. the virtualenv ---------------------------------------------------------------------------
stamp="$(printf '%s\n' "${pins[@]}" | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$venv/neuron-pins.stamp" 2>/dev/null)" != "$stamp" ]]; then
  [[ -x "$python" ]] || skip "$python not found"
  rm -rf "$venv"
  "$python" -m venv "$venv" || skip "cannot make a virtualenv in $venv (install python3-venv)"
  mkdir -p "$build/serve_logs"
  piplog="$build/serve_logs/pip-install.log"
  log "installing tritonclient and its pinned dependencies into $venv"
  start=$SECONDS
  if ! "$venv/bin/python" -m pip install --no-deps --only-binary :all: --disable-pip-version-check \
    --progress-bar off --timeout 60 --retries 2 -q "${pins[@]}" >"$piplog" 2>&1; then
    tail -n 15 "$piplog" >&2
    rm -rf "$venv"
    # Offline (or the index unreachable) is a skip; anything else (a pin that vanished, a wheel
    # missing for this platform) is a real failure that must be seen.
    if grep -qiE 'NewConnectionError|Max retries exceeded|Temporary failure in name resolution|Network is unreachable|Connection (refused|reset)|timed out|ProxyError|SSLError|Could not fetch URL' "$piplog"; then
      skip "pip cannot reach the package index; see $piplog"
    fi
    fail "pip could not install the pinned packages; see $piplog"
  fi
  "$venv/bin/python" -m pip check --disable-pip-version-check >>"$piplog" 2>&1 || {
    tail -n 15 "$piplog" >&2
    fail "the pinned closure is incomplete or inconsistent (pip check); fix the pins in $0"
  }
  echo "$stamp" >"$venv/neuron-pins.stamp"
  log "virtualenv ready in $((SECONDS - start)) s"
fi
vpy="$venv/bin/python"

# --- 2. our .proto against tritonclient's descriptors ---------------------------------------------
if [[ -f "$proto" ]] && command -v protoc >/dev/null; then
  log "checking $proto against tritonclient's grpc descriptors"
  "$vpy" "$here/check_proto_against_tritonclient.py" "$proto" || fail "proto check failed"
else
  log "proto check skipped (no $proto or no protoc)"
fi

# --- 3. the model repository ----------------------------------------------------------------------
rm -rf "$repo"
"$make_repo" "$repo" || fail "$make_repo $repo failed"

# --- 4. the server ----------------------------------------------------------------------------------
work="$(mktemp -d)"
port_file="$work/ports.json"
server_log="$work/server.log"
server_pid=""
cleanup() {
  local rc=$?
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if ((rc != 0)) && [[ -s "$server_log" ]]; then
    echo "--- server output (last 40 lines) ---" >&2
    tail -n 40 "$server_log" >&2
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$server_bin" --model-repository "$repo/models" --http-port 0 --grpc-port 0 --host "$host" \
  --port-file "$port_file" >"$server_log" 2>&1 &
server_pid=$!
log "started neuron-serve (pid $server_pid)"

# Bounded wait for the port file, then for /v2/health/ready (200 once every model is loaded or
# has failed), then for the ready line; the server dying meanwhile fails at once.
deadline=$((SECONDS + 60))
http_port="" grpc_port=""
while ((SECONDS < deadline)); do
  kill -0 "$server_pid" 2>/dev/null || fail "neuron-serve exited before it was ready"
  if [[ -z "$http_port" && -s "$port_file" ]]; then
    read -r http_port grpc_port < <("$vpy" -c 'import json,sys; p=json.load(open(sys.argv[1])); print(p["http"], p["grpc"])' "$port_file" 2>/dev/null) || http_port=""
  fi
  if [[ -n "$http_port" ]] &&
    curl -sf -o /dev/null --max-time 2 "http://$host:$http_port/v2/health/ready" &&
    grep -q '^neuron-serve: ready' "$server_log"; then
    break
  fi
  sleep 0.2
done
[[ -n "$http_port" ]] || fail "no port file $port_file within 60 s"
curl -sf -o /dev/null --max-time 2 "http://$host:$http_port/v2/health/ready" ||
  fail "GET /v2/health/ready was not 200 within 60 s"
grep -q '^neuron-serve: ready' "$server_log" ||
  fail "/v2/health/ready is 200 but neuron-serve printed no 'neuron-serve: ready' line (stdout not flushed?)"
log "ready after $((60 - (deadline - SECONDS))) s: http $host:$http_port, grpc $host:$grpc_port"

# --- 5. the client test ---------------------------------------------------------------------------
timeout -k 5 300 "$vpy" "$here/tritonclient_test.py" --http-url "$host:$http_port" \
  --grpc-url "$host:$grpc_port" --expected "$repo/expected" || fail "tritonclient_test.py failed"

# --- 6. graceful stop ------------------------------------------------------------------------------
kill -TERM "$server_pid"
for _ in $(seq 200); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server_pid" 2>/dev/null; then
  fail "neuron-serve still running 20 s after SIGTERM"
fi
rc=0
wait "$server_pid" || rc=$?
server_pid=""
((rc == 0)) || fail "neuron-serve exited with code $rc after SIGTERM (expected 0)"
log "neuron-serve stopped on SIGTERM with exit code 0"
log "PASSED"
