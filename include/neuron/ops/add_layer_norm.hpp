// add_layer_norm: layer_norm of a sum, in one pass over the rows:
//   out = layer_norm(x0 + x1 + ... + x{k-1}, normalized_shape, weight, bias, eps)
// Each row of the sum is added up (left to right, as the elementwise ops would) into the output
// row and normalized there while it is in cache, so the sum is never written out and read back.
// The addends (k = `addends` >= 2, float32) broadcast to the output over their leading dims only:
// each ends with normalized_shape. Inputs: the addends, then weight when has_weight, then bias
// when has_bias. Not made by the DSL: the compiler fuses an add -> layer_norm into it
// (compiler/cnn_passes.hpp, fuse_add_layer_norm), e.g. BERT's embedding sum before its norm.
#pragma once

#include <cstdint>
#include <vector>

#include "any_op.hpp"

namespace neuron {

struct AddLayerNorm {
  static constexpr const char* name = "add_layer_norm";
  std::int64_t addends = 2;
  std::vector<std::int64_t> normalized_shape;
  double eps = 1e-5;
  bool has_weight = false;
  bool has_bias = false;
  NEURON_ATTRS(addends, normalized_shape, eps, has_weight, has_bias)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void pad_rule(PadCheck& c) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

NEURON_EXTERN_TEMPLATE(template Tensor run_op<AddLayerNorm>(const AddLayerNorm&,
                                                            const std::vector<Tensor>&);)

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "add_layer_norm-inl.hpp"
#endif
