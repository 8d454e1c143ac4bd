// group_norm (torch.nn.functional.group_norm): the channels of each sample split into `groups`;
// each group is normalized over its channels and spatial positions, then scaled and shifted per
// channel. Statistics in double, two passes, as layer_norm.
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

#include "any_op.hpp"

namespace neuron {

// Inputs: x [B, C, ...], then weight [C] and bias [C] when set.
struct GroupNorm {
  static constexpr const char* name = "group_norm";
  std::int64_t groups = 1;
  double eps = 1e-5;
  bool has_weight = false;
  bool has_bias = false;
  NEURON_ATTRS(groups, eps, has_weight, has_bias)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

Tensor group_norm(const Tensor& x, std::int64_t groups, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "group_norm-inl.hpp"
#endif
