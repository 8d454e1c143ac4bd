// The loop every map op (MapOp: relu, add, exp, ...) runs over one contiguous chunk.
// Floating-point maps run on xsimd batches; the ragged tail is computed in a zero-padded batch too,
// so every element goes through the same instructions whatever its position (eager, lazy and traced
// results then agree bit for bit). elementwise_kernel-inl.hpp instantiates it for the baseline
// path, src/ops/isa/ once more per instruction set (cpu_isa.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

namespace neuron::detail {

template <class Op, class T, std::size_t... I>
void map_chunk(const Op& op, const void* const* in, void* out, std::int64_t n,
               std::index_sequence<I...>) {
  T* o = static_cast<T*>(out);
  if constexpr (std::is_floating_point_v<T>) {
    using B = xsimd::batch<T>;
    constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
    std::int64_t i = 0;
    for (; i + W <= n; i += W)
      op(B::load_unaligned(static_cast<const T*>(in[I]) + i)...).store_unaligned(o + i);
    if (i < n) {
      alignas(64) T tmp[sizeof...(I) + 1][W] = {};
      std::int64_t rest = n - i;
      ((std::copy(static_cast<const T*>(in[I]) + i, static_cast<const T*>(in[I]) + n, tmp[I])),
       ...);
      op(B::load_aligned(tmp[I])...).store_aligned(tmp[sizeof...(I)]);
      std::copy(tmp[sizeof...(I)], tmp[sizeof...(I)] + rest, o + i);
    }
  } else {
    for (std::int64_t i = 0; i < n; ++i) o[i] = op(static_cast<const T*>(in[I])[i]...);
  }
}

}  // namespace neuron::detail
