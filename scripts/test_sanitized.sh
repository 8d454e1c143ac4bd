#!/usr/bin/env bash
# Builds the unit tests (neuron_tests, and neuron_onnx_tests: the ONNX importer's, hostile files
# included) with AddressSanitizer + UndefinedBehaviorSanitizer and runs them; then the ONNX
# conformance runner over the whole backend test suite (a sanitizer report aborts that case's
# process, which the runner counts as crashed, and the check fails).
# Any report fails the run (-fno-sanitize-recover). Build dir: build-sanitize/. Compiler: clang++
# when installed (scripts/install_deps.sh --tests installs it), else g++.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh --tests
build="${BUILD_DIR:-build-sanitize}"
# clang compiles the instrumented copy in about 60% of g++'s time (ASan + UBSan at -O1 on Zen 3:
# src/ops/ops.cpp 192 s against 285 s, src/format/format.cpp 34 s against 61 s, a test source
# 15 s against 29 s); g++ when clang is missing. SANITIZE_CXX picks another compiler.
cxx="${SANITIZE_CXX:-}"
if [[ -z "$cxx" ]]; then
  if command -v clang++ >/dev/null; then cxx=clang++; else cxx=g++; fi
fi
cxx="$(command -v "$cxx")"
if [[ -f "$build/CMakeCache.txt" ]] &&
  ! grep -q "^CMAKE_CXX_COMPILER:[A-Z]*=$cxx\$" "$build/CMakeCache.txt"; then
  rm -rf "$build"  # made with another compiler: CMake cannot switch a build directory
fi
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE= \
  -DCMAKE_CXX_FLAGS="-O1 -g1" -DNEURON_SANITIZE=ON \
  -DNEURON_BUILD_TESTS=ON -DNEURON_BUILD_EXAMPLES=OFF -DNEURON_BUILD_BENCH=OFF
targets=(neuron_tests)
onnx=0
if [[ -n "$(grep -s '^NEURON_ONNX:BOOL=ON' "$build/CMakeCache.txt")" ]]; then
  onnx=1
  targets+=(neuron_onnx_tests)
fi
extra=()
if [[ $onnx == 1 ]]; then extra=(neuron_onnx_conformance neuron_onnx_conformance_case); fi
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target "${targets[@]}" "${extra[@]}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
for t in "${targets[@]}"; do
  "$build/tests/$t"
done
if [[ $onnx == 1 && -d /usr/share/libonnx-testdata/data ]]; then
  "$build/tests/neuron_onnx_conformance" --check tests/onnx/conformance/expected.json \
    --out "$build/onnx-conformance.md"
fi
