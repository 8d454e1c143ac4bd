// Plan passes that see through how exporters write a model (an imported ONNX graph records one op
// per ONNX node, where DSL code records whole expressions), so that an imported model compiles to
// the plan of the same model written in the DSL. optimize() runs them before the CNN passes
// (cnn_passes.hpp), which then find the same patterns in both; those that take PlanWeights read
// or add constant weights, so they run on traced plans only (fuse_elementwise_chains runs on lazy
// plans too, and leaves their steps with runtime scalars as they are):
//   fuse_elementwise_chains  a fused elementwise step whose result only one other fused step reads,
//                            at one operand and at the same shape, is inlined into that step:
//                            Add then Relu is relu(add(x, r)), as the DSL's relu(y + identity),
//                            which fuse_conv_epilogues takes as a residual + activation epilogue
//   matmul_bias_as_linear    matmul(x, W) with a constant 2-d W, then + b with a constant [N] b
//                            (MatMul + Add, as exporters write nn.Linear on 3-d inputs), becomes
//                            linear(x, W^T, b), which fuse_linear_epilogues extends
//   erf_gelu_as_gelu         a fused step x * (erf(x / sqrt(2)) + 1) * 0.5 with constant weights
//                            sqrt(2), 1 and 0.5 (torch.onnx's GELU, after fuse_elementwise_chains)
//                            becomes gelu(x), which fuse_linear_epilogues takes as the gelu
//                            epilogue of the linear before it, as the DSL's nn::GELU
//   written_layer_norm_as_layer_norm
//                            LayerNorm as opsets < 17 write it, (x - mean(x)) / sqrt(mean((x -
//                            mean(x))^2) + eps) * w + b over the last dim with constant eps, w, b
//                            (after fuse_elementwise_chains: 2 means and 3 fused steps), becomes
//                            layer_norm, which fuse_add_layer_norm extends
//   exported_attention_as_multihead
//                            nn.MultiheadAttention as torch.onnx writes it (packed in-projection,
//                            slices, reshapes and permutes into heads, matmul, scale, mask,
//                            softmax, matmul, the permutes back, out-projection) becomes three
//                            linears, one multihead_attention and the out-projection, as the DSL
//                            records it (exported_attention-inl.hpp)
// Each returns the number of rewrites; the plan computes the same values, up to rounding.
#pragma once

#include "../core/config.hpp"
#include "../runtime/plan.hpp"
#include "cnn_passes.hpp"

namespace neuron {

int fuse_elementwise_chains(Plan& plan);
int matmul_bias_as_linear(Plan& plan, PlanWeights& weights);
int erf_gelu_as_gelu(Plan& plan, PlanWeights& weights);
int written_layer_norm_as_layer_norm(Plan& plan, PlanWeights& weights);
int exported_attention_as_multihead(Plan& plan, PlanWeights& weights);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "exported_attention-inl.hpp"
#include "import_passes-inl.hpp"
#endif
