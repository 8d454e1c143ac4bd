// Definitions of pooling.hpp.
#pragma once

#include "../ops/pool.hpp"
#include "module-inl.hpp"
#include "pooling.hpp"

namespace neuron::nn {

NEURON_INLINE Tensor MaxPool2d::forward(const Tensor& x) {
  const MaxPool2dOptions& o = options_;
  return max_pool2d(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}

NEURON_INLINE Tensor AvgPool2d::forward(const Tensor& x) {
  const AvgPool2dOptions& o = options_;
  return avg_pool2d(x, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                    o.count_include_pad());
}

NEURON_INLINE Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
  return adaptive_avg_pool2d(x, output_size_);
}

}  // namespace neuron::nn
