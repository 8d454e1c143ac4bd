// What the compiler does to a plan (optimize.hpp): each pass can be turned off.
#pragma once

#include <string>

namespace neuron {

struct CompileOptions {
  bool cse = true;
  // CNN passes (cnn_passes.hpp). Folding batch norm needs constant weights: traced plans only.
  // The others run on lazy plans too, after the lowered form is stored in the disk cache, so they
  // are not part of its key.
  bool fold_batch_norm = true;
  bool fuse_conv_epilogues = true;
  bool channels_last = true;
  // linear + activation / residual add as one fused_linear (cnn_passes.hpp).
  bool fuse_linear_epilogues = true;
  // a sum -> layer_norm as one add_layer_norm (cnn_passes.hpp).
  bool fuse_add_layer_norm = true;
  // import_passes.hpp, before the passes above, so that imported models (one op per ONNX node)
  // compile as the DSL's expressions do: constant-weight matmul (+ bias) as linear (traced plans
  // only), and chains of fused elementwise steps as one step (both modes; then, with constant
  // weights, torch.onnx's erf GELU, written-out LayerNorm and attention as the DSL's ops).
  bool matmul_as_linear = true;
  bool fuse_elementwise_chains = true;
  // Part of every cache key: plans compiled with other options are other plans.
  std::string key() const { return std::string("cse=") + (cse ? "1" : "0"); }
};

}  // namespace neuron
