// Definitions for random.hpp.
#pragma once

#include "random.hpp"

#include <cstdint>
#include <mutex>
#include <type_traits>

namespace neuron {

namespace detail {
NEURON_INLINE GlobalGenerator& global_generator() {
  static GlobalGenerator g;
  return g;
}
}  // namespace detail

NEURON_INLINE void manual_seed(std::uint64_t seed) {
  with_generator([&](Generator& g) { g.seed(seed); });
}

NEURON_INLINE Tensor uniform(const Shape& shape, double low, double high, DType dtype,
                             Device device) {
  if (!is_floating(dtype))
    throw_error<DTypeError>("uniform/rand: dtype must be float32 or float64, got ", dtype);
  Tensor t = Tensor::empty(shape, dtype);
  std::int64_t n = t.numel();
  with_generator([&](Generator& g) {
    if (dtype == float32) {
      float* p = t.data<float>();
      float lo = static_cast<float>(low), span = static_cast<float>(high - low);
      for (std::int64_t i = 0; i < n; ++i) p[i] = lo + span * g.uniform_f32();
    } else {
      double* p = t.data<double>();
      for (std::int64_t i = 0; i < n; ++i) p[i] = low + (high - low) * g.uniform_f64();
    }
  });
  return on_device(t, device);
}

NEURON_INLINE Tensor rand(const Shape& shape, DType dtype, Device device) {
  return uniform(shape, 0.0, 1.0, dtype, device);
}
NEURON_INLINE Tensor rand(const Shape& shape, Device device) {
  return rand(shape, float32, device);
}

NEURON_INLINE Tensor normal(const Shape& shape, double mean, double stddev, DType dtype,
                            Device device) {
  if (!is_floating(dtype))
    throw_error<DTypeError>("normal/randn: dtype must be float32 or float64, got ", dtype);
  Tensor t = Tensor::empty(shape, dtype);
  std::int64_t n = t.numel();
  with_generator([&](Generator& g) {
    visit_dtype(dtype, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_floating_point_v<T>) {
        T* p = static_cast<T*>(t.raw_data());
        for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(mean + stddev * g.normal());
      }
    });
  });
  return on_device(t, device);
}

NEURON_INLINE Tensor randn(const Shape& shape, DType dtype, Device device) {
  return normal(shape, 0.0, 1.0, dtype, device);
}
NEURON_INLINE Tensor randn(const Shape& shape, Device device) {
  return randn(shape, float32, device);
}

NEURON_INLINE Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, DType dtype) {
  if (high <= low) throw_error<ValueError>("randint: need low < high, got [", low, ", ", high, ")");
  if (!is_integral(dtype)) throw_error<DTypeError>("randint: dtype must be int32 or int64");
  Tensor t = empty(shape, dtype);
  std::uint64_t span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  with_generator([&](Generator& g) {
    visit_dtype(dtype, [&](auto tag) {
      using T = decltype(tag);
      T* p = static_cast<T*>(t.raw_data());
      for (std::int64_t i = 0; i < t.numel(); ++i) {
        // Rejection sampling keeps every value equally likely.
        std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % span + 1) % span;
        std::uint64_t r;
        do r = g.bits();
        while (r > limit);
        p[i] = static_cast<T>(static_cast<std::uint64_t>(low) + r % span);
      }
    });
  });
  return t;
}

}  // namespace neuron
