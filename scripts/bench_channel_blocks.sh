#!/usr/bin/env bash
# Traced plans with convolution activations NHWC against blocks of 8 channels (nChw8c), on this
# machine, run alternately (NEURON_CONV_CHANNEL_BLOCK=0 and =8) ROUNDS times (default 3): the
# DSL models traced and lazy (bench_vision) and the imported ONNX files (bench_models). Prints each
# case's median over the rounds and blocked / NHWC. Needs what scripts/bench.sh made in BUILD_DIR
# (default build-bench): the programs and the fixtures.
# Usage: scripts/bench_channel_blocks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build-bench}"
rounds="${ROUNDS:-3}"
fixtures="$build/bench/models_fixtures"
out="$build/bench/channel_blocks"
rm -rf "$out"
mkdir -p "$out"
common=(--benchmark_min_time=1 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
  --benchmark_out_format=json)
for ((r = 1; r <= rounds; r++)); do
  echo "== round $r of $rounds"
  for block in 0 8; do
    NEURON_CONV_CHANNEL_BLOCK=$block NEURON_VISION_FIXTURES="$fixtures" "$build/bench/bench_vision" \
      --benchmark_filter='^neuron/(resnet18|mobilenet_v2)_(t1|t2|lazy_t1)$' "${common[@]}" \
      --benchmark_out="$out/vision_${block}_$r.json" >/dev/null
    NEURON_CONV_CHANNEL_BLOCK=$block NEURON_BENCH_MODELS="$fixtures" "$build/bench/bench_models" \
      --benchmark_filter='^neuron/(resnet18|mobilenet_v2)_onnx_t[12]$' "${common[@]}" \
      --benchmark_out="$out/models_${block}_$r.json" >/dev/null
  done
done
/usr/bin/python3 - "$out" "$rounds" <<'PY'
import glob, json, re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
times = {}  # (case, block) -> [ms per round]
for f in glob.glob(out + "/*.json"):
    block = re.search(r"_(\d+)_\d+\.json$", f).group(1)
    for b in json.load(open(f))["benchmarks"]:
        if b.get("aggregate_name") == "median":
            scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0}[b["time_unit"]]
            times.setdefault((b["run_name"], block), []).append(b["real_time"] * scale)
print(f"medians over {rounds} alternating rounds, ms")
print(f"{'case':34} {'NHWC':>9} {'nChw8c':>9} {'8c/NHWC':>8}")
for case in sorted({c for c, _ in times}):
    nhwc, blocked = (statistics.median(times.get((case, b), [float("nan")])) for b in ("0", "8"))
    print(f"{case:34} {nhwc:9.2f} {blocked:9.2f} {blocked / nhwc:8.2f}")
PY
