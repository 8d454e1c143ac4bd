// Helpers that view a contiguous tensor as [outer, mid, inner] around a dim or a block of dims, and
// a strided copy used by permute and friends.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "any_op.hpp"

namespace neuron {

struct Split3 {
  std::int64_t outer = 1, mid = 1, inner = 1;
};

// Dims [first, last) form the middle block.
Split3 split_around(const Shape& s, int first, int last);

// Copies `in`, read with element strides `in_strides` (0 repeats an entry), into the contiguous
// `out` of shape `out_shape`. Element size in bytes.
void strided_copy(const void* in, const std::array<std::int64_t, kMaxRank>& in_strides,
                  const Shape& out_shape, void* out, std::size_t es);

// out[j] = in[permuted index j]: `out_shape[i] = in_shape[perm[i]]`. Element size in bytes.
void permute_copy(const void* in, const Shape& in_shape, const std::vector<int>& perm, void* out,
                  std::size_t es);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "layout-inl.hpp"
#endif
