// cast(x, dtype): converts values; float -> int truncates toward zero, NaN and out-of-range values
// become the integer minimum (defined here, undefined in C++), anything nonzero -> true.
#pragma once

#include <cstdint>
#include <tuple>

#include "elementwise_kernel.hpp"

namespace neuron {

struct Cast {
  static constexpr const char* name = "cast";
  static constexpr int arity = 1;
  DType to = float32;
  NEURON_ATTRS(to)
  ElementwiseTypes types(const std::array<Operand, 1>& in) const { return {{in[0].dtype}, to}; }
  void run_chunk(const ElementwiseTypes& t, const void* const* in, void* out, std::int64_t n) const;
};

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "cast-inl.hpp"
#endif
