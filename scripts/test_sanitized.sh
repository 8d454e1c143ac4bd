#!/usr/bin/env bash
# Builds the unit tests with AddressSanitizer + UndefinedBehaviorSanitizer and runs them.
# Any report fails the run (-fno-sanitize-recover). Build dir: build-sanitize/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
build="${BUILD_DIR:-build-sanitize}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS="-O1 -g1" -DNEURON_SANITIZE=ON \
  -DNEURON_BUILD_TESTS=ON -DNEURON_BUILD_EXAMPLES=OFF -DNEURON_BUILD_BENCH=OFF
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target neuron_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  "$build/tests/neuron_tests"
