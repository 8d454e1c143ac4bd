// The where kernel (where.hpp).
#pragma once

#include "elementwise_kernel-inl.hpp"
#include "where.hpp"

namespace neuron {

NEURON_INLINE void Where::run_chunk(const ElementwiseTypes& t, const void* const* in, void* out,
                                    std::int64_t n) const {
  const bool* c = static_cast<const bool*>(in[0]);
  visit_dtype(t.out, [&](auto tag) {
    using T = decltype(tag);
    const T* a = static_cast<const T*>(in[1]);
    const T* b = static_cast<const T*>(in[2]);
    T* o = static_cast<T*>(out);
    for (std::int64_t i = 0; i < n; ++i) o[i] = c[i] ? a[i] : b[i];
  });
}

}  // namespace neuron
