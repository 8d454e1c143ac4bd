// Random numbers: one global generator (seeded by manual_seed) behind rand and randn.
// The sequence is defined by std::mt19937_64 and our own conversions, so it is the same on every
// platform and standard library. It does not reproduce PyTorch's sequence.
#pragma once

#include <cmath>
#include <cstdint>
#include <mutex>
#include <random>

#include "creation.hpp"

namespace neuron {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0x6e6575726f6eULL) : engine_(seed) {}
  void seed(std::uint64_t s) {
    engine_.seed(s);
    has_spare_ = false;
  }
  // Uniform in [0, 1) with 24 (float) or 53 (double) random bits.
  float uniform_f32() { return static_cast<float>(engine_() >> 40) * 0x1.0p-24f; }
  double uniform_f64() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Standard normal by the Box-Muller transform, in double.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = 1.0 - uniform_f64();  // (0, 1]: log is finite
    double u2 = uniform_f64();
    double r = std::sqrt(-2.0 * std::log(u1));
    double a = 2.0 * 3.14159265358979323846 * u2;
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }
  std::uint64_t bits() { return engine_(); }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0;
  bool has_spare_ = false;
};

namespace detail {
struct GlobalGenerator {
  std::mutex mutex;
  Generator gen;
};
inline GlobalGenerator& global_generator() {
  static GlobalGenerator g;
  return g;
}
}  // namespace detail

// Runs f(Generator&) under the global generator's lock.
template <class F>
decltype(auto) with_generator(F&& f) {
  auto& g = detail::global_generator();
  std::lock_guard<std::mutex> lock(g.mutex);
  return f(g.gen);
}

inline void manual_seed(std::uint64_t seed) {
  with_generator([&](Generator& g) { g.seed(seed); });
}

// Uniform [low, high) (for floating dtypes).
inline Tensor uniform(const Shape& shape, double low, double high, DType dtype = float32,
                      Device device = cpu()) {
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

inline Tensor rand(const Shape& shape, DType dtype = float32, Device device = cpu()) {
  return uniform(shape, 0.0, 1.0, dtype, device);
}
inline Tensor rand(const Shape& shape, Device device) { return rand(shape, float32, device); }

// Normal with the given mean and standard deviation (for floating dtypes).
inline Tensor normal(const Shape& shape, double mean, double stddev, DType dtype = float32,
                     Device device = cpu()) {
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

inline Tensor randn(const Shape& shape, DType dtype = float32, Device device = cpu()) {
  return normal(shape, 0.0, 1.0, dtype, device);
}
inline Tensor randn(const Shape& shape, Device device) { return randn(shape, float32, device); }

// Uniform integers in [low, high).
inline Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape,
                      DType dtype = int64) {
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
