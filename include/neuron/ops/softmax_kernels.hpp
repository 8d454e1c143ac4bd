// The softmax kernels over rows, as templates: softmax-inl.hpp instantiates them for the
// baseline path, src/ops/isa/ once more per instruction set (cpu_isa.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <xsimd/xsimd.hpp>

namespace neuron::detail {

// out[i] = exp(x[i] - m[i * m_stride]) for n elements; returns their sum in double.
template <class T>
double sub_exp(const T* x, const T* m, std::int64_t m_stride, T* out, std::int64_t n) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  std::int64_t i = 0;
  double sum = 0;
  if (m_stride == 0) {
    B mb(*m);
    for (; i + W <= n; i += W) {
      B e = xsimd::exp(B::load_unaligned(x + i) - mb);
      e.store_unaligned(out + i);
    }
  } else {
    for (; i + W <= n; i += W) {
      B e = xsimd::exp(B::load_unaligned(x + i) - B::load_unaligned(m + i));
      e.store_unaligned(out + i);
    }
  }
  if (i < n) {  // same instructions for the tail, through a padded batch
    alignas(64) T a[W] = {}, b[W] = {}, r[W];
    for (std::int64_t k = i; k < n; ++k) {
      a[k - i] = x[k];
      b[k - i] = m[k * m_stride];
    }
    xsimd::exp(B::load_aligned(a) - B::load_aligned(b)).store_aligned(r);
    for (std::int64_t k = i; k < n; ++k) out[k] = r[k - i];
  }
  // Eight independent double partial sums (vectorizable), then the tail.
  double part[8] = {};
  std::int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; ++j) part[j] += static_cast<double>(out[k + j]);
  for (; k < n; ++k) sum += static_cast<double>(out[k]);
  for (double p : part) sum += p;
  return sum;
}

// The largest of n > 0 values, NaN when any is NaN.
template <class T>
T row_max(const T* x, std::int64_t n) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  T m = x[0];
  bool nan = false;
  std::int64_t i = 0;
  if (n >= W) {
    B mb = B::load_unaligned(x);
    auto bad = mb != mb;
    for (i = W; i + W <= n; i += W) {
      const B v = B::load_unaligned(x + i);
      mb = xsimd::max(mb, v);
      bad = bad || (v != v);
    }
    alignas(64) T lanes[W];
    mb.store_aligned(lanes);
    m = lanes[0];
    for (std::int64_t k = 1; k < W; ++k) m = std::max(m, lanes[k]);
    nan = xsimd::any(bad);
  }
  for (; i < n; ++i) {
    if (x[i] > m) m = x[i];
    nan = nan || std::isnan(x[i]);
  }
  return nan ? std::numeric_limits<T>::quiet_NaN() : m;
}

// Rows [o_begin, o_end) of a softmax over a middle dim of D with `inner`-long contiguous rows.
template <bool Log, class T>
void softmax_rows(const T* x, T* y, std::int64_t D, std::int64_t o_begin, std::int64_t o_end) {
  for (std::int64_t o = o_begin; o < o_end; ++o) {
    const T* xr = x + o * D;
    T* yr = y + o * D;
    T m = row_max(xr, D);
    if (std::isinf(m) && m < 0) m = 0;  // a row of -inf: keep exp(-inf - 0) = 0 (NaN below)
    double sum = sub_exp(xr, &m, 0, yr, D);
    if constexpr (Log) {
      // (x - max) - log(sum): subtracting max first keeps small results exact.
      const T log_sum = static_cast<T>(std::log(sum));
      for (std::int64_t d = 0; d < D; ++d) yr[d] = (xr[d] - m) - log_sum;
    } else {
      T inv = static_cast<T>(1.0 / sum);
      for (std::int64_t d = 0; d < D; ++d) yr[d] *= inv;
    }
  }
}

template <bool Log, class T>
void softmax_blocks(const T* x, T* y, std::int64_t D, std::int64_t I, std::int64_t o_begin,
                    std::int64_t o_end) {
  std::vector<T> m(static_cast<std::size_t>(I));
  std::vector<double> sum(static_cast<std::size_t>(I));
  for (std::int64_t o = o_begin; o < o_end; ++o) {
    const T* xb = x + o * D * I;
    T* yb = y + o * D * I;
    std::copy(xb, xb + I, m.begin());
    for (std::int64_t d = 1; d < D; ++d)
      for (std::int64_t i = 0; i < I; ++i) {
        T v = xb[d * I + i];
        if (v > m[static_cast<std::size_t>(i)] || std::isnan(v)) m[static_cast<std::size_t>(i)] = v;
      }
    for (auto& v : m)
      if (std::isinf(v) && v < 0) v = 0;
    std::fill(sum.begin(), sum.end(), 0.0);
    for (std::int64_t d = 0; d < D; ++d) {
      sub_exp(xb + d * I, m.data(), 1, yb + d * I, I);
      for (std::int64_t i = 0; i < I; ++i) sum[static_cast<std::size_t>(i)] += yb[d * I + i];
    }
    for (std::int64_t d = 0; d < D; ++d)
      for (std::int64_t i = 0; i < I; ++i) {
        std::size_t k = static_cast<std::size_t>(i);
        if constexpr (Log)
          yb[d * I + i] = (xb[d * I + i] - m[k]) - static_cast<T>(std::log(sum[k]));
        else
          yb[d * I + i] = static_cast<T>(yb[d * I + i] / sum[k]);
      }
  }
}

}  // namespace neuron::detail
