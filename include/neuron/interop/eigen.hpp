// Eigen interop: map a 2-d tensor as an Eigen matrix without copying, and copy any Eigen matrix
// expression into a new tensor.
#pragma once

#include <Eigen/Core>

#include "../core/tensor.hpp"

namespace neuron {

template <class T>
using EigenRowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A row-major view of a 2-d tensor (rank 1 maps as one row). Writes go to the tensor.
template <class T>
Eigen::Map<EigenRowMatrix<T>> as_eigen(const Tensor& t) {
  if (t.rank() > 2 || t.rank() == 0)
    throw_error<ShapeError>("as_eigen: expected a 1-d or 2-d tensor, got shape ", t.shape());
  Eigen::Index rows = t.rank() == 2 ? t.shape()[0] : 1;
  Eigen::Index cols = t.shape()[t.rank() - 1];
  return {t.data<T>(), rows, cols};
}

// Copies an Eigen matrix (any storage order, any expression) into a new [rows, cols] tensor.
template <class Derived>
Tensor from_eigen(const Eigen::MatrixBase<Derived>& m) {
  using T = typename Derived::Scalar;
  Shape shape;
  shape.push_back(static_cast<std::int64_t>(m.rows()));
  shape.push_back(static_cast<std::int64_t>(m.cols()));
  Tensor t = Tensor::empty(shape, dtype_of_v<T>);
  Eigen::Map<EigenRowMatrix<T>>(t.data<T>(), m.rows(), m.cols()) = m;
  return t;
}

}  // namespace neuron
