// Parameter initialisation as PyTorch's defaults, drawn from the global generator (manual_seed).
#pragma once

#include <cstdint>

#include "../core/config.hpp"
#include "../core/tensor.hpp"

namespace neuron::nn::init {

// kaiming_uniform_(a=sqrt(5)) as nn.Linear uses it: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
Tensor linear_weight(std::int64_t out_features, std::int64_t in_features);
Tensor linear_bias(std::int64_t out_features, std::int64_t in_features);
// xavier_uniform_: U(-sqrt(6 / (fan_in + fan_out)), +...).
Tensor xavier_uniform(std::int64_t fan_out, std::int64_t fan_in);

}  // namespace neuron::nn::init

#ifdef NEURON_HEADER_ONLY
#include "init-inl.hpp"
#endif
