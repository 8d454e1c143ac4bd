// The FMA peak of one core, measured: 12 independent chains of fused multiply-adds on the widest
// float32 SIMD registers xsimd targets in this build (-march=native: zmm with AVX-512), enough
// chains to cover the FMA latency on every current core. The benchmarks report GFLOP/s against it.
#pragma once

#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace neuron_bench {

// GFLOP/s of one thread (2 flops per lane per FMA); the best of `repeats` runs of ~20 ms each.
inline double measure_fma_peak_gflops(int repeats = 5) {
  using B = xsimd::batch<float>;
  constexpr int kChains = 12;
  const std::int64_t iters = 4'000'000;
  double best = 0;
  for (int r = 0; r < repeats; ++r) {
    B acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = B(1.0f + 0.001f * static_cast<float>(c));
    const B a(0.999999f), b(1e-7f);
    const auto t0 = std::chrono::steady_clock::now();
    for (std::int64_t i = 0; i < iters; ++i)
      for (int c = 0; c < kChains; ++c) acc[c] = xsimd::fma(acc[c], a, b);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    float sink = 0;
    for (int c = 0; c < kChains; ++c) sink += xsimd::hadd(acc[c]);
    // Keeps the chains alive without a volatile in the loop.
    asm volatile("" : : "r"(&sink) : "memory");
    const double flops = 2.0 * static_cast<double>(B::size) * kChains * static_cast<double>(iters);
    best = std::max(best, flops / s * 1e-9);
  }
  return best;
}

}  // namespace neuron_bench
