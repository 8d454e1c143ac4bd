// linear's few-row product on Eigen, one GEMV per row over the torch-layout weight, as a template:
// matmul-inl.hpp instantiates it for the baseline path, src/ops/isa/ once more per instruction set
// (cpu_isa.hpp).
#pragma once

#include <cstdint>

#include <Eigen/Core>

namespace neuron::detail {

// y[m, n] = x[m, k] w[n, k]^T (no bias).
template <class T>
void linear_rows(const T* x, const T* w, T* y, std::int64_t m, std::int64_t k, std::int64_t n) {
  using Row = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const Row, Eigen::Unaligned> xm(x, m, k), wm(w, n, k);
  Eigen::Map<Row, Eigen::Unaligned> o(y, m, n);
  for (std::int64_t r = 0; r < m; ++r) o.row(r).noalias() = xm.row(r) * wm.transpose();
}

}  // namespace neuron::detail
