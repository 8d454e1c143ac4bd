// Definitions of conv.hpp: shape rules as torch's, kernels on oneDNN.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "any_op-inl.hpp"
#include "channel_block.hpp"
#include "conv.hpp"
#include "onednn-inl.hpp"

namespace neuron {

namespace detail {

// oneDNN objects of one convolution (or transposed convolution) for fixed input shapes.
struct ConvPrimitive {
  dnnl::primitive primitive;
  // src, dst (and the residual, in dst's layout): as the primitive computes (channels last);
  // *_user: the tensors' layouts.
  dnnl::memory::desc src, weights_plain, weights_packed, bias, dst;
  dnnl::memory::desc src_user, dst_user;
  bool has_bias = false, has_residual = false;
  bool weights_fixed = false;  // `weights` holds the reordered plan constant
  dnnl::memory weights;        // when weights_fixed
  dnnl::memory::desc scratchpad;
  int threads = 1;
  // The same convolution made for other thread counts, made on first use (guarded by `mutex`).
  mutable std::mutex mutex;
  mutable std::map<int, std::shared_ptr<const ConvPrimitive>>
      for_threads;  // oneDNN splits the work for the thread count at creation
};

// Everything one convolution needs, in torch's terms, with N spatial dims.
struct ConvGeometry {
  bool transposed = false;
  int n = 2;  // spatial dims
  std::vector<std::int64_t> stride, padding, dilation, output_padding;
  std::int64_t groups = 1;
  bool has_bias = false, has_residual = false;
  std::int64_t activation = 0;
  bool src_channels_last = false, dst_channels_last = false;  // the tensors' memory layouts
  // The channels-last input / output in blocks of this many channels (0: NHWC)
  std::int64_t src_channel_block = 0, dst_channel_block = 0;
};

NEURON_INLINE void check_conv_params(const char* op, const ConvGeometry& g) {
  auto check = [&](const char* what, const std::vector<std::int64_t>& v, std::int64_t min) {
    check_int_list(op, what, v, g.n, min);
  };
  check("stride", g.stride, 1);
  check("padding", g.padding, 0);
  check("dilation", g.dilation, 1);
  if (g.transposed) check("output_padding", g.output_padding, 0);
  if (g.groups < 1) throw_error<ValueError>(op, ": groups must be >= 1, got ", g.groups);
  if (g.activation < 0 || g.activation > static_cast<std::int64_t>(EpilogueActivation::gelu_tanh))
    throw_error<ValueError>(op, ": unknown fused activation ", g.activation);
}

// Output spec of a convolution; the errors name the op, the operand and the shapes.
NEURON_INLINE TensorSpec infer_conv(const char* op, const ConvGeometry& g,
                                    const std::vector<TensorSpec>& in) {
  check_conv_params(op, g);
  expect_arity(op, in, 2 + (g.has_bias ? 1 : 0) + (g.has_residual ? 1 : 0));
  const TensorSpec &x = in[0], &w = in[1];
  const int n = g.n;
  const char* layout = n == 1 ? "[B, C, L]" : "[B, C, H, W]";
  if (x.shape.rank() != n + 2 && x.shape.rank() != n + 1)
    throw_error<ShapeError>(op, ": input must be ", layout, " (or unbatched), got shape ", x.shape);
  if (w.shape.rank() != n + 2)
    throw_error<ShapeError>(op, ": weight must have ", n + 2, " dims, got shape ", w.shape);
  for (std::size_t k = 0; k < in.size(); ++k)
    if (in[k].dtype != float32)
      throw_error<DTypeError>(op, ": ",
                              k == 0   ? "input"
                              : k == 1 ? "weight"
                                       : "bias/residual",
                              " has dtype ", in[k].dtype,
                              "; convolutions run in float32 (oneDNN): cast first");
  const bool batched = x.shape.rank() == n + 2;
  const int c_dim = batched ? 1 : 0;
  const std::int64_t c = x.shape[c_dim];
  if (c == 0) throw_error<ShapeError>(op, ": input has 0 channels ", x.shape);
  std::int64_t out_channels, c_per_group_expected;
  if (!g.transposed) {
    out_channels = w.shape[0];
    c_per_group_expected = w.shape[1];
    if (c % g.groups != 0)
      throw_error<ShapeError>(op, ": groups ", g.groups, " do not divide the input's ", c,
                              " channels ", x.shape);
    if (out_channels % g.groups != 0)
      throw_error<ShapeError>(op, ": groups ", g.groups, " do not divide the weight's ",
                              out_channels, " output channels ", w.shape);
    if (c != c_per_group_expected * g.groups)
      throw_error<ShapeError>(op, ": input has ", c, " channels ", x.shape, ", weight expects ",
                              c_per_group_expected * g.groups, " (groups ", g.groups, ") ",
                              w.shape);
  } else {
    if (c % g.groups != 0)
      throw_error<ShapeError>(op, ": groups ", g.groups, " do not divide the input's ", c,
                              " channels ", x.shape);
    if (w.shape[0] != c)
      throw_error<ShapeError>(op, ": input has ", c, " channels ", x.shape, ", weight expects ",
                              w.shape[0], " (groups ", g.groups, ") ", w.shape);
    out_channels = w.shape[1] * g.groups;
  }
  if (out_channels == 0) throw_error<ShapeError>(op, ": weight has 0 output channels ", w.shape);
  Shape out = x.shape;
  out[c_dim] = out_channels;
  for (int d = 0; d < n; ++d) {
    const std::int64_t size = x.shape[c_dim + 1 + d], k = w.shape[2 + d];
    const std::int64_t s = g.stride[d], p = g.padding[d], dl = g.dilation[d];
    const std::int64_t extent = dl * (k - 1) + 1;
    std::int64_t o;
    if (!g.transposed) {
      if (k == 0) throw_error<ShapeError>(op, ": weight has an empty kernel ", w.shape);
      if (extent > size + 2 * p)
        throw_error<ShapeError>(op, ": kernel of extent ", extent, " (size ", k, ", dilation ", dl,
                                ") is larger than the padded input (", size, " + 2 * ", p,
                                ") in spatial dim ", d, "; input ", x.shape, ", weight ", w.shape);
      o = (size + 2 * p - extent) / s + 1;
    } else {
      const std::int64_t op_ = g.output_padding[d];
      if (op_ >= s && op_ >= dl)
        throw_error<ValueError>(op, ": output_padding ", ints_text(g.output_padding),
                                " must be smaller than the stride or the dilation");
      o = (size - 1) * s - 2 * p + extent + op_;
      if (o <= 0)
        throw_error<ShapeError>(op, ": output size ", o, " in spatial dim ", d,
                                " is not positive; input ", x.shape, ", weight ", w.shape);
    }
    out[c_dim + 1 + d] = o;
  }
  std::size_t k = 2;
  if (g.has_bias) {
    if (in[k].shape != Shape({out_channels}))
      throw_error<ShapeError>(op, ": bias has shape ", in[k].shape, ", expected [", out_channels,
                              "]");
    ++k;
  }
  if (g.has_residual && in[k].shape != out)
    throw_error<ShapeError>(op, ": residual has shape ", in[k].shape, ", expected the output's ",
                            out);
  check_channel_block(op, "input", g.src_channel_block, g.src_channels_last, x.shape, n + 2);
  check_channel_block(op, "output", g.dst_channel_block, g.dst_channels_last, out, n + 2);
  return {out, float32};
}

NEURON_INLINE DimFlow conv_dim_flow(const ConvGeometry& g, const std::vector<TensorSpec>& in,
                                    const TensorSpec& out) {
  DimFlow f = DimFlow::all(in, DimFlow::kMixed);
  const bool batched = in[0].shape.rank() == g.n + 2;
  const int first_spatial = batched ? 2 : 1;
  if (batched) f.set(0, 0, 0);
  // A 1-wide kernel with stride 1 and no padding keeps every position where it was.
  for (int d = 0; d < g.n; ++d) {
    const bool pointwise = in[1].shape[2 + d] == 1 && g.stride[d] == 1 && g.padding[d] == 0 &&
                           (!g.transposed || g.output_padding[d] == 0);
    if (pointwise) f.set(0, first_spatial + d, first_spatial + d);
  }
  if (g.has_residual) {  // added elementwise
    const std::size_t r = in.size() - 1;
    for (int d = 0; d < out.shape.rank(); ++d) f.set(r, d, d);
  }
  return f;
}

// Makes the oneDNN primitive of a convolution for these input specs (validated by infer_conv).
NEURON_INLINE std::shared_ptr<ConvPrimitive> make_conv_primitive(
    const char* op, const ConvGeometry& g, const std::vector<TensorSpec>& in) {
  const TensorSpec out = infer_conv(op, g, in);
  auto p = std::make_shared<ConvPrimitive>();
  p->threads = sync_thread_setting();
  p->has_bias = g.has_bias;
  p->has_residual = g.has_residual;
  const Shape& xs = in[0].shape;
  const Shape& ws = in[1].shape;
  const bool batched = xs.rank() == g.n + 2;
  dnnl::memory::dims src_dims = dnnl_dims(xs), dst_dims = dnnl_dims(out.shape);
  if (!batched) {
    src_dims.insert(src_dims.begin(), 1);
    dst_dims.insert(dst_dims.begin(), 1);
  }
  const std::int64_t G = g.groups;
  const std::int64_t oc = dst_dims[1], ic = src_dims[1];
  // Weight dims as oneDNN sees them: [G,] O/G, I/G, k...; the strides describe torch's layout,
  // [O, I/G, k...] for a convolution and [I, O/G, k...] for a transposed one.
  dnnl::memory::dims wd, wstrides;
  std::int64_t kvol = 1;
  for (int d = 0; d < g.n; ++d) kvol *= ws[2 + d];
  std::vector<std::int64_t> kstrides(static_cast<std::size_t>(g.n));
  for (int d = g.n - 1, s = 1; d >= 0; --d) {
    kstrides[static_cast<std::size_t>(d)] = s;
    s *= static_cast<int>(ws[2 + d]);
  }
  const std::int64_t ocg = oc / G, icg = ic / G;
  std::int64_t so, si, sg;
  if (!g.transposed) {
    so = icg * kvol;
    si = kvol;
    sg = ocg * so;
  } else {
    si = ocg * kvol;
    so = kvol;
    sg = icg * si;
  }
  if (G > 1) {
    wd = {G, ocg, icg};
    wstrides = {sg, so, si};
  } else {
    wd = {oc, ic};
    wstrides = {so, si};
  }
  for (int d = 0; d < g.n; ++d) {
    wd.push_back(ws[2 + d]);
    wstrides.push_back(kstrides[static_cast<std::size_t>(d)]);
  }
  using dt = dnnl::memory::data_type;
  // oneDNN's direct kernels want channels-last activations (with plain NCHW it falls back to
  // im2col + GEMM, 2x slower, and 15x slower for depthwise): tensors in plain layout are
  // reordered around the primitive; a traced plan keeps activations channels-last between
  // convolutions so that no reorder is needed (compiler/cnn_passes), in channel blocks where
  // conv_channel_block() says so. A plain input with fewer channels than a block (an image) is
  // read as it is then: oneDNN's first-layer kernels take NCHW in, blocks out.
  p->src_user = dnnl_activation_desc(src_dims, g.src_channels_last, g.src_channel_block);
  p->dst_user = dnnl_activation_desc(dst_dims, g.dst_channels_last, g.dst_channel_block);
  const std::int64_t block = std::max(g.src_channel_block, g.dst_channel_block);
  if (block > 0) {
    p->src = ic % block == 0       ? dnnl_channel_blocked_desc(src_dims, block)
             : g.src_channels_last ? dnnl_channels_last_desc(src_dims)
                                   : dnnl_plain_desc(src_dims);
    p->dst = oc % block == 0 ? dnnl_channel_blocked_desc(dst_dims, block)
                             : dnnl_channels_last_desc(dst_dims);
  } else {
    p->src = dnnl_channels_last_desc(src_dims);
    p->dst = dnnl_channels_last_desc(dst_dims);
  }
  p->weights_plain = dnnl::memory::desc(wd, dt::f32, wstrides);
  const dnnl::memory::desc weights_any(wd, dt::f32, dnnl::memory::format_tag::any);
  if (g.has_bias) p->bias = dnnl_plain_desc({oc});
  dnnl::memory::dims stride = dnnl_dims(g.stride), pad_l = dnnl_dims(g.padding),
                     pad_r = dnnl_dims(g.padding), dil = dnnl_dims(g.dilation);
  for (auto& v : dil) v -= 1;  // oneDNN counts the gaps
  if (g.transposed)
    for (int d = 0; d < g.n; ++d) pad_r[static_cast<std::size_t>(d)] -= g.output_padding[d];
  else
    // torch drops the input's tail that no full window reaches; oneDNN wants the right padding
    // that makes the sizes agree exactly.
    for (int d = 0; d < g.n; ++d) {
      const std::int64_t extent = g.dilation[d] * (ws[2 + d] - 1) + 1;
      pad_r[static_cast<std::size_t>(d)] =
          (dst_dims[2 + d] - 1) * g.stride[d] + extent - src_dims[2 + d] - g.padding[d];
    }
  dnnl::post_ops ops;
  // The residual as a sum post-op (dst += conv), not a binary add: oneDNN 2.6's brgconv kernels
  // take sum but not a full-tensor binary add, and fell back to the older jit kernels, 5-15%
  // slower on resnet18's residual convolutions (512x7x7: 2.26 against 1.97 ms). run_conv puts the
  // residual in dst first.
  if (g.has_residual) ops.append_sum(1.0f);
  float alpha = 0, beta = 0;
  const dnnl::algorithm act = epilogue_algorithm(g.activation, alpha, beta);
  if (act != dnnl::algorithm::undef) ops.append_eltwise(1.0f, act, alpha, beta);
  dnnl::primitive_attr attr = dnnl_attr();
  attr.set_post_ops(ops);
  dnnl_call(op, [&] {
    const dnnl::memory::desc no_bias;
    if (!g.transposed) {
      auto describe = [&] {
        dnnl::convolution_forward::desc d(
            dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, p->src,
            weights_any, g.has_bias ? p->bias : no_bias, p->dst, stride, dil, pad_l, pad_r);
        return dnnl::convolution_forward::primitive_desc(d, attr, dnnl_engine());
      };
      dnnl::convolution_forward::primitive_desc pd = describe();
      // Blocks that only oneDNN's reference kernel takes (a plain input of many channels, ...):
      // channels-last, reordered around it, is much faster.
      if (block > 0 && std::string(pd.impl_info_str()).rfind("ref", 0) == 0) {
        p->src = dnnl_channels_last_desc(src_dims);
        p->dst = dnnl_channels_last_desc(dst_dims);
        pd = describe();
      }
      p->weights_packed = pd.weights_desc();
      p->scratchpad = pd.scratchpad_desc();
      p->primitive = dnnl::convolution_forward(pd);
    } else {
      dnnl::deconvolution_forward::desc d(
          dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct, p->src,
          weights_any, g.has_bias ? p->bias : no_bias, p->dst, stride, dil, pad_l, pad_r);
      dnnl::deconvolution_forward::primitive_desc pd(d, attr, dnnl_engine());
      p->weights_packed = pd.weights_desc();
      p->scratchpad = pd.scratchpad_desc();
      p->primitive = dnnl::deconvolution_forward(pd);
    }
  });
  return p;
}

NEURON_INLINE std::shared_ptr<const ConvPrimitive> prepare_conv(
    const char* op, const ConvGeometry& g, const std::vector<TensorSpec>& in,
    const std::vector<const Tensor*>& constants) {
  std::shared_ptr<ConvPrimitive> p = make_conv_primitive(op, g, in);
  if (constants.size() > 1 && constants[1]) {
    p->weights = dnnl_call(op, [&] {
      return dnnl_reorder_weights(*constants[1], p->weights_plain, p->weights_packed);
    });
    p->weights_fixed = true;
  }
  return p;
}

NEURON_INLINE void run_conv(const char* op, const ConvGeometry& g, const ConvPrimitive* prepared,
                            const std::vector<Tensor>& in, Tensor& out) {
  if (out.numel() == 0) return;
  std::shared_ptr<const ConvPrimitive> made;
  const ConvPrimitive* fixed = prepared && prepared->weights_fixed ? prepared : nullptr;
  ThreadLease lease;  // threads.hpp's sharing rule; the primitive is made for lease.threads()
  const int threads = lease.threads();
  auto make = [&] {
    std::vector<TensorSpec> specs;
    for (const Tensor& t : in) specs.push_back(spec_of(t));
    return std::shared_ptr<const ConvPrimitive>(make_conv_primitive(op, g, specs));
  };
  if (!prepared) {  // eager: oneDNN's own primitive cache makes this cheap for repeated shapes
    made = make();
    prepared = made.get();
  } else if (prepared->threads != threads) {
    // A plan node called with another thread count than it was made for: one more primitive,
    // kept beside the first; the reordered weights serve both when the layouts agree.
    std::lock_guard<std::mutex> lock(prepared->mutex);
    auto& other = prepared->for_threads[threads];
    if (!other) other = make();
    made = other;
    prepared = made.get();
  }
  const ConvPrimitive& p = *prepared;
  const bool reuse = fixed && fixed->weights_packed == p.weights_packed;
  dnnl_call(op, [&] {
    std::unordered_map<int, dnnl::memory> args;
    args[DNNL_ARG_SRC] = dnnl_in_layout(dnnl_memory(p.src_user, in[0]), p.src, 0);
    args[DNNL_ARG_WEIGHTS] =
        reuse ? fixed->weights
              : PackedWeightCache::instance().get(in[1], p.weights_plain, p.weights_packed);
    std::size_t k = 2;
    if (p.has_bias) args[DNNL_ARG_BIAS] = dnnl_memory(p.bias, in[k++]);
    dnnl::memory dst_user = dnnl_memory(p.dst_user, out);
    dnnl::memory dst = p.dst_user == p.dst ? dst_user : dnnl_scratch(2, p.dst);
    if (p.has_residual) {  // the sum post-op adds what dst holds: the residual, in dst's layout
      if (dst == dst_user)
        std::memcpy(out.raw_data(), in[k].raw_data(), out.nbytes());
      else
        dnnl_reorder(dnnl_memory(p.dst_user, in[k]), dst);
    }
    args[DNNL_ARG_DST] = dst;
    dnnl_execute(p.primitive, std::move(args), p.scratchpad);
    if (dst != dst_user) dnnl_reorder(dst, dst_user);
    dnnl_stream().wait();
  });
}

template <int N>
ConvGeometry geometry_of(const Convolution<N>& c) {
  ConvGeometry g;
  g.n = N;
  g.stride = c.stride;
  g.padding = c.padding;
  g.dilation = c.dilation;
  g.groups = c.groups;
  g.has_bias = c.has_bias;
  g.has_residual = c.has_residual;
  g.activation = c.activation;
  g.src_channels_last = c.src_channels_last;
  g.dst_channels_last = c.dst_channels_last;
  g.src_channel_block = c.src_channel_block;
  g.dst_channel_block = c.dst_channel_block;
  return g;
}

inline ConvGeometry geometry_of(const ConvTranspose2dOp& c) {
  ConvGeometry g;
  g.transposed = true;
  g.stride = c.stride;
  g.padding = c.padding;
  g.dilation = c.dilation;
  g.output_padding = c.output_padding;
  g.groups = c.groups;
  g.has_bias = c.has_bias;
  g.src_channels_last = c.src_channels_last;
  g.dst_channels_last = c.dst_channels_last;
  return g;
}

}  // namespace detail

template <int N>
TensorSpec Convolution<N>::infer(const std::vector<TensorSpec>& in) const {
  return detail::infer_conv(name, detail::geometry_of(*this), in);
}

template <int N>
DimFlow Convolution<N>::dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const {
  return detail::conv_dim_flow(detail::geometry_of(*this), in, out);
}

template <int N>
void Convolution<N>::run(const std::vector<Tensor>& in, Tensor& out) const {
  detail::run_conv(name, detail::geometry_of(*this), primitive.get(), in, out);
}

template <int N>
void Convolution<N>::prepare(const std::vector<TensorSpec>& in,
                             const std::vector<const Tensor*>& constants) {
  primitive = detail::prepare_conv(name, detail::geometry_of(*this), in, constants);
}

NEURON_INLINE TensorSpec ConvTranspose2dOp::infer(const std::vector<TensorSpec>& in) const {
  return detail::infer_conv(name, detail::geometry_of(*this), in);
}

NEURON_INLINE DimFlow ConvTranspose2dOp::dim_flow(const std::vector<TensorSpec>& in,
                                                  const TensorSpec& out) const {
  return detail::conv_dim_flow(detail::geometry_of(*this), in, out);
}

NEURON_INLINE void ConvTranspose2dOp::run(const std::vector<Tensor>& in, Tensor& out) const {
  detail::run_conv(name, detail::geometry_of(*this), primitive.get(), in, out);
}

NEURON_INLINE void ConvTranspose2dOp::prepare(const std::vector<TensorSpec>& in,
                                              const std::vector<const Tensor*>& constants) {
  primitive = detail::prepare_conv(name, detail::geometry_of(*this), in, constants);
}

#ifndef NEURON_HEADER_ONLY
template struct Convolution<1>;
template struct Convolution<2>;
#endif

namespace detail {
inline std::vector<Tensor> conv_inputs(const Tensor& x, const Tensor& w, const Tensor& b) {
  std::vector<Tensor> v{x, w};
  if (b.defined()) v.push_back(b);
  return v;
}
}  // namespace detail

NEURON_INLINE Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                            std::int64_t stride, std::int64_t padding, std::int64_t dilation,
                            std::int64_t groups) {
  Conv1dOp op;
  op.stride = {stride};
  op.padding = {padding};
  op.dilation = {dilation};
  op.groups = groups;
  op.has_bias = bias.defined();
  return run_op(op, detail::conv_inputs(x, weight, bias));
}

