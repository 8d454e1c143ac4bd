// Definitions of init.hpp.
#pragma once

#include <cmath>
#include <cstdint>

#include "../core/random.hpp"
#include "init.hpp"

namespace neuron::nn::init {

NEURON_INLINE Tensor linear_weight(std::int64_t out_features, std::int64_t in_features) {
  double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
  return uniform({out_features, in_features}, -bound, bound);
}
NEURON_INLINE Tensor linear_bias(std::int64_t out_features, std::int64_t in_features) {
  double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
  return uniform({out_features}, -bound, bound);
}
NEURON_INLINE Tensor xavier_uniform(std::int64_t fan_out, std::int64_t fan_in) {
  double bound = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  return uniform({fan_out, fan_in}, -bound, bound);
}

}  // namespace neuron::nn::init
