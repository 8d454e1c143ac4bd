// The comparison kernel (compare.hpp).
#pragma once

#include "compare.hpp"
#include "elementwise_kernel-inl.hpp"

namespace neuron {

template <class Derived, class Cmp>
void CompareOp<Derived, Cmp>::run_chunk(const ElementwiseTypes& t, const void* const* in, void* out,
                                        std::int64_t n) const {
  bool* o = static_cast<bool*>(out);
  visit_dtype(t.in[0], [&](auto tag) {
    using T = decltype(tag);
    const T* a = static_cast<const T*>(in[0]);
    const T* b = static_cast<const T*>(in[1]);
    Cmp cmp;
    for (std::int64_t i = 0; i < n; ++i) o[i] = cmp(a[i], b[i]);
  });
}

}  // namespace neuron
