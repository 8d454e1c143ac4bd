#!/usr/bin/env bash
# One command for BENCHMARKS.md: neuron (eager, lazy, traced; and imported ONNX: the ONNX file
# ONNX Runtime runs, loaded by nr::onnx::load and traced) against TorchScript (libtorch), a
# hand-written Eigen MLP and ONNX Runtime on the encoder layer, the seed MLP (batch 1 and 64),
# the seed embedding model, the BERT-style encoder, resnet18 and mobilenet_v2, on 1 thread and
# all threads (nproc), plus issue 13's kernels (GEMM shapes against the measured FMA peak, a
# fused 16M-float expression against memcpy). Steps:
#   1. installs what it needs (scripts/install_deps.sh --tests --bench)
#   2. makes the fixtures when missing or older than their script (bench/make_bench_models.py:
#      weights, inputs, expected outputs, TorchScript and ONNX files, cases.json)
#   3. builds bench_models and bench_vision (the programs with -O3 -march=native) against the
#      library as users build it: the default build, kernels picked at run time (cpu_isa.hpp)
#   4. a virtualenv with onnxruntime from PyPI (pinned below), made once
#   5. which OpenBLAS kernel libtorch gets (bench/openblas_core.py; see the TorchScript note)
#   6. runs bench_models (its imported ONNX cases cover every workload, resnet18 and
#      mobilenet_v2 included), bench_vision and bench/time_onnxruntime.py one after the other,
#      each with REPS repetitions, JSON out (medians of the repetitions go into the report)
#   7. writes BENCHMARKS.md and docs/benchmarks.png (bench/make_benchmarks_md.py, gnuplot)
# TorchScript runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (an environment may set them
# to force an older OpenBLAS kernel), except when OpenBLAS then detects a pre-AVX2 kernel on a CPU
# with AVX-512: the benchmark command alone then gets the newest kernel with which torch's outputs
# still match the fixtures (recorded in BENCHMARKS.md). neuron does not use BLAS.
# The timed runs want a quiet machine: BENCHMARKS.md records the load average around them.
# Usage: scripts/bench.sh
# Environment: BUILD_DIR (default build-bench), JOBS (build jobs, default nproc), REPS (default
# 5), NEURON_BUILD_LOCK (a file: the build steps run under `flock` on it, for shared machines).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
build="${BUILD_DIR:-build-bench}"
jobs="${JOBS:-$(nproc)}"
reps="${REPS:-5}"
threads=$(nproc)
fixtures="$build/bench/models_fixtures"
run="$build/bench/run"  # this run's JSON, logs and load averages
venv="$build/bench/venv"
ort_version=1.32.0
lock=()
if [[ -n "${NEURON_BUILD_LOCK:-}" ]]; then lock=(flock "$NEURON_BUILD_LOCK"); fi

echo "== 1. dependencies"
scripts/install_deps.sh --tests --bench

echo "== 2. fixtures ($fixtures)"
if [[ ! -f "$fixtures/cases.json" || bench/make_bench_models.py -nt "$fixtures/cases.json" ]]; then
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/make_bench_models.py \
    "$fixtures"
fi

echo "== 3. build ($build)"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  "${lock[@]}" cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNEURON_BUILD_BENCH=ON \
    -DNEURON_BENCH_NATIVE=OFF -DNEURON_BUILD_TESTS=OFF -DNEURON_BUILD_EXAMPLES=OFF
else
  "${lock[@]}" cmake -S . -B "$build" -DNEURON_BUILD_BENCH=ON -DNEURON_BENCH_NATIVE=OFF >/dev/null
fi
"${lock[@]}" cmake --build "$build" -j "$jobs" --target bench_models bench_vision

