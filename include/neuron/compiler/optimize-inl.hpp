// Definitions of optimize.hpp.
#pragma once

// The op set and its expression templates before the passes: header-only builds reach this file
// from the lazy headers, before anything else has pulled the expression headers in, and entered
// at interpreted_expr.hpp (import_passes-inl.hpp) they would not compile. The passes come through
// their declaring headers, which include their definitions in the order they need.
#include "../ops.hpp"
#include "cnn_passes.hpp"
#include "import_passes.hpp"
#include "optimize.hpp"

namespace neuron {

NEURON_INLINE void optimize(Plan& plan, const CompileOptions& options, PlanWeights* weights) {
  if (weights && options.matmul_as_linear) matmul_bias_as_linear(plan, *weights);
  if (options.fuse_elementwise_chains) {
    fuse_elementwise_chains(plan);
    if (weights) {
      erf_gelu_as_gelu(plan, *weights);  // the chain fuse_elementwise_chains made of exported GELUs
      written_layer_norm_as_layer_norm(plan, *weights);  // opset < 17's LayerNorm, written out
      // its scale and mask are one fused step after fuse_elementwise_chains
      if (options.matmul_as_linear) exported_attention_as_multihead(plan, *weights);
    }
  }
  if (weights && options.fold_batch_norm) fold_batch_norms(plan, *weights);
  if (options.fuse_conv_epilogues) fuse_conv_epilogues(plan);
  if (options.fuse_linear_epilogues) fuse_linear_epilogues(plan);
  if (options.fuse_add_layer_norm) fuse_add_layer_norm(plan);
  if (options.channels_last) use_channels_last(plan);
}

}  // namespace neuron
