#!/usr/bin/env bash
# neuron against ONNX Runtime on this machine's drifting speed: runs the two alternately, ROUNDS
# times (default 3), and prints each case's median over the rounds and the ratios of medians.
# One bench.sh run times every neuron case first and ONNX Runtime minutes later, when the machine
# may run tens of percent faster or slower (a 2-vCPU guest); alternating puts both sides in the
# same stretches of time. Needs what scripts/bench.sh made in BUILD_DIR (default build-bench):
# the programs, the fixtures and the ONNX Runtime virtualenv.
# Usage: scripts/bench_versus_ort.sh [workload ...]   (default: encoder bert resnet18 mobilenet_v2)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build-bench}"
rounds="${ROUNDS:-3}"
fixtures="$build/bench/models_fixtures"
out="$build/bench/versus_ort"
workloads=("$@")
if ((${#workloads[@]} == 0)); then workloads=(encoder bert resnet18 mobilenet_v2); fi
threads=$(nproc)
alt=$(IFS='|'; echo "${workloads[*]}")
rm -rf "$out"
mkdir -p "$out"
for ((r = 1; r <= rounds; r++)); do
  echo "== round $r of $rounds"
  NEURON_BENCH_THREADS="$threads" NEURON_BENCH_MODELS="$fixtures" "$build/bench/bench_models" \
    --benchmark_filter="^neuron/($alt)(_onnx)?_t[0-9]+\$" --benchmark_min_time=0.5 \
    --benchmark_out="$out/models_$r.json" --benchmark_out_format=json >/dev/null
  NEURON_BENCH_THREADS="$threads" NEURON_VISION_FIXTURES="$fixtures" "$build/bench/bench_vision" \
    --benchmark_filter="^neuron/($alt)_t[0-9]+\$" --benchmark_min_time=0.5 \
    --benchmark_out="$out/vision_$r.json" --benchmark_out_format=json >/dev/null
  "$build/bench/venv/bin/python" bench/time_onnxruntime.py "$fixtures" "$out/ort_$r.json" \
    --threads "$threads" --reps 1 --cases "$(IFS=,; echo "${workloads[*]}")" >/dev/null
done
/usr/bin/python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys, glob, re
out, rounds = sys.argv[1], int(sys.argv[2])
times = {}  # (workload, column, threads) -> [ms per round]
for f in glob.glob(out + "/models_*.json") + glob.glob(out + "/vision_*.json"):
    for b in json.load(open(f))["benchmarks"]:
        m = re.match(r"neuron/(.+?)(_onnx)?_t(\d+)$", b["name"])
        if m and b.get("run_type") == "iteration":
            scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0}[b["time_unit"]]
            key = (m.group(1), "imported" if m.group(2) else "traced", int(m.group(3)))
            times.setdefault(key, []).append(b["real_time"] * scale)
for f in glob.glob(out + "/ort_*.json"):
    for c in json.load(open(f))["results"]:
        times.setdefault((c["case"], "ort", c["threads"]), []).append(c["median_s"] * 1e3)
print(f"medians over {rounds} alternating rounds, ms")
print(f"{'workload':14} {'thr':>3} {'traced':>9} {'imported':>9} {'ORT':>9} {'trc/ORT':>8} {'imp/ORT':>8}")
for w, t in sorted({(w, t) for (w, _, t) in times}):
    med = {c: statistics.median(times[(w, c, t)]) for c in ("traced", "imported", "ort") if (w, c, t) in times}
    def ratio(c):
        return f"{med[c] / med['ort']:.2f}" if c in med and "ort" in med else "-"
    cell = lambda c: f"{med[c]:.2f}" if c in med else "-"
    print(f"{w:14} {t:>3} {cell('traced'):>9} {cell('imported'):>9} {cell('ort'):>9} {ratio('traced'):>8} {ratio('imported'):>8}")
PY
