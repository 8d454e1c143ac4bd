#!/usr/bin/env bash
# Serving benchmark: neuron-serve against a server a user would pick instead, on the same machine
# in the same run, over the KServe v2 / Open Inference Protocol: resnet18 and the BERT-style
# encoder ("bert") of bench/make_bench_models.py, at concurrency 1, 8 and 32 over REST and at
# concurrency 1 over gRPC too, dynamic batching on and off. Three servers, each alone on the
# machine in turn:
#   neuron-serve (ONNX)                  the ONNX file exported with a dynamic batch axis
#                                        (bench/make_serve_models.py), imported and traced by
#                                        neuron-serve at load
#   neuron-serve (.neuron from the DSL)  the same weights in the same models written in neuron's
#                                        C++ DSL (examples/), traced with trace_buckets over the
#                                        batch by bench/make_serve_neuron_models.cpp: what a neuron
#                                        user deploys (config.json names the tensors as the ONNX
#                                        file does, so the same requests work)
#   the peer                             Triton Inference Server through PyTriton (nvidia-pytriton
#                                        from PyPI, which bundles Triton's server binary) running
#                                        the ONNX file with ONNX Runtime
#                                        (bench/serve_peer_pytriton.py), its dynamic batcher set
#                                        like neuron-serve's config.json
# Steps:
#   1. the models (bench/make_serve_models.py, remade when it or make_bench_models.py is newer)
#   2. neuron-serve, bench/serve_direct_call and bench/make_serve_neuron_models, built in BUILD_DIR
#      unless NEURON_SERVE names a binary; then the .neuron files (make_serve_neuron_models checks
#      their outputs against torch's before writing them)
#   3. virtualenvs under build-bench/serve/ with pinned versions: the peer (nvidia-pytriton,
#      onnxruntime) and the load generator (perf_analyzer, shipped by tritonclient 2.51's wheel:
#      the last one whose binary runs on Debian 12's glibc 2.36; it needs libcudart.so.12, from
#      nvidia-cuda-runtime-cu12, and Debian's libb64-0d). Without PyPI the peer is skipped with a
#      message, and wrk (Debian's, with a Lua script sending the binary-extension request) is the
#      generator: REST only, no gRPC rows. ONE generator measures every server of a run.
#   4. per batching mode: each server alone on the machine (started, outputs checked against
#      torch's, every model and concurrency measured, its /metrics saved, stopped). Just before a
#      model's concurrency-1 points, with the server up and idle, the direct call, the floor under
#      its latency: bench/serve_direct_call times DIRECT_CALLS TracedModule calls on one request's
#      inputs (the ONNX file traced as neuron-serve traces it, or the .neuron file), and
#      serve_peer_pytriton.py --direct-call times ONNX Runtime's session.run for the peer. A model
#      whose dynamic-batch ONNX import fails in neuron-serve (bert, so far) is served by it from
#      the same file traced at batch 1 (config.json onnx_input_shapes, no dynamic batching): its
#      rows say "fixed batch 1" and serve.md quotes the load error
#   5. build-bench/serve/serve.md (bench/serve_report.py): the throughput table (throughput, p50, p99, neuron / peer
#      throughput ratio) and the serving overhead at concurrency 1 (served latency minus the
#      direct call's, REST and gRPC, against the targets: REST <= 300 us, gRPC <= 200 us at p99),
#      CPU, load average; then spliced into BENCHMARKS.md between <!-- serve:begin --> and
#      <!-- serve:end --> (appended the first time; bench/make_benchmarks_md.py keeps it)
# At concurrency 1 perf_analyzer measures 3 windows of at least C1_REQUESTS / 3 requests each
# (count windows: >= 1000 requests for a stable p99); other points are 3 time windows of
# SECONDS_PER_POINT / 3.
# The load generator runs on the same cores as the servers (2 on the reference machine), so it
# takes CPU time from them, the same for every server; serve.md says so.
# Usage: scripts/bench_serve.sh
# Environment: BUILD_DIR (default build), NEURON_SERVE (a neuron-serve binary: no build),
#   NEURON_DIRECT_CALL (a serve_direct_call binary; default BUILD_DIR/bench/serve_direct_call),
#   NEURON_MAKE_MODELS (a make_serve_neuron_models binary; default BUILD_DIR/bench/...),
#   NEURON_BUILD_LOCK (build under `flock` on this file), JOBS (build jobs, default nproc),
#   MODELS ("resnet18 bert"), CONCURRENCY ("1 8 32"), BATCHING ("on off"), SECONDS_PER_POINT (24),
#   C1_REQUESTS (1000), DIRECT_CALLS (1000), THREADS (intra-op threads of every server, default
#   nproc), INSTANCES (1), MAX_BATCH_SIZE (16), MAX_QUEUE_DELAY_US (500), PREFERRED_BATCH_SIZES
#   (none, e.g. "4,8"), NEURON_VARIANTS ("onnx dsl"), PEERS ("pytriton" or "none"), GENERATOR
#   ("perf_analyzer" or "wrk"; default: perf_analyzer when it runs), BENCHMARKS_MD (BENCHMARKS.md;
#   "none": not spliced), REPORT_ONLY (1: only the report of the last run, bench/serve_report.py).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
out="build-bench/serve"
build="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"
models_list=${MODELS:-"resnet18 bert"}
conc_list=${CONCURRENCY:-"1 8 32"}
batch_modes=${BATCHING:-"on off"}
seconds=${SECONDS_PER_POINT:-24}
c1_requests=${C1_REQUESTS:-1000}
direct_calls=${DIRECT_CALLS:-1000}
threads=${THREADS:-$(nproc)}
instances=${INSTANCES:-1}
max_batch=${MAX_BATCH_SIZE:-16}
delay_us=${MAX_QUEUE_DELAY_US:-500}
preferred=${PREFERRED_BATCH_SIZES:-}
variants=${NEURON_VARIANTS:-"onnx dsl"}
peers=${PEERS:-pytriton}
benchmarks_md=${BENCHMARKS_MD:-BENCHMARKS.md}
pytriton_version=0.7.0
ort_version=1.32.0 # as scripts/bench.sh
tritonclient_version=2.51.0
cudart_version=12.6.77
lock=()
if [[ -n "${NEURON_BUILD_LOCK:-}" ]]; then lock=(flock "$NEURON_BUILD_LOCK"); fi
models_dir="$out/models"
run="$out/run"
if [[ -n "${REPORT_ONLY:-}" ]]; then # the report of the last run again (after editing it)
  md_args=()
  if [[ "$benchmarks_md" != none ]]; then md_args=(--benchmarks-md "$benchmarks_md"); fi
  exec /usr/bin/python3 bench/serve_report.py "$run" --out "$out/serve.md" "${md_args[@]}"
