// Definitions for tensor.hpp.
#pragma once

#include "tensor.hpp"

#include <cstring>
#include <memory>
#include <utility>

namespace neuron {

NEURON_INLINE DeviceHooks& device_hooks() {
  static DeviceHooks hooks;
  return hooks;
}

NEURON_INLINE Tensor Tensor::empty(const Shape& shape, DType dtype) {
  auto impl = detail::make_tensor_impl();
  impl->storage = Storage::allocate(static_cast<std::size_t>(shape.numel()) * dtype_size(dtype));
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

NEURON_INLINE Tensor alias_with_shape(const Tensor& t, const Shape& shape) {
  auto impl = detail::make_tensor_impl(*t.impl_shared());
  impl->shape = shape;
  return Tensor(std::move(impl));
}

NEURON_INLINE void convert_buffer(const void* src, DType from, void* dst, DType to,
                                  std::int64_t n) {
  if (from == to) {
    std::memcpy(dst, src, static_cast<std::size_t>(n) * dtype_size(from));
    return;
  }
  visit_dtype(from, [&](auto f) {
    using F = decltype(f);
    visit_dtype(to, [&](auto t) {
      using T = decltype(t);
      const F* s = static_cast<const F*>(src);
      T* d = static_cast<T*>(dst);
      for (std::int64_t i = 0; i < n; ++i) d[i] = convert_value<T>(s[i]);
    });
  });
}

NEURON_INLINE Tensor Tensor::to(Device d) const {
  if (d == device()) return *this;
  const DeviceHooks& h = device_hooks();
  if (d.is_lazy() && device().is_cpu() && h.to_lazy) return h.to_lazy(*this, false);
  if (d.is_cpu() && device().is_lazy() && h.to_cpu) return h.to_cpu(*this);
  throw_error<DeviceError>("cannot move a tensor from ", device(), " to ", d,
                           ": that device is not available in this build");
}

NEURON_INLINE Tensor Tensor::to(DType dt) const {
  if (dt == dtype()) return *this;
  if (!device().is_cpu())
    throw_error<DeviceError>("to(", dt, ") of a tensor on the ", device(),
                             " device: use nr::cast(x, dtype), which is recorded like other ops");
  Tensor src = cpu();
  Tensor out = empty(shape(), dt);
  convert_buffer(src.raw_data(), dtype(), out.raw_data(), dt, numel());
  return out;
}

NEURON_INLINE Tensor Tensor::clone() const {
  if (!device().is_cpu())
    throw_error<DeviceError>("clone() of a tensor on the ", device(), " device: call .cpu() first");
  Tensor src = cpu();
  Tensor out = empty(shape(), dtype());
  std::memcpy(out.raw_data(), src.raw_data(), nbytes());
  return out;
}

}  // namespace neuron
