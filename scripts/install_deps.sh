#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages neuron needs, only those missing. Safe to rerun.
# Uses sudo when not root. Set NEURON_SKIP_APT=1 to skip (e.g. when packages come another way).
# Usage: scripts/install_deps.sh [--tests] [--bench]   --tests adds what the tests need to make
# their reference outputs (PyTorch and torchvision from Debian, for /usr/bin/python3, and
# python3-venv for scripts/minilm_reference.sh's virtualenv) and the ONNX backend test suite
# (libonnx-testdata, /usr/share/libonnx-testdata/data), and for neuron-serve's tests nginx and wrk
# (three replicas behind a load balancer) and python3-yaml (the KServe manifests), ccache
# (cmake/neuronCompilerCache.cmake), and clang with its OpenMP and sanitizer runtimes (the
# sanitized build, scripts/test_sanitized.sh); --bench adds what scripts/bench.sh needs:
# libtorch-dev (the TorchScript column, run from C++), libopenblas0-pthread (Debian's libtorch
# runs f32 GEMMs on libblas.so.3: netlib's reference BLAS without it, ~3 GFLOP/s, no reference
# at all), gnuplot-nox (the chart), python3-venv (the ONNX Runtime virtualenv) and libxnnpack-dev
# with libpthreadpool-dev (XNNPACK's column in build/bench/bench_conv_layout).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libeigen3-dev xtensor-dev libxsimd-dev xtl-dev nlohmann-json3-dev libxxhash-dev
  libdnnl-dev ocl-icd-opencl-dev  # dnnl-config.cmake finds OpenCL (Debian builds its GPU runtime)
  doctest-dev libbenchmark-dev
  libonnx-dev libprotobuf-dev  # neuron::onnx (the ONNX importer)
  # neuron-serve (tools/serve/): REST, gRPC and its code generator, arguments, metrics
  libcpp-httplib-dev libgrpc++-dev protobuf-compiler-grpc libcli11-dev prometheus-cpp-dev
  python3
)
for arg in "$@"; do
  case "$arg" in
    --tests) packages+=(python3-torch python3-torchvision python3-venv libonnx-testdata
      nginx-light wrk python3-yaml curl  # the server's replica test and manifest check
      ccache  # the consumer tests compile neuron again: ccache hands them the build's objects
      clang libomp-dev libclang-rt-dev) ;;  # scripts/test_sanitized.sh: faster instrumented builds
    --bench) packages+=(libtorch-dev libopenblas0-pthread gnuplot-nox python3-venv libxnnpack-dev libpthreadpool-dev) ;;
  esac
done

if [[ "${NEURON_SKIP_APT:-0}" == 1 ]]; then exit 0; fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then exit 0; fi

echo "neuron: installing missing packages: ${missing[*]}"
sudo_cmd=()
if [[ "$(id -u)" != 0 ]]; then
  if ! command -v sudo >/dev/null; then
    echo "neuron: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
