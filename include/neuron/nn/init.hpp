// Parameter initialisation as PyTorch's defaults, drawn from the global generator (manual_seed).
#pragma once

#include <cmath>
#include <cstdint>

#include "../core/random.hpp"

namespace neuron::nn::init {

// kaiming_uniform_(a=sqrt(5)) as nn.Linear uses it: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
inline Tensor linear_weight(std::int64_t out_features, std::int64_t in_features) {
  double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
  return uniform({out_features, in_features}, -bound, bound);
}
inline Tensor linear_bias(std::int64_t out_features, std::int64_t in_features) {
  double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
  return uniform({out_features}, -bound, bound);
}
// xavier_uniform_: U(-sqrt(6 / (fan_in + fan_out)), +...).
inline Tensor xavier_uniform(std::int64_t fan_out, std::int64_t fan_in) {
  double bound = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  return uniform({fan_out, fan_in}, -bound, bound);
}

}  // namespace neuron::nn::init
