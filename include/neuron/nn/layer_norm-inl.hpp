// Definitions of layer_norm.hpp.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "../core/creation.hpp"
#include "../ops/layer_norm.hpp"
#include "layer_norm.hpp"
#include "module-inl.hpp"

namespace neuron::nn {

NEURON_INLINE LayerNorm::LayerNorm(std::vector<std::int64_t> normalized_shape, double eps,
                                   bool elementwise_affine)
    : shape_(std::move(normalized_shape)), eps_(eps), affine_(elementwise_affine) {
  Shape s(shape_);
  if (affine_) {
    register_parameter("weight", ones(s));
    register_parameter("bias", zeros(s));
  }
}

NEURON_INLINE LayerNorm::LayerNorm(std::int64_t normalized_shape, double eps,
                                   bool elementwise_affine)
    : LayerNorm(std::vector<std::int64_t>{normalized_shape}, eps, elementwise_affine) {}

NEURON_INLINE Tensor LayerNorm::forward(const Tensor& x) {
  return layer_norm(x, shape_, affine_ ? param("weight") : Tensor(),
                    affine_ ? param("bias") : Tensor(), eps_);
}

}  // namespace neuron::nn
