// Definitions for creation.hpp.
#pragma once

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

NEURON_INLINE Tensor from_vector(const std::vector<bool>& values, const Shape& shape) {
  if (static_cast<std::int64_t>(values.size()) != shape.numel())
    throw_error<ShapeError>("from_vector: ", values.size(), " values do not fill shape ", shape);
  Tensor t = empty(shape, bool_);
  std::copy(values.begin(), values.end(), t.data<bool>());
  return t;
}

}  // namespace neuron
