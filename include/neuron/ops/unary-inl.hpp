// Bodies of the unary elementwise ops (unary.hpp), for scalars and xsimd batches.
#pragma once

#include <cmath>

#include "elementwise_kernel-inl.hpp"
#include "unary.hpp"

namespace neuron {

template <class V>
V Relu::operator()(const V& x) const {
  return simd::select(x < V(0), V(0), x);  // NaN stays NaN
}

template <class V>
V Gelu::operator()(const V& x) const {
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

template <class V>
V Sigmoid::operator()(const V& x) const {
  using std::exp;
  using xsimd::exp;
  return V(1) / (V(1) + exp(-x));
}

template <class V>
V Tanh::operator()(const V& x) const {
  using std::tanh;
  using xsimd::tanh;
  return tanh(x);
}

template <class V>
V Exp::operator()(const V& x) const {
  using std::exp;
  using xsimd::exp;
  return exp(x);
}

template <class V>
V Log::operator()(const V& x) const {
  using std::log;
  using xsimd::log;
  return log(x);
}

template <class V>
V Sqrt::operator()(const V& x) const {
  using std::sqrt;
  using xsimd::sqrt;
  return sqrt(x);
}

template <class V>
V Rsqrt::operator()(const V& x) const {
  using std::sqrt;
  using xsimd::sqrt;
  return V(1) / sqrt(x);
}

template <class V>
V Abs::operator()(const V& x) const {
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

template <class V>
V Neg::operator()(const V& x) const {
  if constexpr (std::is_integral_v<V>) {
    using U = detail::unsigned_of<V>;
    return static_cast<V>(U(0) - static_cast<U>(x));
  } else {
    return -x;
  }
}

}  // namespace neuron
