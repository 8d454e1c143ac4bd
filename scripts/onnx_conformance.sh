#!/usr/bin/env bash
# Builds the ONNX conformance runner and regenerates docs/onnx-conformance.md: every case of the
# ONNX backend test suite (Debian's libonnx-testdata) in eager and traced + saved + loaded mode.
# Usage: scripts/onnx_conformance.sh [--update-expected] [runner args...]
#   --update-expected  also rewrites tests/onnx/conformance/expected.json, the figures CI checks
#                      (do it when a change makes more cases pass).
# Build dir: build/ (override with BUILD_DIR). The report has no times or dates: reruns that
# give the same results give no diff.
set -euo pipefail
cd "$(dirname "$0")/.."
update=0
if [[ "${1:-}" == "--update-expected" ]]; then
  update=1
  shift
fi
scripts/install_deps.sh --tests
build="${BUILD_DIR:-build}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNEURON_BUILD_TESTS=ON
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target neuron_onnx_conformance
args=(--out docs/onnx-conformance.md --jobs "${JOBS:-$(nproc)}")
if [[ $update == 1 ]]; then
  args+=(--write-expected tests/onnx/conformance/expected.json)
else
  args+=(--check tests/onnx/conformance/expected.json)
fi
mkdir -p docs
"$build/tests/neuron_onnx_conformance" "${args[@]}" "$@"
