#!/usr/bin/env bash
# Builds and runs neuron's main demo. Installs missing packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
build="${BUILD_DIR:-build}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNEURON_BUILD_EXAMPLES=ON
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target eager_basics
"$build/examples/eager_basics"
