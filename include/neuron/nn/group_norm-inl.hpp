// Definitions of group_norm.hpp.
#pragma once

#include "../core/creation.hpp"
#include "../ops/group_norm.hpp"
#include "group_norm.hpp"
#include "module-inl.hpp"

namespace neuron::nn {

NEURON_INLINE GroupNorm::GroupNorm(const GroupNormOptions& o) : options_(o) {
  if (o.num_groups() <= 0 || o.num_channels() <= 0 || o.num_channels() % o.num_groups() != 0)
    throw_error<ValueError>("GroupNorm: num_channels ", o.num_channels(),
                            " must be a positive multiple of num_groups ", o.num_groups());
  if (o.affine()) {
    register_parameter("weight", ones({o.num_channels()}));
    register_parameter("bias", zeros({o.num_channels()}));
  }
}

NEURON_INLINE Tensor GroupNorm::forward(const Tensor& x) {
  const bool affine = options_.affine();
  if (x.rank() >= 2 && x.shape()[1] != options_.num_channels())
    throw_error<ShapeError>("GroupNorm: expected ", options_.num_channels(),
                            " channels, got input ", x.shape());
  return group_norm(x, options_.num_groups(), affine ? param("weight") : Tensor(),
                    affine ? param("bias") : Tensor(), options_.eps());
}

}  // namespace neuron::nn
