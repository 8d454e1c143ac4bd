// The cast kernel (cast.hpp).
#pragma once

#include "cast.hpp"
#include "elementwise_kernel-inl.hpp"

namespace neuron {

NEURON_INLINE void Cast::run_chunk(const ElementwiseTypes& t, const void* const* in, void* out,
                                   std::int64_t n) const {
  convert_buffer(in[0], t.in[0], out, t.out, n);
}

}  // namespace neuron
