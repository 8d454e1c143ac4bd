#!/usr/bin/env bash
# Benchmarks torchvision's resnet18 and mobilenet_v2 in neuron (eager, lazy, traced) against the
# same models traced by torch.jit and run by libtorch, on 1 and 2 threads (bench/bench_vision.cpp).
# Installs what it needs (PyTorch + torchvision to make the fixtures, libtorch-dev for the torch/
# column), makes the fixtures once (weights + TorchScript files), builds bench_vision, runs it.
# Usage: scripts/bench_vision.sh [extra benchmark args]   Build dir: build/ (override with BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh --tests --bench
build="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"
fixtures="$build/bench/vision_fixtures"

missing=0
for m in resnet18 mobilenet_v2; do
  for f in "$fixtures/$m/weights.safetensors" "$fixtures/$m/${m}_b1.pt"; do
    [[ -f "$f" ]] || missing=1
  done
done
if ((missing)); then
  /usr/bin/python3 tests/fixtures/make_vision_model_fixtures.py "$fixtures" --torchscript
fi

# Configure only what is not configured yet (keeps the build dir's other settings).
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNEURON_BUILD_BENCH=ON -DNEURON_BENCH_NATIVE=ON
else
  cmake -S . -B "$build" -DNEURON_BUILD_BENCH=ON -DNEURON_BENCH_NATIVE=ON >/dev/null
fi
cmake --build "$build" -j "$jobs" --target bench_vision

# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set, force an old OpenBLAS kernel on libtorch.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE NEURON_VISION_FIXTURES="$fixtures" \
  "$build/bench/bench_vision" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true "$@"
