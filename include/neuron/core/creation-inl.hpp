// Definitions for creation.hpp.
#pragma once

#include <cmath>

#include "creation.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace neuron {

NEURON_INLINE Tensor on_device(Tensor t, Device device) {
  if (device.is_cpu()) return t;
  const DeviceHooks& h = device_hooks();
  if (device.is_lazy() && h.to_lazy) return h.to_lazy(t, /*adopt=*/true);
  return t.to(device);  // refused with the usual message
}

NEURON_INLINE Tensor empty(const Shape& shape, DType dtype, Device device) {
  return on_device(Tensor::empty(shape, dtype), device);
}
NEURON_INLINE Tensor empty(const Shape& shape, Device device) {
  return empty(shape, float32, device);
}

NEURON_INLINE Tensor full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = Tensor::empty(shape, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T v = convert_value<T>(value);
    T* p = static_cast<T*>(t.raw_data());
    std::fill(p, p + t.numel(), v);
  });
  return on_device(t, device);
}
NEURON_INLINE Tensor full(const Shape& shape, double value, Device device) {
  return full(shape, value, float32, device);
}

NEURON_INLINE Tensor zeros(const Shape& shape, DType dtype, Device device) {
  return full(shape, 0.0, dtype, device);
}
NEURON_INLINE Tensor zeros(const Shape& shape, Device device) {
  return zeros(shape, float32, device);
}
NEURON_INLINE Tensor ones(const Shape& shape, DType dtype, Device device) {
  return full(shape, 1.0, dtype, device);
}
NEURON_INLINE Tensor ones(const Shape& shape, Device device) {
  return ones(shape, float32, device);
}

NEURON_INLINE Tensor arange(std::int64_t n, DType dtype) {
  if (n < 0) throw_error<ValueError>("arange: n must be >= 0, got ", n);
  Tensor t = empty(Shape{n}, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(t.raw_data());
    for (std::int64_t i = 0; i < n; ++i) p[i] = convert_value<T>(i);
  });
  return t;
}

NEURON_INLINE Tensor detail::arange_range(double start, double end, double step,
                                          std::int64_t istart, std::int64_t iend,
                                          std::int64_t istep, bool all_int, DType dtype) {
  // torch: an integer dtype takes the bounds truncated to integers (int64: the length too).
  const bool int_values = !all_int && is_integral(dtype) && std::isfinite(start) &&
                          std::isfinite(end) && std::isfinite(step) && std::fabs(start) < 9.0e18 &&
                          std::fabs(end) < 9.0e18 && std::fabs(step) < 9.0e18;
  if (int_values) {
    istart = static_cast<std::int64_t>(start);
    iend = static_cast<std::int64_t>(end);
    istep = static_cast<std::int64_t>(step);
    if (istep == 0)
      throw_error<ValueError>("arange: step must be nonzero (", step, " as ", dtype, ")");
    if (dtype == int64) all_int = true;
  }
  if (all_int ? istep == 0 : step == 0) throw_error<ValueError>("arange: step must be nonzero");
  std::int64_t n = 0;
  if (all_int) {
    if ((istep > 0 && iend < istart) || (istep < 0 && iend > istart))
      throw_error<ValueError>("arange: the range [", istart, ", ", iend,
                              ") is inconsistent with the step sign (step ", istep, ")");
    // ceil((end - start) / step) without overflow: in long double (exact below 2^64).
    const long double len = (static_cast<long double>(iend) - static_cast<long double>(istart)) /
                            static_cast<long double>(istep);
    n = static_cast<std::int64_t>(std::ceil(len));
  } else {
    if (!std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step))
      throw_error<ValueError>("arange: start, end and step must be finite, got ", start, ", ", end,
                              ", ", step);
    if ((step > 0 && end < start) || (step < 0 && end > start))
      throw_error<ValueError>("arange: the range [", start, ", ", end,
                              ") is inconsistent with the step sign (step ", step, ")");
    const double len = std::ceil((end - start) / step);
    if (!(len < 9.0e15)) throw_error<ValueError>("arange: too many values (", len, ")");
    n = static_cast<std::int64_t>(len);
  }
  Tensor t = empty(Shape{n}, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(t.raw_data());
    for (std::int64_t i = 0; i < n; ++i)
      p[i] = all_int || int_values ? convert_value<T>(istart + i * istep)
                                   : convert_value<T>(start + static_cast<double>(i) * step);
  });
  return t;
}

NEURON_INLINE Tensor from_vector(const std::vector<bool>& values, const Shape& shape) {
  if (static_cast<std::int64_t>(values.size()) != shape.numel())
    throw_error<ShapeError>("from_vector: ", values.size(), " values do not fill shape ", shape);
  Tensor t = empty(shape, bool_);
  std::copy(values.begin(), values.end(), t.data<bool>());
  return t;
}

}  // namespace neuron
