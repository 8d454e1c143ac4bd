// Definitions of dropout.hpp.
#pragma once

#include "../core/random.hpp"
#include "../expr/functions.hpp"
#include "dropout.hpp"
#include "module-inl.hpp"

namespace neuron::nn {

NEURON_INLINE Dropout::Dropout(double p) : p_(p) {
  if (!(p >= 0.0 && p <= 1.0)) throw_error<ValueError>("Dropout: p must be in [0, 1], got ", p);
}

NEURON_INLINE Tensor Dropout::forward(const Tensor& x) {
  if (!is_training() || p_ == 0.0) return x;
  if (!is_floating(x.dtype()))
    throw_error<DTypeError>("Dropout: input must be floating point, got ", x.dtype());
  if (p_ == 1.0) return zeros(x.shape(), x.dtype());
  Tensor keep = ge(rand(x.shape(), x.dtype()), p_);
  return where(keep, x * (1.0 / (1.0 - p_)), 0.0);
}

}  // namespace neuron::nn
