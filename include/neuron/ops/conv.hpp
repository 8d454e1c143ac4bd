// Convolutions with torch.nn.functional semantics: conv1d and conv2d (stride, padding, dilation,
// groups including depthwise, optional bias) and conv_transpose2d. oneDNN runs them in float32
// (conv-inl.hpp): its primitive for the shapes is made once per plan node (prepare()), and the
// weights are reordered into the layout it prefers once: at prepare() for a plan's constant
// weights, else through a cache keyed by the weight tensor (onednn-inl.hpp).
//
// The compiler may fuse an epilogue into a convolution (compiler/cnn_passes): an activation and a
// residual added before it, applied by oneDNN as post-ops on the output.
#pragma once

#include <cstdint>
#include <memory>
#include <tuple>
#include <vector>

#include "any_op.hpp"
#include "epilogue.hpp"

namespace neuron {

// Activations a convolution can apply to its output (the attribute `activation`).
using ConvActivation = EpilogueActivation;

namespace detail {
struct ConvPrimitive;  // oneDNN objects of one convolution for fixed shapes (conv-inl.hpp)
}

// conv1d (N = 1, input [B, C, L]) and conv2d (N = 2, input [B, C, H, W]). Inputs: x, weight
// [O, C / groups, k...], then bias [O] when has_bias, then the residual (output-shaped) when
// has_residual.
template <int N>
struct Convolution {
  static constexpr const char* name = N == 1 ? "conv1d" : "conv2d";
  std::vector<std::int64_t> stride = std::vector<std::int64_t>(N, 1);
  std::vector<std::int64_t> padding = std::vector<std::int64_t>(N, 0);
  std::vector<std::int64_t> dilation = std::vector<std::int64_t>(N, 1);
  std::int64_t groups = 1;
  bool has_bias = false;
  std::int64_t activation = 0;  // ConvActivation, applied last
  bool has_residual = false;    // the last input is added to the output before the activation
  // Memory layout of the input and of the output (and residual): channels last ([B, H, W, C] in
  // memory, the shape still [B, C, H, W]) inside traced plans, plain otherwise.
  bool src_channels_last = false, dst_channels_last = false;
  // 0, or 8 / 16: the channels-last input / output (and residual) is in blocks of that many
  // channels instead ([B, C / 8, H, W, 8] in memory; conv_channel_block() says when plans do it).
  std::int64_t src_channel_block = 0, dst_channel_block = 0;
  NEURON_ATTRS(stride, padding, dilation, groups, has_bias, activation, has_residual,
               src_channels_last, dst_channels_last, src_channel_block, dst_channel_block)
  static constexpr std::size_t attrs_added_later = 2;  // the channel blocks (module format 1.2)

  // Set by prepare(): not an attribute (plans made from files prepare again at load).
  std::shared_ptr<const detail::ConvPrimitive> primitive;

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
  // Makes the primitive for these input specs; `constants[i]` is input i when a plan holds it
  // fixed (its weights are then reordered now, once).
  void prepare(const std::vector<TensorSpec>& in, const std::vector<const Tensor*>& constants);
};

using Conv1dOp = Convolution<1>;
using Conv2dOp = Convolution<2>;

// conv_transpose2d: input [B, C, H, W], weight [C, O / groups, kh, kw], bias [O].
struct ConvTranspose2dOp {
  static constexpr const char* name = "conv_transpose2d";
  std::vector<std::int64_t> stride{1, 1};
  std::vector<std::int64_t> padding{0, 0};
  std::vector<std::int64_t> output_padding{0, 0};
  std::vector<std::int64_t> dilation{1, 1};
  std::int64_t groups = 1;
  bool has_bias = false;
  bool src_channels_last = false, dst_channels_last = false;
  NEURON_ATTRS(stride, padding, output_padding, dilation, groups, has_bias, src_channels_last,
               dst_channels_last)

  std::shared_ptr<const detail::ConvPrimitive> primitive;

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
  void prepare(const std::vector<TensorSpec>& in, const std::vector<const Tensor*>& constants);
};

// The channel block traced plans keep between convolutions on this CPU (compiler/cnn_passes):
// 8 where oneDNN runs its AVX2 kernels, whose direct convolutions ran 1.1-1.6x faster on
// nChw8c than on NHWC activations (bench/bench_conv_layout, Zen 3); 0 (NHWC) on AVX-512, as
// measured there before. NEURON_CONV_CHANNEL_BLOCK=0|8|16 overrides it (tests, measurements).
std::int64_t conv_channel_block();

Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
              std::int64_t stride = 1, std::int64_t padding = 0, std::int64_t dilation = 1,
              std::int64_t groups = 1);
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, IntPair stride = 1,
              IntPair padding = 0, IntPair dilation = 1, std::int64_t groups = 1);
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
                        IntPair stride = 1, IntPair padding = 0, IntPair output_padding = 0,
                        std::int64_t groups = 1, IntPair dilation = 1);

NEURON_EXTERN_TEMPLATE(template struct Convolution<1>;)
NEURON_EXTERN_TEMPLATE(template struct Convolution<2>;)

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "conv-inl.hpp"
#endif
