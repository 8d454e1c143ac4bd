// fused_linear: a float32 linear with the epilogue the compiler fused into it
// (compiler/cnn_passes.hpp, fuse_linear_epilogues):
//   out = act(x @ weight^T + bias + residual)
// run as one oneDNN matmul whose post-ops add the residual and apply the activation to the
// output, so it is written once. Shapes the kernel rule (gemm.hpp) keeps on Eigen (batch-1 GEMVs,
// tiny products) run Eigen's linear and then the epilogue in place, while the output is in cache.
// Inputs: x, weight [out, in], then bias [out] when has_bias, then the residual (the output's
// shape) when has_residual. Not made by the DSL: nn code writes linear, relu, gelu and +, and the
// compiler fuses them in traced plans and lazy executables.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "any_op.hpp"
#include "epilogue.hpp"
#include "matmul.hpp"

namespace neuron {

struct FusedLinear {
  static constexpr const char* name = "fused_linear";
  bool has_bias = true;
  std::int64_t activation = 0;  // EpilogueActivation, applied last
  bool has_residual = false;    // the last input is added before the activation
  NEURON_ATTRS(has_bias, activation, has_residual)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void pad_rule(PadCheck& c) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
  // Makes the oneDNN primitive; `constants[1]`, the weight when a plan holds it fixed, is
  // reordered now, once.
  void prepare(const std::vector<TensorSpec>& in, const std::vector<const Tensor*>& constants);

  // Set by prepare(): not an attribute (plans made from files prepare again at load).
  std::shared_ptr<const detail::GemmPrimitive> primitive;
};

NEURON_EXTERN_TEMPLATE(template Tensor run_op<FusedLinear>(const FusedLinear&,
                                                           const std::vector<Tensor>&);)

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "fused_linear-inl.hpp"
#endif
