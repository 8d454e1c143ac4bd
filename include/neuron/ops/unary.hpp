// Unary elementwise math: relu gelu sigmoid tanh exp log sqrt rsqrt abs neg.
// Each struct gives its name, attrs, dtype rule (types) and body (operator(), written once for
// scalars and xsimd batches). Integer and bool inputs of floating functions compute in float32, as
// in PyTorch.
#pragma once

#include <cmath>
#include <tuple>
#include <type_traits>

#include "elementwise_kernel.hpp"

namespace neuron {

namespace detail {
// Floating-point functions: integral/bool inputs are computed in float32.
inline ElementwiseTypes floating_unary(const std::array<Operand, 1>& in) {
  DType d = to_floating(in[0].dtype);
  return {{d}, d};
}
// Functions defined on numbers but not on bool (torch refuses relu/neg/abs of bool).
inline ElementwiseTypes numeric_unary(const char* op, const std::array<Operand, 1>& in) {
  if (in[0].dtype == bool_)
    throw_error<DTypeError>(op, ": not defined for bool tensors; cast to a numeric dtype first");
  return {{in[0].dtype}, in[0].dtype};
}
template <class T>
using unsigned_of = std::make_unsigned_t<T>;
}  // namespace detail

struct Relu : MapOp<Relu, 1> {
  static constexpr const char* name = "relu";
  template <class T>
  static constexpr bool accepts = is_number_not_bool_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::numeric_unary(name, in);
  }
  template <class V>
  V operator()(const V& x) const {
    return simd::select(x < V(0), V(0), x);  // NaN stays NaN
  }
};

// GELU, exact (erf) by default, or the tanh approximation (torch's approximate='tanh').
struct Gelu : MapOp<Gelu, 1> {
  static constexpr const char* name = "gelu";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  bool tanh_approximation = false;
  NEURON_ATTRS(tanh_approximation)
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_unary(in);
  }
  template <class V>
  V operator()(const V& x) const {
    using std::erf;
    using std::tanh;
    using xsimd::erf;
    using xsimd::tanh;
    if (tanh_approximation) {
      const V k(0.7978845608028654);  // sqrt(2 / pi)
      return V(0.5) * x * (V(1) + tanh(k * (x + V(0.044715) * x * x * x)));
    }
    return V(0.5) * x * (V(1) + erf(x * V(0.7071067811865476)));
  }
};

struct Sigmoid : MapOp<Sigmoid, 1> {
  static constexpr const char* name = "sigmoid";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_unary(in);
  }
  template <class V>
  V operator()(const V& x) const {
    using std::exp;
    using xsimd::exp;
    return V(1) / (V(1) + exp(-x));
  }
};

struct Tanh : MapOp<Tanh, 1> {
  static constexpr const char* name = "tanh";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_unary(in);
  }
  template <class V>
  V operator()(const V& x) const {
    using std::tanh;
    using xsimd::tanh;
    return tanh(x);
  }
};

struct Exp : MapOp<Exp, 1> {
  static constexpr const char* name = "exp";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_unary(in);
  }
  template <class V>
  V operator()(const V& x) const {
    using std::exp;
    using xsimd::exp;
    return exp(x);
  }
};

struct Log : MapOp<Log, 1> {
  static constexpr const char* name = "log";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_unary(in);
  }
  template <class V>
  V operator()(const V& x) const {
    using std::log;
    using xsimd::log;
    return log(x);
  }
};

struct Sqrt : MapOp<Sqrt, 1> {
  static constexpr const char* name = "sqrt";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_unary(in);
  }
  template <class V>
  V operator()(const V& x) const {
    using std::sqrt;
    using xsimd::sqrt;
    return sqrt(x);
  }
};

// 1 / sqrt(x), computed exactly (not with the low-precision hardware estimate).
struct Rsqrt : MapOp<Rsqrt, 1> {
  static constexpr const char* name = "rsqrt";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_unary(in);
  }
  template <class V>
  V operator()(const V& x) const {
    using std::sqrt;
    using xsimd::sqrt;
    return V(1) / sqrt(x);
  }
};

struct Abs : MapOp<Abs, 1> {
  static constexpr const char* name = "abs";
  template <class T>
  static constexpr bool accepts = is_number_not_bool_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::numeric_unary(name, in);
  }
  template <class V>
  V operator()(const V& x) const {
    if constexpr (std::is_integral_v<V>) {
      // Two's complement wrap for the minimum value, as torch does, without signed overflow.
      using U = detail::unsigned_of<V>;
      return x < 0 ? static_cast<V>(U(0) - static_cast<U>(x)) : x;
    } else {
      using std::abs;
      using xsimd::abs;
      return abs(x);
    }
  }
};

struct Neg : MapOp<Neg, 1> {
  static constexpr const char* name = "neg";
  template <class T>
  static constexpr bool accepts = is_number_not_bool_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::numeric_unary(name, in);
  }
  template <class V>
  V operator()(const V& x) const {
    if constexpr (std::is_integral_v<V>) {
      using U = detail::unsigned_of<V>;
      return static_cast<V>(U(0) - static_cast<U>(x));
    } else {
      return -x;
    }
  }
};

}  // namespace neuron
