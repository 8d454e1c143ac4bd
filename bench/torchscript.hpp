// The torch/ column of bench_models and bench_vision: a TorchScript file (traced by torch.jit and
// frozen: bench/make_bench_models.py) loaded once and run by libtorch on neuron's input tensors.
// Built when CMake finds libtorch (neuron_bench_torch in bench/CMakeLists.txt defines
// NEURON_BENCH_TORCH=1); without it kTorchColumn says why the column is missing.
#pragma once

#include <neuron/neuron.hpp>

#include <string>

#if NEURON_BENCH_TORCH
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <torch/script.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <utility>
#include <vector>
#endif

namespace neuron_bench {

#if NEURON_BENCH_TORCH
constexpr const char* kTorchColumn = "TorchScript (libtorch)";

// at::set_num_threads governs libtorch's own kernels and its oneDNN convolutions. Debian's
// libtorch runs f32 GEMMs on libblas.so.3; when that is OpenBLAS, its thread pool is its own
// (at::set_num_threads does not reach it), so it is set too. Returns whether OpenBLAS was found.
inline bool set_torch_threads(int threads) {
  at::set_num_threads(threads);
  using SetThreads = void (*)(int);
  static auto openblas =
      reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (openblas) openblas(threads);
  return openblas != nullptr;
}

// A copy of a neuron tensor (float32, int64 or bool) as a torch tensor.
inline at::Tensor to_torch(const neuron::Tensor& t) {
  std::vector<std::int64_t> sizes(t.shape().begin(), t.shape().end());
  void* data = t.raw_data();
  if (t.dtype() == neuron::int64) return torch::from_blob(data, sizes, torch::kLong).clone();
  if (t.dtype() == neuron::bool_) return torch::from_blob(data, sizes, torch::kBool).clone();
  return torch::from_blob(data, sizes, torch::kFloat).clone();
}

// The first tensor of a forward's result (a tensor, or a tuple of them).
inline at::Tensor first_tensor(const torch::jit::IValue& v) {
  return v.isTuple() ? v.toTupleRef().elements().at(0).toTensor() : v.toTensor();
}

// Times forward(inputs) of the TorchScript file at `path` on `threads` threads; returns the
// seconds of the timed loop (0 after SkipWithError when the file is missing).
inline double time_torchscript(benchmark::State& st, const std::string& path,
                               const std::vector<neuron::Tensor>& inputs, int threads) {
  set_torch_threads(threads);
  static std::map<std::string, torch::jit::Module> modules;  // by path, loaded once
  auto it = modules.find(path);
  if (it == modules.end()) {
    if (!std::filesystem::exists(path)) {
      st.SkipWithError(("missing " + path + " (run bench/make_bench_models.py)").c_str());
      return 0;
    }
    torch::jit::Module m = torch::jit::load(path);
    m.eval();
    it = modules.emplace(path, std::move(m)).first;
  }
  torch::jit::Module& m = it->second;
  torch::NoGradGuard no_grad;
  c10::InferenceMode inference;
  std::vector<torch::jit::IValue> in;
  for (const neuron::Tensor& t : inputs) in.emplace_back(to_torch(t));
  // The profiling executor optimises the graph over the first calls.
  for (int i = 0; i < 3; ++i) benchmark::DoNotOptimize(first_tensor(m.forward(in)).data_ptr());
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : st) {
    torch::jit::IValue y = m.forward(in);
    benchmark::DoNotOptimize(first_tensor(y).data_ptr());
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
#else
constexpr const char* kTorchColumn = "not built (libtorch not found at configure time)";
#endif

}  // namespace neuron_bench
