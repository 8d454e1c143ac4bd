#!/usr/bin/env bash
# Builds and runs neuron's main demo: eager ops, then the seed's two lazy-mode examples with their
# metrics. Installs missing packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
build="${BUILD_DIR:-build}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNEURON_BUILD_EXAMPLES=ON
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target eager_basics lazy_fixed_shape lazy_dynamic_shape
for demo in eager_basics lazy_fixed_shape lazy_dynamic_shape; do
  echo
  echo "=== $demo ==="
  "$build/examples/$demo"
done
