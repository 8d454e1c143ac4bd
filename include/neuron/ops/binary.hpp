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
// Padding analysis (pad_fill.hpp): operand k of a binary op is known and the other is not.
inline int known_operand(const PadFill* in) { return in[0].known ? 0 : in[1].known ? 1 : -1; }
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
  V operator()(const V& a, const V& b) const {
    if constexpr (std::is_same_v<V, bool>)
      return a || b;
    else if constexpr (std::is_integral_v<V>)
      return detail::wrapping(a, b, [](auto x, auto y) { return x + y; });
    else
      return a + b;
  }
  // x + inf = inf and x + -inf = -inf for finite x; x || true = true.
  PadFill pad_fill(const ElementwiseTypes& t, const PadFill* in) const {
    const int k = detail::known_operand(in);
    if (k < 0) return PadFill::unknown();
    const double c = in[k].value;
    if ((is_floating(t.out) && std::isinf(c)) || (t.out == bool_ && c != 0)) return in[k];
    return PadFill::unknown();
  }
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
  V operator()(const V& a, const V& b) const {
    if constexpr (std::is_integral_v<V> && !std::is_same_v<V, bool>)
      return detail::wrapping(a, b, [](auto x, auto y) { return x - y; });
    else
      return a - b;
  }
  // inf - x = inf, x - inf = -inf for finite x.
  PadFill pad_fill(const ElementwiseTypes& t, const PadFill* in) const {
    const int k = detail::known_operand(in);
    if (k < 0 || !is_floating(t.out) || !std::isinf(in[k].value)) return PadFill::unknown();
    return PadFill::of(k == 0 ? in[0].value : -in[1].value);
  }
};

struct Mul : MapOp<Mul, 2> {
  static constexpr const char* name = "mul";
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 2>& in) const { return detail::same_binary(in); }
  template <class V>
  V operator()(const V& a, const V& b) const {
    if constexpr (std::is_same_v<V, bool>)
      return a && b;
    else if constexpr (std::is_integral_v<V>)
      return detail::wrapping(a, b, [](auto x, auto y) { return x * y; });
    else
      return a * b;
  }
  // x * 0 = 0 for finite x (a zero's sign is not tracked); x && false = false.
  PadFill pad_fill(const ElementwiseTypes&, const PadFill* in) const {
    const int k = detail::known_operand(in);
    return k >= 0 && in[k].value == 0 ? PadFill::of(0) : PadFill::unknown();
  }
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
  V operator()(const V& a, const V& b) const {
    return a / b;
  }
  // x / inf = 0 for finite x.
  PadFill pad_fill(const ElementwiseTypes&, const PadFill* in) const {
    return in[1].known && std::isinf(in[1].value) && !in[0].known ? PadFill::of(0)
                                                                  : PadFill::unknown();
  }
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
  V operator()(const V& a, const V& b) const {
    if constexpr (std::is_integral_v<V>) {
      if (b < 0) {
        // Only 1 and -1 have integral negative powers; torch refuses the rest too.
        if (a == 1) return V(1);
        if (a == -1) return (b % 2 == 0) ? V(1) : V(-1);
        throw_error<ValueError>("pow: integers to negative integer powers are not allowed (",
                                static_cast<std::int64_t>(a), " ** ", static_cast<std::int64_t>(b),
                                "); cast to a floating dtype");
      }
      using U = std::make_unsigned_t<V>;
      U base = static_cast<U>(a), acc = 1;
      for (V e = b; e > 0; e >>= 1) {
        if (e & 1) acc *= base;
        base *= base;
      }
      return static_cast<V>(acc);
    } else {
      using std::pow;
      using xsimd::pow;
      return pow(a, b);
    }
  }
  // x ** 0 = 1 and 1 ** x = 1.
  PadFill pad_fill(const ElementwiseTypes&, const PadFill* in) const {
    return in[1].is(0) || in[0].is(1) ? PadFill::of(1) : PadFill::unknown();
  }
};

// Elementwise maximum / minimum; a NaN in either operand gives NaN (torch.maximum).
struct Maximum : MapOp<Maximum, 2> {
  static constexpr const char* name = "maximum";
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 2>& in) const { return detail::same_binary(in); }
  template <class V>
  V operator()(const V& a, const V& b) const {
    if constexpr (std::is_integral_v<V>)
      return a > b ? a : b;
    else
      return simd::select(simd::isnan(a) | (a > b), a, b);
  }
  // maximum(x, highest) = highest: +inf for floats, the integer maximum.
  PadFill pad_fill(const ElementwiseTypes& t, const PadFill* in) const {
    const int k = detail::known_operand(in);
    return k >= 0 && in[k].is(highest_of(t.out)) ? in[k] : PadFill::unknown();
  }
};

struct Minimum : MapOp<Minimum, 2> {
  static constexpr const char* name = "minimum";
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 2>& in) const { return detail::same_binary(in); }
  template <class V>
  V operator()(const V& a, const V& b) const {
    if constexpr (std::is_integral_v<V>)
      return a < b ? a : b;
    else
      return simd::select(simd::isnan(a) | (a < b), a, b);
  }
  // minimum(x, lowest) = lowest: -inf for floats, the integer minimum.
  PadFill pad_fill(const ElementwiseTypes& t, const PadFill* in) const {
    const int k = detail::known_operand(in);
    return k >= 0 && in[k].is(lowest_of(t.out)) ? in[k] : PadFill::unknown();
  }
};

}  // namespace neuron
