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
  V operator()(const V& x) const;
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
  V operator()(const V& x) const;
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
  V operator()(const V& x) const;
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
  V operator()(const V& x) const;
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
  V operator()(const V& x) const;
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
  V operator()(const V& x) const;
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
  V operator()(const V& x) const;
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
  V operator()(const V& x) const;
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
  V operator()(const V& x) const;
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
  V operator()(const V& x) const;
};

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "unary-inl.hpp"
#endif