fi
mkdir -p "$out"
rm -rf "$run"
mkdir -p "$run"
results="$run/results.jsonl"
: >"$results"
notes="$run/notes.md" # lines for serve.md: what ran, what was skipped and why
: >"$notes"
note() { echo "$*" | tee -a "$notes"; }
for v in $variants; do
  [[ "$v" == onnx || "$v" == dsl ]] || { echo "unknown variant '$v' (onnx, dsl)" >&2; exit 2; }
done

pids=() # servers this script started; stopped on exit
stop_pid() { # and reaps it, so that its CPU time counts as this script's children's
  local pid=$1
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
# CPU time (jiffies) of all CPUs: busy and total; and this script's reaped children's.
cpu_jiffies() { awk '/^cpu / {b = $2 + $3 + $4 + $7 + $8 + $9; print b, b + $5 + $6}' /proc/stat; }
child_jiffies() { awk '{print $16 + $17}' "/proc/$$/stat"; }
cleanup() { for p in "${pids[@]}"; do stop_pid "$p"; done; }
trap cleanup EXIT

echo "== 1. models ($models_dir)"
if [[ ! -f "$models_dir/models.json" || bench/make_serve_models.py -nt "$models_dir/models.json" ||
  bench/make_bench_models.py -nt "$models_dir/models.json" ]]; then
  rm -rf "$models_dir"
  fixtures=()
  if [[ -f build-bench/bench/models_fixtures/cases.json ]]; then
    fixtures=(--fixtures build-bench/bench/models_fixtures)
  fi
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/make_serve_models.py \
    "$models_dir" "${fixtures[@]}" 2>&1 | grep -v -i "warning" || true
  [[ -f "$models_dir/models.json" ]] || { echo "bench/make_serve_models.py failed" >&2; exit 1; }
fi

echo "== 2. neuron-serve, the direct call and the .neuron files"
direct="${NEURON_DIRECT_CALL:-$build/bench/serve_direct_call}"
make_neuron="${NEURON_MAKE_MODELS:-$build/bench/make_serve_neuron_models}"
if [[ -n "${NEURON_SERVE:-}" ]]; then
  server="$NEURON_SERVE"
else
  server="$build/tools/serve/neuron-serve"
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    "${lock[@]}" cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNEURON_BUILD_SERVER=ON \
      -DNEURON_BUILD_BENCH=ON -DNEURON_BUILD_TESTS=OFF -DNEURON_BUILD_EXAMPLES=OFF
  fi
  targets=(--target neuron-serve)
  have=$("${lock[@]}" cmake --build "$build" --target help 2>/dev/null || true)
  for t in serve_direct_call make_serve_neuron_models; do
    if grep -q "$t" <<<"$have"; then targets+=(--target "$t"); fi
  done
  "${lock[@]}" cmake --build "$build" -j "$jobs" "${targets[@]}"
fi
[[ -x "$server" ]] || { echo "no neuron-serve at $server" >&2; exit 1; }
if [[ " $variants " == *" dsl "* ]]; then
  if [[ ! -x "$make_neuron" ]]; then
    note "- neuron-serve (.neuron from the DSL): SKIPPED, no $make_neuron" \
      "(bench/make_serve_neuron_models.cpp not built)"
    variants=${variants//dsl/}
  else
    need=0
    for m in $models_list; do
      f="$models_dir/$m/model.neuron"
      if [[ ! -f "$f" || "$make_neuron" -nt "$f" || "$models_dir/$m/weights.safetensors" -nt "$f" ]]
      then need=1; fi
    done
    if ((need)); then
      # shellcheck disable=SC2086
      if ! "$make_neuron" "$models_dir" $models_list >"$models_dir/make_serve_neuron_models.log" \
        2>&1; then
        note "- neuron-serve (.neuron from the DSL): SKIPPED, make_serve_neuron_models failed:" \
          "$(tail -1 "$models_dir/make_serve_neuron_models.log" | cut -c1-600)"
        variants=${variants//dsl/}
      fi
    fi
    touch "$models_dir/make_serve_neuron_models.log"
    cat "$models_dir/make_serve_neuron_models.log"
    while read -r line; do
      note "- neuron-serve (.neuron from the DSL): ${line#NOTE: }"
    done < <(grep '^NOTE: ' "$models_dir/make_serve_neuron_models.log" || true)
  fi
fi

echo "== 3. peer and load generator (virtualenvs in $out)"
pip_install() { # venv log packages...: a venv with these pinned packages, made once
  local venv=$1 log=$2
  shift 2
  local want="$*"
  if [[ -x "$venv/bin/python" && "$(cat "$venv/.packages" 2>/dev/null)" == "$want" ]]; then
    return 0
  fi
  rm -rf "$venv"
  if /usr/bin/python3 -m venv "$venv" >"$log" 2>&1 &&
    "$venv/bin/pip" install --quiet --timeout 60 --retries 2 "$@" >>"$log" 2>&1; then
    echo "$want" >"$venv/.packages"
    return 0
  fi
  return 1
}
free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
# error_row SERVER MODEL BATCHING CONCURRENCY PROTOCOL MESSAGE: a failed point, in $results.
error_row() {
  /usr/bin/python3 -c 'import json, sys
s, m, b, c, p, e = sys.argv[1:]
print(json.dumps({"server": s, "model": m, "batching": b, "concurrency": int(c), "protocol": p,
                  "error": e}))' "$@" >>"$results"
}

active_peers=()
for peer in $peers; do
  case "$peer" in
  none) ;;
  pytriton)
    venv="$out/venv-pytriton"
    if ! pip_install "$venv" "$run/pip-pytriton.log" "nvidia-pytriton==$pytriton_version" \
      "onnxruntime==$ort_version"; then
      note "- peer Triton (PyTriton $pytriton_version): SKIPPED, pip install failed (PyPI" \
        "unreachable?): $(grep -v '^\s*$' "$run/pip-pytriton.log" | tail -1)"
      continue
    fi
    tritonserver=$("$venv/bin/python" -c 'import os, pytriton
print(os.path.join(os.path.dirname(pytriton.__file__), "tritonserver", "bin", "tritonserver"))')
    missing=$(ldd "$tritonserver" 2>&1 | grep -E "not found" | sort -u || true)
    if [[ -z "$missing" ]]; then
      active_peers+=(pytriton)
      note "- peer: Triton Inference Server (the tritonserver of PyTriton $pytriton_version)," \
        "ONNX Runtime $ort_version (CPU) called from Python by bench/serve_peer_pytriton.py"
    else
      note "- peer Triton (PyTriton $pytriton_version): SKIPPED, its tritonserver cannot run" \
        "here: $(echo "$missing" | head -3 | tr '\n' ' ')"
    fi
    ;;
  *)
    echo "unknown peer '$peer' (PEERS: pytriton or none)" >&2
    exit 2
    ;;
  esac
done

generator=${GENERATOR:-}
pa_venv="$out/venv-perf-analyzer"
pa="$pa_venv/bin/perf_analyzer"
pa_env=()
if [[ -z "$generator" || "$generator" == perf_analyzer ]]; then
  if ! ldconfig -p | grep -q 'libb64\.so\.0d'; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q libb64-0d >"$run/apt-libb64.log" 2>&1 ||
      true
  fi
  if pip_install "$pa_venv" "$run/pip-perf-analyzer.log" "tritonclient==$tritonclient_version" \
    "nvidia-cuda-runtime-cu12==$cudart_version"; then
    cudart=$(echo "$pa_venv"/lib/python3*/site-packages/nvidia/cuda_runtime/lib)
    pa_env=(env "LD_LIBRARY_PATH=$cudart${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
    if pa_version=$("${pa_env[@]}" "$pa" --version 2>&1) && [[ "$pa_version" == *Version* ]]; then
      generator=perf_analyzer
    else
      note "- perf_analyzer (tritonclient $tritonclient_version) does not run here:" \
        "$(echo "$pa_version" | head -2 | tr '\n' ' ')"
    fi
  else
    note "- perf_analyzer: pip install tritonclient==$tritonclient_version failed:" \
      "$(grep -v '^\s*$' "$run/pip-perf-analyzer.log" | tail -1)"
  fi
  [[ "$generator" == perf_analyzer ]] || generator=""
fi
if [[ -z "$generator" || "$generator" == wrk ]]; then
  if ! command -v wrk >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >"$run/apt-wrk.log" 2>&1 || true
  fi
  command -v wrk >/dev/null || { echo "no load generator (perf_analyzer, wrk)" >&2; exit 1; }
  generator=wrk
fi
c1_windows=$(((c1_requests + 2) / 3))
if [[ "$generator" == perf_analyzer ]]; then
  protocols_c1="http grpc"
  note "- load generator: $pa_version (tritonclient $tritonclient_version wheel), REST (HTTP)" \
    "at every concurrency and gRPC at concurrency 1, synchronous requests, binary tensor data" \
    "(REST); concurrency 1: 3 windows of at least $c1_windows requests, otherwise 3 windows of" \
    "$((seconds * 1000 / 3)) ms per point"
else
  protocols_c1="http"
  note "- load generator: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), one thread," \
    "keep-alive connections = concurrency, binary tensor data (Lua), ${seconds} s per point;" \
    "REST only (wrk has no gRPC): no gRPC rows"
fi

inputs_of() { # MODEL: its batch-1 input files, in the model's order
  /usr/bin/python3 -c 'import json, sys
e = next(e for e in json.load(open(sys.argv[1])) if e["name"] == sys.argv[2])
print(" ".join(sys.argv[3] + "/" + i["file"] for i in e["inputs"]))' \
    "$models_dir/models.json" "$1" "$models_dir/$1"
}

direct_json="$run/direct.jsonl"
: >"$direct_json"
if [[ ! -x "$direct" ]]; then
  note "- direct call: no $direct (bench/serve_direct_call.cpp not built), neuron-serve's" \
    "overhead not measured"
fi
# direct SERVER MODEL: the direct call under SERVER's latency, measured while SERVER is up and idle
# just before its concurrency-1 points for MODEL (so that both see the machine in the same state),
# as a line of $direct_json: a TracedModule call of the file neuron-serve loads (neuron-onnx: the
# ONNX file traced as neuron-serve traces it, neuron-dsl: the .neuron file), or ONNX Runtime's
# session.run for the peer.
direct() {
  local srv=$1 m=$2 log="$run/direct_${1}_${2}_$mode.log" line ins cmd
  read -r -a ins <<<"$(inputs_of "$m")"
  case "$srv" in
  neuron-onnx) cmd=("$direct" "$models_dir/$m/model.onnx") ;;
  neuron-dsl) cmd=("$direct" "$models_dir/$m/model.neuron") ;;
  *) cmd=("$out/venv-$srv/bin/python" bench/serve_peer_pytriton.py --direct-call
    "$models_dir/$m/model.onnx") ;;
  esac
  if [[ "$srv" == neuron-* && ! -x "$direct" ]]; then return 0; fi
  if line=$("${cmd[@]}" "${ins[@]}" --calls "$direct_calls" --threads "$threads" 2>"$log"); then
    echo "$line" | /usr/bin/python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
