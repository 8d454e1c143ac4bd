// Elementwise activations: silu hardswish hardsigmoid relu6 leaky_relu elu softplus, with the
// formulas of PyTorch's CPU kernels (so edge values agree: silu(-inf) and hardswish(-inf) are NaN,
// elu(-0.0) is +0.0, softplus is linear strictly above its threshold). As in torch, all but relu6
// are defined on floating tensors only: integer and bool inputs are refused, not converted.
#pragma once

#include <cmath>
#include <tuple>
#include <type_traits>

#include "unary.hpp"

namespace neuron {

namespace detail {
// Functions torch implements for float tensors only ("not implemented for 'Long'").
inline ElementwiseTypes floating_only_unary(const char* op, const std::array<Operand, 1>& in) {
  if (!is_floating(in[0].dtype))
    throw_error<DTypeError>(op, ": not defined for ", in[0].dtype,
                            " tensors (torch refuses them too); cast to float32 or float64 first");
  return {{in[0].dtype}, in[0].dtype};
}
// min(max(v, lo), hi) as torch's clamp kernels compute it for bounds that are not NaN: a NaN v
// stays NaN, and -0.0 stays -0.0 when lo is 0.
template <class V>
V clamp_keep_nan(const V& v, const V& lo, const V& hi) {
  const V r = simd::select(v < lo, lo, v);
  return simd::select(r > hi, hi, r);
}
}  // namespace detail

// x * sigmoid(x), computed as x / (1 + exp(-x)) like torch.
struct Silu : MapOp<Silu, 1> {
  static constexpr const char* name = "silu";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_only_unary(name, in);
  }
  template <class V>
  V operator()(const V& x) const {
    using std::exp;
    using xsimd::exp;
    return x / (V(1) + exp(-x));
  }
};

// x * min(max(x + 3, 0), 6) / 6.
struct Hardswish : MapOp<Hardswish, 1> {
  static constexpr const char* name = "hardswish";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_only_unary(name, in);
  }
  template <class V>
  V operator()(const V& x) const {
    return x * detail::clamp_keep_nan(x + V(3), V(0), V(6)) / V(6);
  }
};

// min(max(x + 3, 0), 6) / 6.
struct Hardsigmoid : MapOp<Hardsigmoid, 1> {
  static constexpr const char* name = "hardsigmoid";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_only_unary(name, in);
  }
  template <class V>
  V operator()(const V& x) const {
    return detail::clamp_keep_nan(x + V(3), V(0), V(6)) / V(6);
  }
};

// min(max(x, 0), 6) (torch's hardtanh(x, 0, 6)): integers keep their dtype, bool is refused.
struct Relu6 : MapOp<Relu6, 1> {
  static constexpr const char* name = "relu6";
  template <class T>
  static constexpr bool accepts = is_number_not_bool_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::numeric_unary(name, in);
  }
  template <class V>
  V operator()(const V& x) const {
    return detail::clamp_keep_nan(x, V(0), V(6));
  }
};

// x where x > 0, else x * negative_slope (the slope in the tensor's dtype, as torch).
struct LeakyRelu : MapOp<LeakyRelu, 1> {
  static constexpr const char* name = "leaky_relu";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  double negative_slope = 0.01;
  NEURON_ATTRS(negative_slope)
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_only_unary(name, in);
  }
  template <class V>
  V operator()(const V& x) const {
    return simd::select(x > V(0), x, x * V(negative_slope));
  }
};

// x where x > 0, else (exp(x) - 1) * alpha: torch 1.13's formula (exp - 1, not expm1).
struct Elu : MapOp<Elu, 1> {
  static constexpr const char* name = "elu";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  double alpha = 1.0;
  NEURON_ATTRS(alpha)
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_only_unary(name, in);
  }
  template <class V>
  V operator()(const V& x) const {
    using std::exp;
    using xsimd::exp;
    return simd::select(x <= V(0), (exp(x) - V(1)) * V(alpha), x);
  }
};

// log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold.
struct Softplus : MapOp<Softplus, 1> {
  static constexpr const char* name = "softplus";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  double beta = 1.0;
  double threshold = 20.0;
  NEURON_ATTRS(beta, threshold)
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_only_unary(name, in);
  }
  template <class V>
  V operator()(const V& x) const {
    using std::exp;
    using std::log1p;
    using xsimd::exp;
    using xsimd::log1p;
    const V b(beta);
    const V bx = x * b;
    return simd::select(bx > V(threshold), x, log1p(exp(bx)) / b);
  }
};

}  // namespace neuron