NEURON_INLINE std::int64_t conv_channel_block() {
  if (const char* e = std::getenv("NEURON_CONV_CHANNEL_BLOCK")) {
    const std::string v = e;
    if (v == "0" || v == "8" || v == "16") return std::stoll(v);
    std::fprintf(stderr, "neuron: NEURON_CONV_CHANNEL_BLOCK=%s ignored (expected 0, 8 or 16)\n",
                 v.substr(0, 32).c_str());
  }
  const dnnl::cpu_isa isa = dnnl::get_effective_cpu_isa();
  return isa == dnnl::cpu_isa::avx2 || isa == dnnl::cpu_isa::avx2_vnni ? 8 : 0;
}

NEURON_INLINE Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                            IntPair stride, IntPair padding, IntPair dilation,
                            std::int64_t groups) {
  Conv2dOp op;
  op.stride = stride.vec();
  op.padding = padding.vec();
  op.dilation = dilation.vec();
  op.groups = groups;
  op.has_bias = bias.defined();
  return run_op(op, detail::conv_inputs(x, weight, bias));
}

NEURON_INLINE Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                      IntPair stride, IntPair padding, IntPair output_padding,
                                      std::int64_t groups, IntPair dilation) {
  ConvTranspose2dOp op;
  op.stride = stride.vec();
  op.padding = padding.vec();
  op.output_padding = output_padding.vec();
  op.dilation = dilation.vec();
  op.groups = groups;
  op.has_bias = bias.defined();
  return run_op(op, detail::conv_inputs(x, weight, bias));
}

}  // namespace neuron