d["server"], d["name"], d["batching"] = sys.argv[1:]
print(json.dumps(d))' "$srv" "$m" "$mode" >>"$direct_json"
    echo "direct call for $srv, $m: $line"
  else
    note "- direct call for $srv, $m, batching $mode failed: $(tail -1 "$log" | cut -c1-300)"
  fi
}

# measure SERVER MODEL BATCHING CONCURRENCY PROTOCOL PORT HTTP_PORT [NOTE]: one point, appended
# to $results (PORT: the protocol's; HTTP_PORT: for the model's config).
measure() {
  local srv=$1 m=$2 mode=$3 c=$4 proto=$5 port=$6 hport=$7 extra=${8:-}
  local tag="${1}_${2}_${3}_c${4}_$5"
  local log="$run/$tag.log"
  if [[ "$srv" == neuron-* ]]; then
    curl -s --max-time 10 "http://127.0.0.1:$hport/metrics" >"$run/$tag.metrics0" || true
  fi
  if [[ "$generator" == perf_analyzer ]]; then
    # The input data's shapes: without the batch dim when the server's config batches.
    local data="$models_dir/$m/perf_data.json"
    local mbs_now
    mbs_now=$(curl -s "http://127.0.0.1:$hport/v2/models/$m/config" | /usr/bin/python3 -c \
      'import json, sys; print(json.load(sys.stdin).get("max_batch_size", 0))' 2>/dev/null || true)
    if [[ "$mbs_now" == 0 ]]; then
      data="$models_dir/$m/perf_data_nobatch.json"
    fi
    local window=(--measurement-interval $((seconds * 1000 / 3)) --max-trials 10)
    if [[ "$c" == 1 ]]; then
      window=(--measurement-mode count_windows --measurement-request-count "$c1_windows"
        --max-trials 3)
    fi
    local ok=0 attempt
    for attempt in 1 2; do
      if "${pa_env[@]}" "$pa" -m "$m" -u "127.0.0.1:$port" -i "$proto" \
        --concurrency-range "$c:$c" --input-data "$data" "${window[@]}" \
        --stability-percentage 999 --percentile 99 --max-threads "$c" \
        -f "$run/$tag.csv" >"$log" 2>&1; then
        ok=1
        break
      fi
      # Over gRPC perf_analyzer reads max_batch_size with Triton's ModelConfig RPC; a server
      # without it (neuron-serve so far) looks non-batching to it, so it wants the batch dim in
      # the data: the same batch-1 request, which the server still batches.
      if [[ $attempt == 1 && "$proto" == grpc && "$data" == */perf_data.json ]] &&
        grep -q "incompatible with the model's input shape" "$log"; then
        cp "$log" "$run/$tag.first.log"
        if [[ ! -f "$run/noted_modelconfig_$srv" ]]; then
          touch "$run/noted_modelconfig_$srv"
          note "- $srv over gRPC: perf_analyzer could not read the batching model's" \
            "max_batch_size (Triton's ModelConfig RPC; REST's /config has it) and refused the" \
            "request without the batch dim: \"$(grep -m1 '^error' "$log" | cut -c1-200)\";" \
            "measured with the batch dim in the request (rows say so), which the server batches" \
            "as any other"
        fi
        data="$models_dir/$m/perf_data_nobatch.json"
        extra="${extra:+$extra; }no gRPC ModelConfig: batch dim sent"
        continue
      fi
      break
    done
    if ((!ok)); then
      echo "$tag: perf_analyzer failed: $(tail -2 "$log" | tr '\n' ' ')"
      error_row "$srv" "$m" "$mode" "$c" "$proto" \
        "perf_analyzer failed: $(grep -v '^\s*$' "$log" | tail -1 | cut -c1-200)"
      return 0
    fi
    if [[ "$srv" == neuron-* ]]; then
      curl -s --max-time 10 "http://127.0.0.1:$hport/metrics" >"$run/$tag.metrics1" || true
    fi
    /usr/bin/python3 - "$run/$tag.csv" "$log" "$srv" "$m" "$mode" "$c" "$proto" "$extra" \
      "$run/$tag.metrics0" "$run/$tag.metrics1" >>"$results" <<'EOF'
import csv, json, os, re, sys
path, log, srv, m, mode, c, proto, extra, m0, m1 = sys.argv[1:]
row = next(csv.DictReader(open(path)))
text = open(log).read()
count = re.search(r"Client:\s*\n\s*Request count: (\d+)", text)
d = {"server": srv, "model": m, "batching": mode, "concurrency": int(c), "protocol": proto,
     "throughput": float(row["Inferences/Second"]), "p50_ms": float(row["p50 latency"]) / 1000,
     "p99_ms": float(row["p99 latency"]) / 1000,
     "requests": int(count.group(1)) if count else None, "note": extra}

def metrics(path):  # neuron-serve's /metrics: {name: value} for this model's series
    if not os.path.exists(path):
        return {}
    pat = re.compile(r'^(\w+)\{model="' + re.escape(m) + r'",version="\d+"\} (\S+)$')
    return {g[1]: float(g[2]) for g in map(pat.match, open(path)) if g}
a, b = metrics(m0), metrics(m1)
n = b.get("neuron_request_duration_us_count", 0) - a.get("neuron_request_duration_us_count", 0)
if n > 0:  # the server's own view of this point: mean request, queue and compute time (us)
    for k in ("request", "queue", "compute"):
        s = f"neuron_{k}_duration_us_sum"
        d[f"server_{k}_us"] = round((b.get(s, 0) - a.get(s, 0)) / n, 1)
    d["server_failures"] = (b.get("neuron_inference_request_failure_total", 0) -
                            a.get("neuron_inference_request_failure_total", 0))
print(json.dumps(d))
EOF
  else
    local hlen
    hlen=$(/usr/bin/python3 -c \
      'import json, sys; print(json.load(open(sys.argv[1]))["header_length"])' \
      "$models_dir/$m/request.json")
    cat >"$run/$tag.lua" <<EOF
local f = assert(io.open("$models_dir/$m/request.bin", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.headers["Inference-Header-Content-Length"] = "$hlen"
EOF
    local secs=$seconds
    if [[ "$c" == 1 && "$secs" -lt 30 ]]; then secs=30; fi
    if ! wrk -t1 -c"$c" -d"${secs}s" --timeout 30s --latency -s "$run/$tag.lua" \
      "http://127.0.0.1:$port/v2/models/$m/infer" >"$log" 2>&1; then
      error_row "$srv" "$m" "$mode" "$c" "$proto" "wrk failed: $(tail -1 "$log" | cut -c1-200)"
      return 0
    fi
    /usr/bin/python3 - "$log" "$srv" "$m" "$mode" "$c" "$proto" "$extra" >>"$results" <<'EOF'
import json, re, sys
log, srv, m, mode, c, proto, extra = sys.argv[1:]
text = open(log).read()
def ms(v, unit):
    return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]
pct = {p: ms(v, u) for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)}
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
count = re.search(r"(\d+) requests in", text)
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
d = {"server": srv, "model": m, "batching": mode, "concurrency": int(c), "protocol": proto,
     "throughput": rps, "p50_ms": pct.get("50"), "p99_ms": pct.get("99"),
     "requests": int(count.group(1)) if count else None, "note": extra}
if bad:
    d["error"] = f"{bad.group(1)} non-2xx responses"
print(json.dumps(d))
EOF
  fi
  tail -1 "$results"
}