rm -rf "$run"
mkdir -p "$run"
echo "== 4. ONNX Runtime $ort_version ($venv)"
ort_ok=1
if [[ ! -x "$venv/bin/python" ]] ||
  ! "$venv/bin/python" -c "import onnxruntime as o; assert o.__version__ == '$ort_version'" 2>/dev/null; then
  if ! { /usr/bin/python3 -m venv "$venv" &&
    "$venv/bin/pip" install --quiet "onnxruntime==$ort_version"; } >"$run/pip.log" 2>&1; then
    ort_ok=0
    echo "pip install onnxruntime==$ort_version into $venv failed: $(tail -1 "$run/pip.log")" |
      tee "$run/onnxruntime.log"
  fi
fi

echo "== 5. libtorch's BLAS kernel"
if ! coretype=$(/usr/bin/python3 bench/openblas_core.py "$fixtures" "$run/openblas.json"); then
  echo "bench/openblas_core.py failed: TorchScript runs with OPENBLAS_CORETYPE unset" >&2
  coretype=""
fi
torch_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
if [[ -n "$coretype" ]]; then torch_env+=("OPENBLAS_CORETYPE=$coretype"); fi

# The machine's busy and total CPU time (jiffies, all CPUs; steal counts as busy), and the CPU
# time of this script's finished children: their difference over the runs is what other
# processes took while the benchmarks ran.
cpu_jiffies() { awk '/^cpu / {b = $2 + $3 + $4 + $7 + $8 + $9; print b, b + $5 + $6}' /proc/stat; }
child_jiffies() { awk '{print $16 + $17}' "/proc/$$/stat"; }

echo "== 6. runs ($threads threads at most, $reps repetitions; load: $(cat /proc/loadavg))"
cat /proc/loadavg >"$run/loadavg_before"
# What was measured: the commit (and whether the tree had changes), and when.
printf '%s %s %s\n' "$(git rev-parse HEAD)" \
  "$(if [[ -n "$(git status --porcelain --untracked-files=no)" ]]; then echo dirty; else echo clean; fi)" \
  "$(date -u '+%Y-%m-%d %H:%M UTC')" >"$run/source"
read -r busy0 total0 < <(cpu_jiffies)
child0=$(child_jiffies)
gbench=(--benchmark_repetitions="$reps" --benchmark_display_aggregates_only=true
  --benchmark_out_format=json)
status=0
"${torch_env[@]}" NEURON_BENCH_THREADS="$threads" NEURON_BENCH_MODELS="$fixtures" \
  "$build/bench/bench_models" --benchmark_filter='-(gemm_rule|attention_heads)' "${gbench[@]}" \
  --benchmark_out="$run/bench_models.json" 2>&1 | tee "$run/bench_models.log" || status=1
"${torch_env[@]}" NEURON_BENCH_THREADS="$threads" NEURON_VISION_FIXTURES="$fixtures" \
  "$build/bench/bench_vision" \
  --benchmark_filter='^(neuron|torch)/(resnet18|mobilenet_v2)_(eager_|lazy_)?t[0-9]+$' \
  "${gbench[@]}" --benchmark_out="$run/bench_vision.json" 2>&1 | tee "$run/bench_vision.log" ||
  status=1
if ((ort_ok)); then
  "$venv/bin/python" bench/time_onnxruntime.py "$fixtures" "$run/onnxruntime.json" \
    --threads "$threads" --reps "$reps" 2>&1 | tee "$run/onnxruntime.log" || status=1
fi
cat /proc/loadavg >"$run/loadavg_after"
read -r busy1 total1 < <(cpu_jiffies)
child1=$(child_jiffies)
echo "$((busy1 - busy0 - (child1 - child0))) $((total1 - total0)) $(getconf CLK_TCK)" \
  >"$run/other_cpu" # jiffies other processes used, jiffies of all CPUs, jiffies per second

echo "== 7. report"
mkdir -p docs
command="scripts/bench.sh" # as run, with the settings that change what is measured
for v in REPS BUILD_DIR; do
  if [[ -n "${!v:-}" ]]; then command="$v=${!v} $command"; fi
done
/usr/bin/python3 bench/make_benchmarks_md.py "$run" --out BENCHMARKS.md \
  --chart docs/benchmarks.png --command "$command" --seconds "$(($(date +%s) - started))"
echo "bench.sh: $(($(date +%s) - started)) s"
exit "$status"
