// Definitions of fused_linear.hpp.
#pragma once

#include "activation.hpp"
#include "any_op-inl.hpp"
#include "binary.hpp"
#include "fused_linear.hpp"
#include "gemm-inl.hpp"
#include "matmul-inl.hpp"

namespace neuron {

namespace detail {
inline Linear linear_part(const FusedLinear& f) {
  Linear l;
  l.has_bias = f.has_bias;
  return l;
}
inline std::vector<TensorSpec> linear_inputs(const FusedLinear& f,
                                             const std::vector<TensorSpec>& in) {
  return {in.begin(), in.begin() + std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(in.size()),
                                                            f.has_bias ? 3 : 2)};
}
inline GemmGeometry fused_linear_geometry(const FusedLinear& f, const TensorSpec& x,
                                          const TensorSpec& w) {
  const std::int64_t k = w.shape[1], n = w.shape[0];
  GemmGeometry g = linear_geometry(k ? x.shape.numel() / k : 0, k, n, f.has_bias);
  g.has_residual = f.has_residual;
  g.activation = f.activation;
  return g;
}

// The epilogue on an output Eigen wrote, in place: + residual, then the activation. These are the
// functors of the elementwise ops the compiler removed, so the result is the unfused plan's bit for
// bit.
inline void linear_epilogue_in_place(const FusedLinear& f, const Tensor* residual, Tensor& out) {
  float* o = out.data<float>();
  const std::int64_t n = out.numel();
  const ElementwiseTypes t{{float32, float32, float32}, float32};
  if (residual) {
    const void* in[2] = {o, residual->data<float>()};
    Add{}.run_chunk(t, in, o, n);
  }
  const void* in[1] = {o};
  switch (static_cast<EpilogueActivation>(f.activation)) {
    case EpilogueActivation::none:
      break;
    case EpilogueActivation::relu:
      Relu{}.run_chunk(t, in, o, n);
      break;
    case EpilogueActivation::relu6:
      Relu6{}.run_chunk(t, in, o, n);
      break;
    case EpilogueActivation::silu:
      Silu{}.run_chunk(t, in, o, n);
      break;
    case EpilogueActivation::hardswish:
      Hardswish{}.run_chunk(t, in, o, n);
      break;
    case EpilogueActivation::gelu_erf:
      Gelu{}.run_chunk(t, in, o, n);
      break;
    case EpilogueActivation::gelu_tanh: {
      Gelu g;
      g.tanh_approximation = true;
      g.run_chunk(t, in, o, n);
      break;
    }
  }
}
}  // namespace detail

NEURON_INLINE TensorSpec FusedLinear::infer(const std::vector<TensorSpec>& in) const {
  const std::size_t want = 2 + (has_bias ? 1 : 0) + (has_residual ? 1 : 0);
  expect_arity(name, in, want);
  if (activation < 0 || activation > static_cast<std::int64_t>(EpilogueActivation::gelu_tanh))
    throw_error<ValueError>(name, ": unknown fused activation ", activation);
  const TensorSpec out = detail::linear_part(*this).infer(detail::linear_inputs(*this, in));
  if (out.dtype != float32)
    throw_error<DTypeError>(
        name, ": float32 only (the compiler makes it for float32 linears), got ", out.dtype);
  if (out.shape.numel() == 0 || in[1].shape[1] == 0)
    throw_error<ShapeError>(name, ": empty GEMMs are not fused (input ", in[0].shape, ", weight ",
                            in[1].shape, ")");
  if (has_residual && !(in.back() == out))
    throw_error<ShapeError>(name, ": residual is ", in.back().dtype, " ", in.back().shape,
                            ", expected the output's ", out.dtype, " ", out.shape);
  return out;
}

NEURON_INLINE DimFlow FusedLinear::dim_flow(const std::vector<TensorSpec>& in,
                                            const TensorSpec& out) const {
  DimFlow f = DimFlow::all(in, DimFlow::kMixed);
  for (int d = 0; d + 1 < in[0].shape.rank(); ++d) f.set(0, d, d);
  if (has_residual)  // added elementwise
    for (int d = 0; d < out.shape.rank(); ++d) f.set(in.size() - 1, d, d);
  return f;
}

NEURON_INLINE void FusedLinear::pad_rule(PadCheck& c) const {
  pad_rule_contract(c, 0, c.in[0].shape.rank() - 1, 1, 1);
}

NEURON_INLINE void FusedLinear::prepare(const std::vector<TensorSpec>& in,
                                        const std::vector<const Tensor*>& constants) {
  const std::int64_t k = in[1].shape[1], n = in[1].shape[0];
  if (detail::choose_gemm_kernel(float32, in[0].shape.numel() / k, k, n) !=
      detail::GemmKernel::onednn)
    return;
  const Tensor* w = constants.size() > 1 ? constants[1] : nullptr;
  primitive = detail::prepare_gemm(name, detail::fused_linear_geometry(*this, in[0], in[1]), w);
}

NEURON_INLINE void FusedLinear::run(const std::vector<Tensor>& in, Tensor& out) const {
  const std::int64_t k = in[1].shape()[1], n = in[1].shape()[0];
  const Tensor* residual = has_residual ? &in.back() : nullptr;
  if (detail::choose_gemm_kernel(float32, in[0].numel() / k, k, n) != detail::GemmKernel::onednn) {
    // batch-1 GEMVs and tiny products: Eigen's linear (which reads x, weight and bias only),
    // then the epilogue on its output while it is in cache
    detail::linear_part(*this).run(in, out);
    detail::linear_epilogue_in_place(*this, residual, out);
    return;
  }
  const detail::GemmGeometry g =
      detail::fused_linear_geometry(*this, spec_of(in[0]), spec_of(in[1]));
  detail::run_gemm(name, g, primitive.get(), in[0], in[1], has_bias ? &in[2] : nullptr, out,
                   residual);
}

// For callers that run it eagerly (tests, tools): the compiler makes it in plans only.
#ifndef NEURON_HEADER_ONLY
template Tensor run_op<FusedLinear>(const FusedLinear&, const std::vector<Tensor>&);
#endif

}  // namespace neuron