# measure_all SERVER HTTP_PORT GRPC_PORT [FIXED]: every model and concurrency of a server (REST),
# and concurrency 1 over gRPC too; FIXED lists the models served at a fixed batch of 1.
measure_all() {
  local srv=$1 hp=$2 gp=$3 fixed_models=${4:- } m c extra proto port
  for m in $models_list; do
    extra=""
    if [[ "$fixed_models" == *" $m "* ]]; then extra="fixed batch 1"; fi
    for c in $conc_list; do
      if [[ "$c" == 1 ]]; then direct "$srv" "$m"; fi
      for proto in http grpc; do
        if [[ "$proto" == grpc && ("$c" != 1 || " $protocols_c1 " != *" grpc "*) ]]; then continue; fi
        port=$hp
        if [[ "$proto" == grpc ]]; then port=$gp; fi
        measure "$srv" "$m" "$mode" "$c" "$proto" "$port" "$hp" "$extra"
      done
    done
  done
}

# wait_ready PID LOG WHAT: until LOG shows the ready line, or the process ends (10 min at most).
wait_ready() {
  local pid=$1 log=$2 pattern=$3
  for _ in $(seq 1200); do
    if grep -q "$pattern" "$log" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.5
  done
  return 1
}

check_outputs() { # SERVER PORT [FIXED]: the outputs of every model against torch's
  local srv=$1 port=$2 fixed_models=${3:- }
  for m in $models_list; do
    local only=()
    if [[ "$fixed_models" == *" $m "* ]]; then only=(--batch1); fi
    local log="$run/check_${srv}_${m}_$mode.log"
    if /usr/bin/python3 bench/make_serve_models.py --check "http://127.0.0.1:$port" "$m" \
      "$models_dir/$m" "${only[@]}" >"$log" 2>&1; then
      echo "$srv $m: $(tail -1 "$log")"
    else
      note "- $srv, $m, batching $mode: outputs DIFFER from torch's or the request failed:" \
        "$(tr '\n' ' ' <"$log" | cut -c1-400)"
    fi
  done
}

