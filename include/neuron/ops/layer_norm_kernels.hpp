// The layer norm kernel over rows, as a template: layer_norm-inl.hpp instantiates it for the
// baseline path, src/ops/isa/ once more per instruction set (cpu_isa.hpp).
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "isa_kernels.hpp"

namespace neuron::detail {

// Sum of f(x[i]) in double over eight independent partial sums (so that it vectorizes).
template <class T, class F>
double sum_in_double(const T* x, std::int64_t n, F f) {
  double part[8] = {};
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) part[j] += f(static_cast<double>(x[i + j]));
  double sum = 0;
  for (; i < n; ++i) sum += f(static_cast<double>(x[i]));
  for (double p : part) sum += p;
  return sum;
}

// Rows [begin, end) of n elements: mean and variance in double, the output in T.
template <class T>
void layer_norm_rows(const T* xp, T* yp, const T* w, const T* b, std::int64_t n, double eps,
                     std::int64_t begin, std::int64_t end) {
  for (std::int64_t r = begin; r < end; ++r) {
    const T* xr = xp + r * n;
    T* yr = yp + r * n;
    const double mean = sum_in_double(xr, n, [](double v) { return v; }) / static_cast<double>(n);
    const double var = sum_in_double(xr, n, [mean](double v) { return (v - mean) * (v - mean); }) /
                       static_cast<double>(n);
    const T rstd = static_cast<T>(1.0 / std::sqrt(var + eps));
    const T m = static_cast<T>(mean);
    // One loop per case, so that each vectorizes.
    if (w && b)
      for (std::int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - m) * rstd * w[i] + b[i];
    else if (w)
      for (std::int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - m) * rstd * w[i];
    else if (b)
      for (std::int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - m) * rstd + b[i];
    else
      for (std::int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - m) * rstd;
  }
}

// layer_norm_rows on the instruction set picked at start-up for float32 (isa_kernels.hpp).
template <class T>
void layer_norm_rows_dispatch(const IsaKernels* k, const T* xp, T* yp, const T* w, const T* b,
                              std::int64_t n, double eps, std::int64_t begin, std::int64_t end) {
  if constexpr (std::is_same_v<T, float>)
    if (k) return k->layer_norm_rows_f32(xp, yp, w, b, n, eps, begin, end);
  layer_norm_rows(xp, yp, w, b, n, eps, begin, end);
}

}  // namespace neuron::detail
