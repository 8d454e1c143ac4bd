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

// out[j] = in[permuted index j]: `out_shape[i] = in_shape[perm[i]]`. Element size in bytes.
NEURON_INLINE void permute_copy(const void* in, const Shape& in_shape, const std::vector<int>& perm,
                                void* out, std::size_t es) {
  const int r = in_shape.rank();
  auto in_st = contiguous_strides(in_shape);
  std::array<std::int64_t, kMaxRank> ext{}, st{};
  for (int i = 0; i < r; ++i) {
    ext[static_cast<std::size_t>(i)] = in_shape[perm[static_cast<std::size_t>(i)]];
    st[static_cast<std::size_t>(i)] =
        in_st[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])];
  }
  std::int64_t n = in_shape.numel();
  if (n == 0) return;
  const std::byte* src = static_cast<const std::byte*>(in);
  std::byte* dst = static_cast<std::byte*>(out);
  std::array<std::int64_t, kMaxRank> idx{};
  const std::size_t last = r > 0 ? static_cast<std::size_t>(r - 1) : 0;
  const std::int64_t inner = r > 0 ? ext[last] : 1;
  const std::int64_t inner_stride = r > 0 ? st[last] : 0;
  for (std::int64_t o = 0; o < n; o += inner) {
    std::int64_t off = 0;
    for (std::size_t i = 0; i < last; ++i) off += idx[i] * st[i];
    if (inner_stride == 1) {
      std::memcpy(dst, src + static_cast<std::size_t>(off) * es,
                  static_cast<std::size_t>(inner) * es);
      dst += static_cast<std::size_t>(inner) * es;
    } else {
      for (std::int64_t j = 0; j < inner; ++j, dst += es)
        std::memcpy(dst, src + static_cast<std::size_t>(off + j * inner_stride) * es, es);
    }
    for (std::size_t i = last; i-- > 0;) {
      if (++idx[i] < ext[i]) break;
      idx[i] = 0;
    }
  }
}

}  // namespace neuron