# write_config PATH MODEL MAX_BATCH_SIZE FIXED NAMES: neuron-serve's config.json for a model;
# FIXED=1: traced at batch 1 (the inputs' shapes from models.json), no dynamic batching; NAMES=1:
# input_names and output_names from models.json (a .neuron file has no tensor names).
write_config() {
  /usr/bin/python3 - "$@" "$delay_us" "$preferred" "$instances" "$models_dir/models.json" <<'EOF'
import json, sys
path, m, mbs, fixed, names, delay, preferred, instances, manifest = sys.argv[1:]
entry = next(e for e in json.load(open(manifest)) if e["name"] == m)
c = {"max_batch_size": int(mbs), "instances": int(instances)}
if fixed == "1":
    c = {"max_batch_size": 0, "instances": int(instances),
         "onnx_input_shapes": {i["name"]: i["shape"] for i in entry["inputs"]}}
elif int(mbs) > 1:
    c["max_queue_delay_us"] = int(delay)
    if preferred:
        c["preferred_batch_sizes"] = [int(b) for b in preferred.split(",")]
if names == "1":
    c["input_names"] = [i["name"] for i in entry["inputs"]]
    c["output_names"] = [o["name"] for o in entry["outputs"]]
json.dump(c, open(path, "w"))
EOF
}

