// batch_norm in its inference form (torch.nn.functional.batch_norm with training=False): each
// channel (dim 1) is normalized with the running statistics, then scaled and shifted.
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

#include "any_op.hpp"

namespace neuron {

// Inputs: x [B, C, ...], running_mean [C], running_var [C], then weight [C] and bias [C] when set.
struct BatchNorm {
  static constexpr const char* name = "batch_norm";
  double eps = 1e-5;
  bool has_weight = false;
  bool has_bias = false;
  // Memory layout of input and output: channels last ([B, spatial..., C] in memory, the shape
  // still [B, C, spatial...]) between convolutions of a compiled plan (cnn_passes), else plain.
  bool channels_last = false;
  std::int64_t channel_block = 0;  // 0, or channels-last in blocks of 8 / 16 channels (as conv)
  NEURON_ATTRS(eps, has_weight, has_bias, channels_last, channel_block)
  static constexpr std::size_t attrs_added_later = 1;  // channel_block (module format 1.2)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

// weight and bias may be undefined tensors (then omitted).
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, double eps = 1e-5);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "batch_norm-inl.hpp"
#endif
