// A non-temporal store of one xsimd batch (float or double) to an address aligned to its size:
// outputs larger than the caches are written without reading their lines first.
#pragma once

#include <type_traits>

#include <xsimd/xsimd.hpp>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace neuron::detail {

template <class B>
inline void store_stream(typename B::value_type* p, const B& v) {
  constexpr bool f32 = std::is_same_v<typename B::value_type, float>;
#if defined(__AVX512F__)
  if constexpr (sizeof(B) == 64) {
    if constexpr (f32)
      return _mm512_stream_ps(p, v);
    else
      return _mm512_stream_pd(p, v);
  }
#endif
#if defined(__AVX__)
  if constexpr (sizeof(B) == 32) {
    if constexpr (f32)
      return _mm256_stream_ps(p, v);
    else
      return _mm256_stream_pd(p, v);
  }
#endif
#if defined(__SSE2__)
  if constexpr (sizeof(B) == 16) {
    if constexpr (f32)
      return _mm_stream_ps(p, v);
    else
      return _mm_stream_pd(p, v);
  }
#endif
  v.store_aligned(p);
}

}  // namespace neuron::detail
