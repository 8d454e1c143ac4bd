// layer_norm over the trailing `normalized_shape` dims, with optional elementwise weight and bias.
// Mean and biased variance are computed in two passes in double (no catastrophic cancellation).
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

#include "any_op.hpp"

namespace neuron {

struct LayerNorm {
  static constexpr const char* name = "layer_norm";
  std::vector<std::int64_t> normalized_shape;
  double eps = 1e-5;
  bool has_weight = false;
  bool has_bias = false;
  NEURON_ATTRS(normalized_shape, eps, has_weight, has_bias)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  // Padded rows are normalized on their own (their entries unknown); a padded normalized dim never.
  void pad_rule(PadCheck& c) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

// torch.nn.functional.layer_norm: weight and bias may be undefined tensors (then omitted).
Tensor layer_norm(const Tensor& x, const std::vector<std::int64_t>& normalized_shape,
                  const Tensor& weight = {}, const Tensor& bias = {}, double eps = 1e-5);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "layer_norm-inl.hpp"
#endif
