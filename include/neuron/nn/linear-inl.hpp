// Definitions of linear.hpp.
#pragma once

#include <cstdint>

#include "../ops/matmul.hpp"
#include "init.hpp"
#include "linear.hpp"
#include "module-inl.hpp"

namespace neuron::nn {

NEURON_INLINE Linear::Linear(std::int64_t in_features, std::int64_t out_features, bool bias)
    : in_(in_features), out_(out_features) {
  if (in_features < 0 || out_features < 0)
    throw_error<ValueError>("Linear: feature counts must be >= 0, got in=", in_features,
                            " out=", out_features);
  register_parameter("weight", init::linear_weight(out_features, in_features));
  if (bias) register_parameter("bias", init::linear_bias(out_features, in_features));
  has_bias_ = bias;
}

NEURON_INLINE Tensor Linear::forward(const Tensor& x) {
  return linear(x, param("weight"), has_bias_ ? param("bias") : Tensor());
}

}  // namespace neuron::nn
