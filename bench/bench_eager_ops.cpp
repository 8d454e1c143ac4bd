// Eager ops against hand-written Eigen doing the same math, in the same run:
//   fused elementwise expression, matmul (GEMM), linear + bias, softmax over rows.
// Run: build/bench/bench_eager_ops --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true
#include <neuron/neuron.hpp>

#include <Eigen/Core>

#include "ratio_reporter.hpp"

namespace nr = neuron;
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowArr = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

static void neuron_elementwise(benchmark::State& st) {
  const std::int64_t n = st.range(0);
  nr::manual_seed(0);
  nr::Tensor a = nr::rand({n, n}), b = nr::randn({n, n}), c = nr::rand({n});
  for (auto _ : st) {
    nr::Tensor y = nr::relu(a * b + c - 0.5f);
    benchmark::DoNotOptimize(y.raw_data());
  }
  st.SetItemsProcessed(st.iterations() * n * n);
}
static void eigen_elementwise(benchmark::State& st) {
  const Eigen::Index n = st.range(0);
  RowArr a = RowArr::Random(n, n), b = RowArr::Random(n, n);
  Eigen::Array<float, 1, Eigen::Dynamic> c = Eigen::Array<float, 1, Eigen::Dynamic>::Random(n);
  for (auto _ : st) {
    RowArr y = ((a * b).rowwise() + c - 0.5f).max(0.0f);
    benchmark::DoNotOptimize(y.data());
  }
  st.SetItemsProcessed(st.iterations() * n * n);
}

static void neuron_matmul(benchmark::State& st) {
  const std::int64_t n = st.range(0);
  nr::Tensor a = nr::rand({n, n}), b = nr::rand({n, n});
  for (auto _ : st) {
    nr::Tensor y = nr::matmul(a, b);
    benchmark::DoNotOptimize(y.raw_data());
  }
}
static void eigen_matmul(benchmark::State& st) {
  const Eigen::Index n = st.range(0);
  RowMat a = RowMat::Random(n, n), b = RowMat::Random(n, n);
  for (auto _ : st) {
    RowMat y(n, n);
    y.noalias() = a * b;
    benchmark::DoNotOptimize(y.data());
  }
}

static void neuron_linear(benchmark::State& st) {
  const std::int64_t batch = st.range(0);
  nr::Tensor x = nr::rand({batch, 784}), w = nr::rand({120, 784}), b = nr::rand({120});
  for (auto _ : st) {
    nr::Tensor y = nr::linear(x, w, b);
    benchmark::DoNotOptimize(y.raw_data());
  }
}
static void eigen_linear(benchmark::State& st) {
  const Eigen::Index batch = st.range(0);
  RowMat x = RowMat::Random(batch, 784), w = RowMat::Random(120, 784);
  Eigen::RowVectorXf b = Eigen::RowVectorXf::Random(120);
  for (auto _ : st) {
    RowMat y(batch, 120);
    y.noalias() = x * w.transpose();
    y.rowwise() += b;
    benchmark::DoNotOptimize(y.data());
  }
}

static void neuron_softmax(benchmark::State& st) {
  const std::int64_t n = st.range(0);
  nr::Tensor x = nr::randn({n, n});
  for (auto _ : st) {
    nr::Tensor y = nr::softmax(x, -1);
    benchmark::DoNotOptimize(y.raw_data());
  }
}
static void eigen_softmax(benchmark::State& st) {
  const Eigen::Index n = st.range(0);
  RowArr x = RowArr::Random(n, n);
  for (auto _ : st) {
    RowArr y = (x.colwise() - x.rowwise().maxCoeff()).exp();
    y.colwise() /= y.rowwise().sum();
    benchmark::DoNotOptimize(y.data());
  }
}

BENCHMARK(neuron_elementwise)->Name("neuron/elementwise")->Arg(64)->Arg(1024);
BENCHMARK(eigen_elementwise)->Name("eigen/elementwise")->Arg(64)->Arg(1024);
BENCHMARK(neuron_matmul)->Name("neuron/matmul")->Arg(64)->Arg(256);
BENCHMARK(eigen_matmul)->Name("eigen/matmul")->Arg(64)->Arg(256);
BENCHMARK(neuron_linear)->Name("neuron/linear_784x120")->Arg(1)->Arg(64);
BENCHMARK(eigen_linear)->Name("eigen/linear_784x120")->Arg(1)->Arg(64);
BENCHMARK(neuron_softmax)->Name("neuron/softmax")->Arg(64)->Arg(1024);
BENCHMARK(eigen_softmax)->Name("eigen/softmax")->Arg(64)->Arg(1024);

int main(int argc, char** argv) { return neuron_bench::run_with_ratios(argc, argv); }
