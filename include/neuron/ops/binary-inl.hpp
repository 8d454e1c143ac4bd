// Bodies of the binary elementwise ops (binary.hpp), for scalars and xsimd batches.
#pragma once

#include <cmath>

#include "binary.hpp"
#include "elementwise_kernel-inl.hpp"

namespace neuron {

template <class V>
V Add::operator()(const V& a, const V& b) const {
  if constexpr (std::is_same_v<V, bool>)
    return a || b;
  else if constexpr (std::is_integral_v<V>)
    return detail::wrapping(a, b, [](auto x, auto y) { return x + y; });
  else
    return a + b;
}

template <class V>
V Sub::operator()(const V& a, const V& b) const {
  if constexpr (std::is_integral_v<V> && !std::is_same_v<V, bool>)
    return detail::wrapping(a, b, [](auto x, auto y) { return x - y; });
  else
    return a - b;
}

template <class V>
V Mul::operator()(const V& a, const V& b) const {
  if constexpr (std::is_same_v<V, bool>)
    return a && b;
  else if constexpr (std::is_integral_v<V>)
    return detail::wrapping(a, b, [](auto x, auto y) { return x * y; });
  else
    return a * b;
}

template <class V>
V Div::operator()(const V& a, const V& b) const {
  return a / b;
}

template <class V>
V Pow::operator()(const V& a, const V& b) const {
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

template <class V>
V Maximum::operator()(const V& a, const V& b) const {
  if constexpr (std::is_integral_v<V>)
    return a > b ? a : b;
  else
    return simd::select(simd::isnan(a) | (a > b), a, b);
}

template <class V>
V Minimum::operator()(const V& a, const V& b) const {
  if constexpr (std::is_integral_v<V>)
    return a < b ? a : b;
  else
    return simd::select(simd::isnan(a) | (a < b), a, b);
}

}  // namespace neuron
