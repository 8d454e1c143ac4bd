// xtensor interop: adapt a tensor as an xtensor expression without copying, and copy any xtensor
// expression into a new tensor.
#pragma once

#include <cstddef>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>

#include "../core/tensor.hpp"

namespace neuron {

// A row-major xtensor view over the tensor's data (no copy). The tensor must outlive the view.
template <class T>
auto as_xtensor(const Tensor& t) {
  std::vector<std::size_t> shape(t.shape().begin(), t.shape().end());
  return xt::adapt(t.data<T>(), static_cast<std::size_t>(t.numel()), xt::no_ownership(), shape);
}

// Copies an xtensor expression (evaluated in row-major order) into a new tensor.
template <class E>
Tensor from_xtensor(const xt::xexpression<E>& expr) {
  using T = typename E::value_type;
  const xt::xarray<T, xt::layout_type::row_major> a = expr.derived_cast();
  if (a.dimension() > static_cast<std::size_t>(kMaxRank))
    throw_error<ShapeError>("from_xtensor: rank ", a.dimension(), " exceeds the maximum rank ",
                            kMaxRank);
  Shape s(a.shape().begin(), a.shape().end());
  Tensor t = Tensor::empty(s, dtype_of_v<T>);
  std::copy(a.begin(), a.end(), t.data<T>());
  return t;
}

// Copies into an owning xt::xarray.
template <class T>
xt::xarray<T> to_xarray(const Tensor& t) {
  return as_xtensor<T>(t);
}

}  // namespace neuron
