#!/usr/bin/env bash
# Builds and runs neuron's main demo: eager ops; the seed's two lazy-mode examples with their
# metrics; the seed MLP traced, saved and timed against lazy mode (the table); the saved module
# loaded by a runtime-only program; buckets; torchvision's ResNet-18 written in the DSL, traced
# and timed; a GPT-style model generating eagerly, lazily and traced, then from a runtime-only
# program. Installs missing packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
build="${BUILD_DIR:-build}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNEURON_BUILD_EXAMPLES=ON
demos=(eager_basics lazy_fixed_shape lazy_dynamic_shape trace_mlp deploy_runtime_only trace_buckets
  vision_resnet gpt_generate deploy_gpt_runtime_only)
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target "${demos[@]}"
module="$build/examples/mlp.neuron"
for demo in "${demos[@]}"; do
  echo
  echo "=== $demo ==="
  case "$demo" in
    trace_mlp | deploy_runtime_only) "$build/examples/$demo" "$module" ;;
    vision_resnet) "$build/examples/$demo" "" "$build/examples/resnet18.neuron" ;;
    gpt_generate | deploy_gpt_runtime_only) "$build/examples/$demo" "$build/examples/gpt_step.neuron" ;;
    *) "$build/examples/$demo" ;;
  esac
done
