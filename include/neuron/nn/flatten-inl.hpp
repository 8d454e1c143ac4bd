// Definitions of flatten.hpp.
#pragma once

#include "../ops/shape_ops.hpp"
#include "flatten.hpp"
#include "module-inl.hpp"

namespace neuron::nn {

NEURON_INLINE Tensor Flatten::forward(const Tensor& x) { return flatten(x, start_, end_); }

}  // namespace neuron::nn
