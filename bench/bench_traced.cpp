// Traced mode against hand-written Eigen (measured in the same run), for the seed MLP
// (784-120-10 with ReLU and softmax):
//   neuron/mlp_b1, mlp_b64      a traced module's call (input checks + plan over a pooled arena)
//   neuron/mlp_b1_loaded        the same module after save + load (weights used from the mmap)
//   neuron/mlp_b1_lazy          lazy mode for comparison: record + mark_step (cache hit)
// and the load time of a 60 MB module (load/60MB: mmap + checksum + validation, no copies).
// libtorch/TorchScript is not installed on the build machine, so there is no torch/ column.
// Run: build/bench/bench_traced --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <neuron/neuron.hpp>

#include <Eigen/Core>
#include <filesystem>

#include "eigen_seed_mlp.hpp"
#include "ratio_reporter.hpp"

using neuron_bench::eigen_seed_mlp;  // BENCHMARK_CAPTURE takes an unqualified name

namespace nr = neuron;
namespace nn = neuron::nn;

namespace {

nn::Sequential seed_mlp() {
  nr::manual_seed(0);
  nn::Sequential m(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
  m.eval();
  return m;
}

void traced(benchmark::State& st, int batch, bool from_file) {
  nn::Sequential m = seed_mlp();
  nr::TracedModule tm = nr::trace(m, nr::rand({batch, 784}));
  if (from_file) {
    const std::string path = (std::filesystem::temp_directory_path() / "bench_mlp.neuron").string();
    tm.save(path);
    tm = nr::load(path);
  }
  nr::Tensor x = nr::rand({batch, 784});
  for (auto _ : st) {
    nr::Tensor y = tm(x);
    benchmark::DoNotOptimize(y.impl_ptr());
  }
}

void lazy_step(benchmark::State& st) {
  nn::Sequential m = seed_mlp();
  m.to(nr::lazy_device());
  nr::Tensor x = nr::rand({1, 784}, nr::lazy_device());
  for (auto _ : st) {
    nr::Tensor y = m(x);
    nr::mark_step();
    benchmark::DoNotOptimize(y.impl_ptr());
  }
}

// A 60 MB module: one 3750x4000 float32 linear layer (60,000,000 bytes of weights).
void load_60mb(benchmark::State& st) {
  const std::string path = (std::filesystem::temp_directory_path() / "bench_60mb.neuron").string();
  {
    nr::manual_seed(0);
    nn::Linear big(4000, 3750);
    big.eval();
    nr::trace(big, nr::rand({1, 4000})).save(path);
  }
  for (auto _ : st) {
    nr::TracedModule m = nr::load(path);
    benchmark::DoNotOptimize(m.weights().data());
  }
  st.counters["file_MB"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) *
                       static_cast<std::int64_t>(std::filesystem::file_size(path)));
  std::filesystem::remove(path);
}

}  // namespace

BENCHMARK_CAPTURE(eigen_seed_mlp, b1, 1)->Name("eigen/mlp_b1");
BENCHMARK_CAPTURE(traced, b1, 1, false)->Name("neuron/mlp_b1");
BENCHMARK_CAPTURE(eigen_seed_mlp, b1, 1)->Name("eigen/mlp_b1_loaded");
BENCHMARK_CAPTURE(traced, b1_loaded, 1, true)->Name("neuron/mlp_b1_loaded");
BENCHMARK_CAPTURE(eigen_seed_mlp, b64, 64)->Name("eigen/mlp_b64");
BENCHMARK_CAPTURE(traced, b64, 64, false)->Name("neuron/mlp_b64");
BENCHMARK_CAPTURE(eigen_seed_mlp, b1, 1)->Name("eigen/mlp_b1_lazy");
BENCHMARK(lazy_step)->Name("neuron/mlp_b1_lazy");
BENCHMARK(load_60mb)->Name("load/60MB")->Unit(benchmark::kMillisecond)->MinTime(2.0);

int main(int argc, char** argv) { return neuron_bench::run_with_ratios(argc, argv); }
