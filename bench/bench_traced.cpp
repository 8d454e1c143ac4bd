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

#include "ratio_reporter.hpp"

namespace nr = neuron;
namespace nn = neuron::nn;
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

nn::Sequential seed_mlp() {
  nr::manual_seed(0);
  nn::Sequential m(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
  m.eval();
  return m;
}

void eigen_mlp(benchmark::State& st, int batch) {
  RowMat w1 = RowMat::Random(120, 784), w2 = RowMat::Random(10, 120),
         x = RowMat::Random(batch, 784);
  Eigen::RowVectorXf b1 = Eigen::RowVectorXf::Random(120), b2 = Eigen::RowVectorXf::Random(10);
  for (auto _ : st) {
    RowMat h = x * w1.transpose();
    h.rowwise() += b1;
    h = h.cwiseMax(0.0f);
    RowMat y = h * w2.transpose();
    y.rowwise() += b2;
    for (Eigen::Index r = 0; r < y.rows(); ++r) {
      y.row(r) = (y.row(r).array() - y.row(r).maxCoeff()).exp();
      y.row(r) /= y.row(r).sum();
    }
    benchmark::DoNotOptimize(y.data());
  }
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

BENCHMARK_CAPTURE(eigen_mlp, b1, 1)->Name("eigen/mlp_b1");
BENCHMARK_CAPTURE(traced, b1, 1, false)->Name("neuron/mlp_b1");
BENCHMARK_CAPTURE(eigen_mlp, b1, 1)->Name("eigen/mlp_b1_loaded");
BENCHMARK_CAPTURE(traced, b1_loaded, 1, true)->Name("neuron/mlp_b1_loaded");
BENCHMARK_CAPTURE(eigen_mlp, b64, 64)->Name("eigen/mlp_b64");
BENCHMARK_CAPTURE(traced, b64, 64, false)->Name("neuron/mlp_b64");
BENCHMARK_CAPTURE(eigen_mlp, b1, 1)->Name("eigen/mlp_b1_lazy");
BENCHMARK(lazy_step)->Name("neuron/mlp_b1_lazy");
BENCHMARK(load_60mb)->Name("load/60MB")->Unit(benchmark::kMillisecond)->MinTime(2.0);

int main(int argc, char** argv) { return neuron_bench::run_with_ratios(argc, argv); }