# save_metrics SERVER PORT: the server's Prometheus metrics after its runs (evidence for serve.md).
save_metrics() {
  curl -s --max-time 10 "http://127.0.0.1:$2/metrics" >"$run/metrics_${1}_$mode.txt" 2>/dev/null ||
    true
}

# run_neuron VARIANT: neuron-serve on a repository of the variant's files (onnx: model.onnx, with
# the fixed-batch fallback; dsl: model.neuron), checked, measured, stopped.
run_neuron() {
  local v=$1 srv="neuron-$1" file=model.onnx names=0 fixed=" " attempt m is_fixed retry why
  if [[ "$v" == dsl ]]; then file=model.neuron; names=1; fi
  local repo="$run/repo_${v}_$mode" spid="" port gport log t0
  for attempt in 1 2; do
    for m in $models_list; do
      mkdir -p "$repo/$m/1"
      ln -f "$models_dir/$m/$file" "$repo/$m/1/$file" 2>/dev/null ||
        cp "$models_dir/$m/$file" "$repo/$m/1/$file"
      is_fixed=0
      if [[ "$fixed" == *" $m "* ]]; then is_fixed=1; fi
      write_config "$repo/$m/config.json" "$m" "$mbs" "$is_fixed" "$names"
    done
    echo "-- $srv, batching $mode ($(cat "$repo/${models_list%% *}/config.json"))"
    log="$run/${srv}_${mode}_$attempt.log"
    rm -f "$run/ports_${v}_$mode.json"
    "$server" --model-repository "$repo" --http-port 0 --grpc-port 0 --host 127.0.0.1 \
      --port-file "$run/ports_${v}_$mode.json" --threads "$threads" >"$log" 2>&1 &
    spid=$!
    pids+=("$spid")
    t0=$(date +%s)
    if ! wait_ready "$spid" "$log" "neuron-serve: ready"; then
      note "- $srv, batching $mode: did not become ready: $(tail -3 "$log" | tr '\n' ' ')"
      stop_pid "$spid"
      return 0
    fi
    echo "$srv ready in $(($(date +%s) - t0)) s"
    port=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' \
      "$run/ports_${v}_$mode.json")
    gport=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["grpc"])' \
      "$run/ports_${v}_$mode.json")
    retry=0
    for m in $models_list; do
      if ! curl -sf "http://127.0.0.1:$port/v2/models/$m/ready" >/dev/null; then
        why=$(grep -m1 "model '$m' version .* failed to load" "$log" | cut -c1-600)
        if [[ "$v" != onnx || "$fixed" == *" $m "* || $attempt == 2 ]]; then
          note "- $srv, $m, batching $mode: not loaded: ${why:-see $log}"
        else
          note "- $srv, $m, batching $mode: the dynamic-batch import FAILED (${why:-see" \
            "$log}); fallback: the same file traced at a fixed batch of 1 (config.json" \
            "onnx_input_shapes), dynamic batching off"
          fixed+="$m "
          retry=1
        fi
      fi
    done
    if ((retry)); then stop_pid "$spid"; continue; fi
    break
  done
  check_outputs "$srv" "$port" "$fixed"
  measure_all "$srv" "$port" "$gport" "$fixed"
  save_metrics "$srv" "$port"
  stop_pid "$spid"
}

