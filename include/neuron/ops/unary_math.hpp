// Unary math: erf sin cos reciprocal (floating functions: integer and bool inputs compute in
// float32, as in PyTorch), floor ceil round (integers pass through unchanged, bool is refused, as
// in torch; round is half to even) and sign (keeps the dtype, bool included; sign(NaN) is 0, as
// torch's kernel gives).
#pragma once

#include <cmath>
#include <tuple>
#include <type_traits>

#include "unary.hpp"

namespace neuron {

struct Erf : MapOp<Erf, 1> {
  static constexpr const char* name = "erf";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_unary(in);
  }
  template <class V>
  V operator()(const V& x) const {
    using std::erf;
    using xsimd::erf;
    return erf(x);
  }
};

struct Sin : MapOp<Sin, 1> {
  static constexpr const char* name = "sin";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_unary(in);
  }
  template <class V>
  V operator()(const V& x) const {
    using std::sin;
    using xsimd::sin;
    return sin(x);
  }
};

struct Cos : MapOp<Cos, 1> {
  static constexpr const char* name = "cos";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_unary(in);
  }
  template <class V>
  V operator()(const V& x) const {
    using std::cos;
    using xsimd::cos;
    return cos(x);
  }
};

// 1 / x: integers and bool divide in float32 (1 / 0 = inf).
struct Reciprocal : MapOp<Reciprocal, 1> {
  static constexpr const char* name = "reciprocal";
  template <class T>
  static constexpr bool accepts = is_floating_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::floating_unary(in);
  }
  template <class V>
  V operator()(const V& x) const {
    return V(1) / x;
  }
};

struct Floor : MapOp<Floor, 1> {
  static constexpr const char* name = "floor";
  template <class T>
  static constexpr bool accepts = is_number_not_bool_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::numeric_unary(name, in);
  }
  template <class V>
  V operator()(const V& x) const {
    if constexpr (std::is_integral_v<V>) {
      return x;
    } else {
      using std::floor;
      using xsimd::floor;
      return floor(x);
    }
  }
};

struct Ceil : MapOp<Ceil, 1> {
  static constexpr const char* name = "ceil";
  template <class T>
  static constexpr bool accepts = is_number_not_bool_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::numeric_unary(name, in);
  }
  template <class V>
  V operator()(const V& x) const {
    if constexpr (std::is_integral_v<V>) {
      return x;
    } else {
      using std::ceil;
      using xsimd::ceil;
      return ceil(x);
    }
  }
};

// Rounds half to even (torch.round): 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> -0.
struct Round : MapOp<Round, 1> {
  static constexpr const char* name = "round";
  template <class T>
  static constexpr bool accepts = is_number_not_bool_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return detail::numeric_unary(name, in);
  }
  template <class V>
  V operator()(const V& x) const {
    if constexpr (std::is_integral_v<V>) {
      return x;
    } else {
      using std::nearbyint;  // the default rounding mode: to nearest, ties to even
      using xsimd::nearbyint;
      return nearbyint(x);
    }
  }
};

// -1, 0 or 1 in the input's dtype; sign(-0.0) = +0.0 and sign(NaN) = 0 (torch's (0 < x) - (x < 0)).
struct Sign : MapOp<Sign, 1> {
  static constexpr const char* name = "sign";
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 1>& in) const {
    return {{in[0].dtype}, in[0].dtype};
  }
  template <class V>
  V operator()(const V& x) const {
    if constexpr (std::is_same_v<V, bool>)
      return x;
    else if constexpr (std::is_integral_v<V>)
      return static_cast<V>((V(0) < x) - (x < V(0)));
    else
      return simd::select(V(0) < x, V(1), V(0)) - simd::select(x < V(0), V(1), V(0));
  }
};

}  // namespace neuron
