// Definitions of activation.hpp.
#pragma once

#include "../expr/functions.hpp"
#include "../ops/softmax.hpp"
#include "activation.hpp"
#include "module-inl.hpp"

namespace neuron::nn {

NEURON_INLINE Tensor ReLU::forward(const Tensor& x) { return relu(x); }

NEURON_INLINE Tensor GELU::forward(const Tensor& x) { return gelu(x, approx_); }

NEURON_INLINE Tensor Tanh::forward(const Tensor& x) { return neuron::tanh(x); }

NEURON_INLINE Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }

NEURON_INLINE Tensor Softmax::forward(const Tensor& x) { return softmax(x, dim_); }

NEURON_INLINE Tensor LogSoftmax::forward(const Tensor& x) { return log_softmax(x, dim_); }

NEURON_INLINE Tensor ReLU6::forward(const Tensor& x) { return relu6(x); }

NEURON_INLINE Tensor SiLU::forward(const Tensor& x) { return silu(x); }

NEURON_INLINE Tensor Hardswish::forward(const Tensor& x) { return hardswish(x); }

NEURON_INLINE Tensor Hardsigmoid::forward(const Tensor& x) { return hardsigmoid(x); }

NEURON_INLINE Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, negative_slope_); }

NEURON_INLINE Tensor ELU::forward(const Tensor& x) { return elu(x, alpha_); }

}  // namespace neuron::nn
