// Binary elementwise arithmetic: add sub mul div pow maximum minimum, with PyTorch's type
// promotion. Integer arithmetic wraps around (two's complement) like PyTorch, computed in unsigned
// arithmetic so it is never undefined behaviour; division is true division (integers -> float32).
#pragma once

#include <cmath>
#include <tuple>
#include <type_traits>

#include "elementwise_kernel.hpp"

namespace neuron {

namespace detail {
inline ElementwiseTypes same_binary(const std::array<Operand, 2>& in) {
  DType d = result_type_of(in);
  return {{d, d}, d};
}
template <class V, class F>
V wrapping(const V& a, const V& b, F f) {
  using U = std::make_unsigned_t<V>;
  return static_cast<V>(f(static_cast<U>(a), static_cast<U>(b)));
}
}  // namespace detail

struct Add : MapOp<Add, 2> {
  static constexpr const char* name = "add";
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 2>& in) const { return detail::same_binary(in); }
  template <class V>
  V operator()(const V& a, const V& b) const;
};

struct Sub : MapOp<Sub, 2> {
  static constexpr const char* name = "sub";
  template <class T>
  static constexpr bool accepts = is_number_not_bool_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 2>& in) const {
    ElementwiseTypes t = detail::same_binary(in);
    if (t.out == bool_)
      throw_error<DTypeError>(
          "sub: subtraction of bool tensors is not supported; cast to a "
          "numeric dtype or use logical operations");
    return t;
  }
  template <class V>
  V operator()(const V& a, const V& b) const;
};

struct Mul : MapOp<Mul, 2> {
  static constexpr const char* name = "mul";
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 2>& in) const { return detail::same_binary(in); }
  template <class V>
  V operator()(const V& a, const V& b) const;
};

// True division: integer and bool operands divide in float32.
struct Div : MapOp<Div, 2> {
  static constexpr const char* name = "div";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 2>& in) const {
    DType d = to_floating(result_type_of(in));
    return {{d, d}, d};
  }
  template <class V>
  V operator()(const V& a, const V& b) const;
};

struct Pow : MapOp<Pow, 2> {
  static constexpr const char* name = "pow";
  template <class T>
  static constexpr bool accepts = is_number_not_bool_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 2>& in) const {
    ElementwiseTypes t = detail::same_binary(in);
    if (t.out == bool_) t = {{int64, int64}, int64};  // torch: bool ** bool is integral
    return t;
  }
  template <class V>
  V operator()(const V& a, const V& b) const;
};

// Elementwise maximum / minimum; a NaN in either operand gives NaN (torch.maximum).
struct Maximum : MapOp<Maximum, 2> {
  static constexpr const char* name = "maximum";
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 2>& in) const { return detail::same_binary(in); }
  template <class V>
  V operator()(const V& a, const V& b) const;
};

struct Minimum : MapOp<Minimum, 2> {
  static constexpr const char* name = "minimum";
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 2>& in) const { return detail::same_binary(in); }
  template <class V>
  V operator()(const V& a, const V& b) const;
};

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "binary-inl.hpp"
#endif
