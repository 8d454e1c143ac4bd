// Definitions of layer_norm.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../core/parallel.hpp"
#include "any_op-inl.hpp"
#include "isa_kernels-inl.hpp"
#include "layer_norm.hpp"
#include "layer_norm_kernels.hpp"

namespace neuron {

namespace detail {

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
      const detail::IsaKernels* isa = detail::isa_kernels();
      detail::parallel_for(rows, grain, [&](std::int64_t begin, std::int64_t end) {
        detail::layer_norm_rows_dispatch(isa, xp, yp, w, b, n, eps, begin, end);
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
