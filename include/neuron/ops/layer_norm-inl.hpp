// Definitions of layer_norm.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../core/parallel.hpp"
#include "any_op-inl.hpp"
#include "layer_norm.hpp"

namespace neuron {

namespace detail {

// Sum of f(x[i]) in double over eight independent partial sums (so that it vectorizes).
template <class T, class F>
double sum_in_double(const T* x, std::int64_t n, F f) {
  double part[8] = {};
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) part[j] += f(static_cast<double>(x[i + j]));
  double sum = 0;
  for (; i < n; ++i) sum += f(static_cast<double>(x[i]));
  for (double p : part) sum += p;
  return sum;
}

// Rows [begin, end) of n elements: mean and variance in double, the output in T.
template <class T>
void layer_norm_rows(const T* xp, T* yp, const T* w, const T* b, std::int64_t n, double eps,
                     std::int64_t begin, std::int64_t end) {
  for (std::int64_t r = begin; r < end; ++r) {
    const T* xr = xp + r * n;
    T* yr = yp + r * n;
    const double mean = sum_in_double(xr, n, [](double v) { return v; }) / static_cast<double>(n);
    const double var = sum_in_double(xr, n, [mean](double v) { return (v - mean) * (v - mean); }) /
                       static_cast<double>(n);
    const T rstd = static_cast<T>(1.0 / std::sqrt(var + eps));
    const T m = static_cast<T>(mean);
    // One loop per case, so that each vectorizes.
    if (w && b)
      for (std::int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - m) * rstd * w[i] + b[i];
    else if (w)
      for (std::int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - m) * rstd * w[i];
    else if (b)
      for (std::int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - m) * rstd + b[i];
    else
      for (std::int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - m) * rstd;
  }
}

// Why a padded normalized dim is refused (layer_norm, add_layer_norm).
inline constexpr const char* kNormalizedDimPadded =
    "it takes a mean and a variance over that dim, so no pad value leaves it unchanged; "
    "normalize over dims that are not padded";

}  // namespace detail

NEURON_INLINE TensorSpec LayerNorm::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 1 + (has_weight ? 1 : 0) + (has_bias ? 1 : 0));
  const TensorSpec& x = in[0];
  Shape ns(normalized_shape);
  if (!is_floating(x.dtype))
    throw_error<DTypeError>("layer_norm: input dtype must be float32 or float64, got ", x.dtype);
  if (ns.rank() == 0)
    throw_error<ShapeError>("layer_norm: normalized_shape must have at least one dim");
  bool fits = ns.rank() <= x.shape.rank();
  for (int i = 0; fits && i < ns.rank(); ++i)
    fits = x.shape[x.shape.rank() - ns.rank() + i] == ns[i];
  if (!fits)
    throw_error<ShapeError>("layer_norm: input of shape ", x.shape,
                            " does not end with normalized_shape ", ns);
  if (!(eps >= 0)) throw_error<ValueError>("layer_norm: eps must be >= 0, got ", eps);
  const char* names[] = {"weight", "bias"};
  for (std::size_t k = 1; k < in.size(); ++k) {
    const char* what = names[(k == 1 && has_weight) ? 0 : 1];
    if (in[k].shape != ns)
      throw_error<ShapeError>("layer_norm: ", what, " has shape ", in[k].shape,
                              ", expected normalized_shape ", ns);
    if (in[k].dtype != x.dtype)
      throw_error<DTypeError>("layer_norm: ", what, " has dtype ", in[k].dtype,
                              " but the input has ", x.dtype);
  }
  return x;
}

NEURON_INLINE DimFlow LayerNorm::dim_flow(const std::vector<TensorSpec>& in,
                                          const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast(in, out);
  const int r = in[0].shape.rank(), n = static_cast<int>(normalized_shape.size());
  for (int d = r - n; d < r; ++d) f.set(0, d, DimFlow::kMixed);
  for (std::size_t k = 1; k < in.size(); ++k)  // weight and bias are read along the same dims
    for (int d = 0; d < in[k].shape.rank(); ++d) f.set(k, d, DimFlow::kMixed);
  return f;
}

NEURON_INLINE void LayerNorm::pad_rule(PadCheck& c) const {
  for (int d = 0; d < c.in[0].shape.rank(); ++d)
    if (c.padded(0, d) && c.flow_of(0, d) == DimFlow::kMixed)
      c.need(0, d, detail::kNormalizedDimPadded);
}

NEURON_INLINE void LayerNorm::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  std::int64_t n = Shape(normalized_shape).numel();
  std::int64_t rows = n ? x.numel() / n : 0;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* xp = x.data<T>();
      T* yp = out.data<T>();
      const T* w = has_weight ? in[1].data<T>() : nullptr;
      const T* b = has_bias ? in[has_weight ? 2 : 1].data<T>() : nullptr;
      // Rows are independent: split between threads, at least ~16k elements each.
      const std::int64_t grain = std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(n, 1));
      detail::parallel_for(rows, grain, [&](std::int64_t begin, std::int64_t end) {
        detail::layer_norm_rows(xp, yp, w, b, n, eps, begin, end);
      });
    }
  });
}

// torch.nn.functional.layer_norm: weight and bias may be undefined tensors (then omitted).
NEURON_INLINE Tensor layer_norm(const Tensor& x, const std::vector<std::int64_t>& normalized_shape,
                                const Tensor& weight, const Tensor& bias, double eps) {
  LayerNorm op;
  op.normalized_shape = normalized_shape;
  op.eps = eps;
  op.has_weight = weight.defined();
  op.has_bias = bias.defined();
  std::vector<Tensor> inputs{x};
  if (op.has_weight) inputs.push_back(weight);
  if (op.has_bias) inputs.push_back(bias);
  return run_op(op, inputs);
}

}  // namespace neuron
