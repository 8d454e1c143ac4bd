#!/usr/bin/env bash
# Builds neuron with its tests and runs them all (ctest). Installs missing packages first.
# Usage: scripts/test.sh [extra ctest args]      Build dir: build/ (override with BUILD_DIR).
# The benchmarks are built to check that they compile, against the regular library; the bench
# scripts build them against the -O3 -march=native copy (NEURON_BENCH_NATIVE=ON) to time them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh --tests
build="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNEURON_BUILD_TESTS=ON \
  -DNEURON_BUILD_EXAMPLES=ON -DNEURON_BUILD_BENCH=ON -DNEURON_BENCH_NATIVE=OFF
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs" "$@"