echo "== 4. runs (generator: $generator; load: $(cat /proc/loadavg))"
command="scripts/bench_serve.sh" # as run, with the settings that change what is measured
for v in MODELS CONCURRENCY BATCHING SECONDS_PER_POINT C1_REQUESTS DIRECT_CALLS THREADS INSTANCES \
  MAX_BATCH_SIZE MAX_QUEUE_DELAY_US PREFERRED_BATCH_SIZES NEURON_VARIANTS PEERS GENERATOR; do
  if [[ -n "${!v:-}" ]]; then command="$v=${!v} $command"; fi
done
/usr/bin/python3 -c 'import json, sys
k = ("command", "generator", "threads", "instances", "max_batch_size", "max_queue_delay_us",
     "preferred", "seconds_per_point", "c1_windows", "direct_calls")
json.dump(dict(zip(k, sys.argv[2:])), open(sys.argv[1], "w"), indent=1)' "$run/settings.json" \
  "$command" "$generator" "$threads" "$instances" "$max_batch" "$delay_us" "$preferred" \
  "$seconds" "$c1_windows" "$direct_calls"
cat /proc/loadavg >"$run/loadavg_before"
read -r busy0 total0 < <(cpu_jiffies)
child0=$(child_jiffies)
tree=clean
if [[ -n "$(git status --porcelain --untracked-files=no)" ]]; then tree=dirty; fi
printf '%s %s %s\n' "$(git rev-parse --short HEAD)" "$tree" \
  "$(date -u '+%Y-%m-%d %H:%M UTC')" >"$run/source"
