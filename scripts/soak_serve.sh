#!/usr/bin/env bash
# Soak test of neuron-serve: the tests' repository (mlp, JSON requests through deploy/wrk_infer.lua)
# at fixed concurrency for DURATION seconds with wrk, sampling the server's resident memory
# (VmRSS) every 10 s. Passes when, after a warmup of WARMUP seconds, every sample stays within 5%
# of the first one after the warmup, and wrk saw no errors.
# Usage: scripts/soak_serve.sh [BUILD_DIR] [DURATION_S (600)] [CONCURRENCY (8)] [WARMUP_S (60)]
# Needs the build (neuron-serve, neuron_make_serve_repository) and wrk (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
duration="${2:-600}"
conc="${3:-8}"
warmup="${4:-60}"
work="$build/soak"
rm -rf "$work"
mkdir -p "$work"
"$build/tests/serve/neuron_make_serve_repository" "$work/repo" >/dev/null
"$build/tools/serve/neuron-serve" --model-repository "$work/repo/models" --http-port 0 \
  --grpc-port -1 --port-file "$work/ports.json" --model mlp >"$work/server.log" 2>&1 &
server=$!
load=""
trap 'kill "$server" $load 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [[ -f "$work/ports.json" ]] && grep -q ready "$work/server.log" && break
  sleep 0.1
done
port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$work/ports.json")
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
echo "soak: neuron-serve pid $server on port $port, concurrency $conc for $duration s; $(lscpu | sed -n 's/^Model name: *//p')"
wrk -t 2 -c "$conc" -d "${duration}s" --latency -s deploy/wrk_infer.lua \
  "http://127.0.0.1:$port/v2/models/mlp/infer" >"$work/wrk.txt" 2>&1 &
load=$!
echo "t_s rss_kb" >"$work/rss.txt"
start=$SECONDS
while kill -0 "$load" 2>/dev/null; do
  echo "$((SECONDS - start)) $(rss)" | tee -a "$work/rss.txt"
  sleep 10
done
wait "$load" || true
cat "$work/wrk.txt"
python3 - "$work/rss.txt" "$warmup" "$work/wrk.txt" <<'PY'
import re, sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]).read().splitlines()[1:] if l.strip()]
warm = int(sys.argv[2])
after = [r for t, r in rows if t >= warm]
if not after:
    sys.exit("soak: no samples after the warmup")
base = after[0]
worst = max(abs(r - base) / base for r in after)
wrk = open(sys.argv[3]).read()
errors = re.search(r"Socket errors: (.*)", wrk)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk)
print(f"soak: RSS after {warm} s warmup: first {base} kB, min {min(after)} kB, max {max(after)} kB,"
      f" last {after[-1]} kB; largest change {100 * worst:.2f}% (limit 5%)")
print(f"soak: wrk socket errors: {errors.group(1) if errors else 'none'};"
      f" non-2xx: {non2xx.group(1) if non2xx else 0}")
sys.exit(0 if worst <= 0.05 and not errors and not non2xx else 1)
PY
