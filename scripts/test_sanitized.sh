#!/usr/bin/env bash
# Builds the unit tests (neuron_tests, and neuron_onnx_tests: the ONNX importer's, hostile files
# included) with AddressSanitizer + UndefinedBehaviorSanitizer and runs them.
# Any report fails the run (-fno-sanitize-recover). Build dir: build-sanitize/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
build="${BUILD_DIR:-build-sanitize}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS="-O1 -g1" -DNEURON_SANITIZE=ON \
  -DNEURON_BUILD_TESTS=ON -DNEURON_BUILD_EXAMPLES=OFF -DNEURON_BUILD_BENCH=OFF
targets=(neuron_tests)
if [[ -n "$(grep -s '^NEURON_ONNX:BOOL=ON' "$build/CMakeCache.txt")" ]]; then
  targets+=(neuron_onnx_tests)
fi
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target "${targets[@]}"
for t in "${targets[@]}"; do
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/tests/$t"
done
