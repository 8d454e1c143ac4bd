// Definitions of layout.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "layout.hpp"

namespace neuron {

// Dims [first, last) form the middle block.
NEURON_INLINE Split3 split_around(const Shape& s, int first, int last) {
  Split3 r;
  for (int i = 0; i < s.rank(); ++i) {
    if (i < first)
      r.outer *= s[i];
    else if (i < last)
      r.mid *= s[i];
    else
      r.inner *= s[i];
  }
  return r;
}

NEURON_INLINE void strided_copy(const void* in,
                                const std::array<std::int64_t, kMaxRank>& in_strides,
                                const Shape& out_shape, void* out, std::size_t es) {
  const int r = out_shape.rank();
  const std::int64_t n = out_shape.numel();
  if (n == 0) return;
  const std::byte* src = static_cast<const std::byte*>(in);
  std::byte* dst = static_cast<std::byte*>(out);
  std::array<std::int64_t, kMaxRank> idx{};
  const std::size_t last = r > 0 ? static_cast<std::size_t>(r - 1) : 0;
  const std::int64_t inner = r > 0 ? out_shape[r - 1] : 1;
  const std::int64_t inner_stride = r > 0 ? in_strides[last] : 0;
  for (std::int64_t o = 0; o < n; o += inner) {
    std::int64_t off = 0;
    for (std::size_t i = 0; i < last; ++i) off += idx[i] * in_strides[i];
    if (inner_stride == 1) {
      std::memcpy(dst, src + static_cast<std::size_t>(off) * es,
                  static_cast<std::size_t>(inner) * es);
      dst += static_cast<std::size_t>(inner) * es;
    } else {
      for (std::int64_t j = 0; j < inner; ++j, dst += es)
        std::memcpy(dst, src + static_cast<std::size_t>(off + j * inner_stride) * es, es);
    }
    for (std::size_t i = last; i-- > 0;) {
      if (++idx[i] < out_shape[static_cast<int>(i)]) break;
      idx[i] = 0;
    }
  }
}

// out[j] = in[permuted index j]: `out_shape[i] = in_shape[perm[i]]`. Element size in bytes.
NEURON_INLINE void permute_copy(const void* in, const Shape& in_shape, const std::vector<int>& perm,
                                void* out, std::size_t es) {
  const int r = in_shape.rank();
  auto in_st = contiguous_strides(in_shape);
  Shape out_shape;
  std::array<std::int64_t, kMaxRank> st{};
  for (int i = 0; i < r; ++i) {
    const int p = perm[static_cast<std::size_t>(i)];
    out_shape.push_back(in_shape[p]);
    st[static_cast<std::size_t>(i)] = in_st[static_cast<std::size_t>(p)];
  }
  strided_copy(in, st, out_shape, out, es);
}

}  // namespace neuron
