// clamp(x, lo, hi) = min(max(x, lo), hi). The bounds are operands (tensors, expressions or C++
// numbers: runtime scalars, so new bounds do not recompile a graph) and take part in PyTorch's type
// promotion as torch.clamp's do: clamp(int tensor, 0.5, 2.5) is float32, clamp(bool tensor, 0, 1)
// int64. Bool results are refused (torch has no bool clamp). NaN in x stays NaN; a NaN bound gives
// NaN; lo > hi gives hi.
#pragma once

#include <tuple>
#include <type_traits>

#include "elementwise_kernel.hpp"

namespace neuron {

struct Clamp : MapOp<Clamp, 3> {
  static constexpr const char* name = "clamp";
  template <class T>
  static constexpr bool accepts = is_number_not_bool_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 3>& in) const {
    DType d = result_type_of(in);
    if (d == bool_)
      throw_error<DTypeError>(
          "clamp: not defined for bool (input and bounds all bool; torch refuses it too); cast to "
          "a numeric dtype or give numeric bounds");
    return {{d, d, d}, d};
  }
  template <class V>
  V operator()(const V& x, const V& lo, const V& hi) const {
    if constexpr (std::is_integral_v<V>) {
      const V r = x < lo ? lo : x;
      return hi < r ? hi : r;
    } else {
      const V r = simd::select(x < lo, lo, x);  // -0.0 stays -0.0 against a bound of 0
      return simd::select(simd::isnan(lo), lo,
                          simd::select(simd::isnan(hi), hi, simd::select(hi < r, hi, r)));
    }
  }
};

}  // namespace neuron
