#!/usr/bin/env bash
# The speed issue's benchmark (bench/bench_models.cpp): the encoder layer, the seed MLP, the
# embedding model, the encoder's GEMM shapes and a fused 16M-float expression in neuron, against
# Eigen, memcpy, the one-core FMA peak and the same models traced by torch.jit and run by libtorch.
# Installs what it needs (PyTorch to make the fixtures, libtorch-dev for the torch/ column), makes
# the fixtures once (bench/make_bench_models.py: weights, inputs, TorchScript and ONNX files),
# builds bench_models with the native flags, prints the machine's load and the BLAS that libtorch
# uses, and runs the benchmark with 5 repetitions (medians in the ratio table).
# scripts/bench.sh runs this benchmark with the others and writes BENCHMARKS.md.
# Usage: scripts/bench_models.sh [extra benchmark args]   Build dir: build/ (override with BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh --tests --bench
build="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"
fixtures="$build/bench/models_fixtures"

if [[ ! -f "$fixtures/cases.json" || bench/make_bench_models.py -nt "$fixtures/cases.json" ]]; then
  /usr/bin/python3 bench/make_bench_models.py "$fixtures"
fi

# Configure only what is not configured yet (keeps the build dir's other settings).
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNEURON_BUILD_BENCH=ON -DNEURON_BENCH_NATIVE=ON
else
  cmake -S . -B "$build" -DNEURON_BUILD_BENCH=ON -DNEURON_BENCH_NATIVE=ON >/dev/null
fi
cmake --build "$build" -j "$jobs" --target bench_models

# Which BLAS libtorch's f32 GEMMs (linear, addmm) run on: Debian's libtorch links libblas.so.3,
# whichever alternative provides it (netlib reference BLAS unless OpenBLAS or BLIS is installed).
torch_cpu=$(find /usr/lib -name 'libtorch_cpu.so*' -print -quit 2>/dev/null || true)
if [[ -n "$torch_cpu" ]]; then
  blas=$(ldd "$torch_cpu" | awk '/libblas/ {print $3}')
  if [[ -n "$blas" ]]; then
    real=$(readlink -f "$blas")
    echo "libtorch BLAS: $blas -> $real (package: $(dpkg -S "$real" 2>/dev/null | cut -d: -f1))"
  fi
fi
if [[ -f "$fixtures/encoder/torchscript_path.txt" ]]; then
  echo "torch encoder TorchScript graph: $(cat "$fixtures/encoder/torchscript_path.txt")"
fi
echo "load before the run: $(uptime)"

# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set, force an old OpenBLAS kernel on libtorch.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE NEURON_BENCH_MODELS="$fixtures" \
  "$build/bench/bench_models" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true "$@"
echo "load after the run: $(uptime)"
