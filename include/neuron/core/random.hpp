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
GlobalGenerator& global_generator();
}  // namespace detail

// Runs f(Generator&) under the global generator's lock.
template <class F>
decltype(auto) with_generator(F&& f) {
  auto& g = detail::global_generator();
  std::lock_guard<std::mutex> lock(g.mutex);
  return f(g.gen);
}

void manual_seed(std::uint64_t seed);

// Uniform [low, high) (for floating dtypes).
Tensor uniform(const Shape& shape, double low, double high, DType dtype = float32,
               Device device = cpu());

Tensor rand(const Shape& shape, DType dtype = float32, Device device = cpu());
Tensor rand(const Shape& shape, Device device);

// Normal with the given mean and standard deviation (for floating dtypes).
Tensor normal(const Shape& shape, double mean, double stddev, DType dtype = float32,
              Device device = cpu());

Tensor randn(const Shape& shape, DType dtype = float32, Device device = cpu());
Tensor randn(const Shape& shape, Device device);

// Uniform integers in [low, high).
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, DType dtype = int64);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "random-inl.hpp"
#endif
