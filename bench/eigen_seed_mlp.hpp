// The seed MLP (784 -> 120 ReLU -> 10 softmax) written by hand in Eigen: the reference the
// traced, lazy and model benchmarks time neuron against (random weights of the same shapes).
#pragma once

#include <benchmark/benchmark.h>

#include <Eigen/Core>

namespace neuron_bench {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

inline void eigen_seed_mlp(benchmark::State& st, int batch) {
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

}  // namespace neuron_bench