for mode in $batch_modes; do
  if [[ "$mode" == on ]]; then mbs=$max_batch; else mbs=0; fi
  for v in $variants; do run_neuron "$v"; done

  for peer in "${active_peers[@]}"; do
    echo "-- $peer, batching $mode"
    log="$run/${peer}_$mode.log"
    hp=$(free_port)
    gp=$(free_port)
    while [[ "$gp" == "$hp" ]]; do gp=$(free_port); done
    margs=()
    for m in $models_list; do margs+=(--model "$m=$models_dir/$m/model.onnx"); done
    "$out/venv-pytriton/bin/python" bench/serve_peer_pytriton.py "${margs[@]}" --http-port "$hp" \
      --grpc-port "$gp" --max-batch-size "$mbs" --max-queue-delay-us "$delay_us" \
      --preferred-batch-sizes "$preferred" --instances "$instances" --threads "$threads" \
      >"$log" 2>&1 &
    ppid=$!
    pids+=("$ppid")
    t0=$(date +%s)
    if wait_ready "$ppid" "$log" "peer: ready"; then
      echo "$peer ready in $(($(date +%s) - t0)) s ($(grep -m1 -o 'server_version *| *[0-9.]*' \
        "$log" | tr -s ' |' ' '))"
      check_outputs "$peer" "$hp"
      measure_all "$peer" "$hp" "$gp"
    else
      note "- $peer, batching $mode: did not become ready: $(grep -E 'Error|error|peer:' "$log" |
        tail -3 | tr '\n' ' ' | cut -c1-400)"
    fi
    stop_pid "$ppid"
  done
done
cat /proc/loadavg >"$run/loadavg_after"
read -r busy1 total1 < <(cpu_jiffies)
child1=$(child_jiffies)
# jiffies other processes used during the runs, jiffies of all CPUs (as scripts/bench.sh)
echo "$((busy1 - busy0 - (child1 - child0))) $((total1 - total0))" >"$run/other_cpu"

echo "== 5. report ($out/serve.md)"
/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["seconds"] = int(sys.argv[2])
json.dump(d, open(sys.argv[1], "w"), indent=1)' "$run/settings.json" "$(($(date +%s) - started))"
md_args=()
if [[ "$benchmarks_md" != none ]]; then md_args=(--benchmarks-md "$benchmarks_md"); fi
/usr/bin/python3 bench/serve_report.py "$run" --out "$out/serve.md" "${md_args[@]}"
echo "bench_serve.sh: $(($(date +%s) - started)) s"
