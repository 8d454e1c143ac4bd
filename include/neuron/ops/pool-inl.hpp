// Definitions of pool.hpp.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "any_op-inl.hpp"
#include "channel_block.hpp"
#include "onednn-inl.hpp"
#include "pool.hpp"

namespace neuron {

namespace detail {

struct PoolPrimitive {
  dnnl::primitive primitive;
  dnnl::memory::desc src, dst, scratchpad;
  int threads = 1;  // the thread count it was made for
};

struct PoolGeometry {
  int n = 2;
  std::vector<std::int64_t> kernel, stride, padding, dilation;
  bool ceil_mode = false;
  bool channels_last = false;
  std::int64_t channel_block = 0;
};

// torch's pooling output size (pooling_output_shape): floor, or ceil where the last window still
// starts inside the input or its left padding.
inline std::int64_t pool_output_size(std::int64_t in, std::int64_t k, std::int64_t s,
                                     std::int64_t p, std::int64_t d, bool ceil_mode) {
  std::int64_t num = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  std::int64_t o = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;
  if (ceil_mode && (o - 1) * s >= in + p) --o;
  return o;
}

NEURON_INLINE TensorSpec infer_pool(const char* op, const PoolGeometry& g,
                                    const std::vector<TensorSpec>& in, bool floating_only_f32) {
  expect_arity(op, in, 1);
  const TensorSpec& x = in[0];
  const int n = g.n;
  if (x.shape.rank() != n + 2 && x.shape.rank() != n + 1)
    throw_error<ShapeError>(op, ": input must be ", n == 1 ? "[B, C, L]" : "[B, C, H, W]",
                            " (or unbatched), got shape ", x.shape);
  if (floating_only_f32 ? x.dtype != float32 : !is_floating(x.dtype))
    throw_error<DTypeError>(op, ": input has dtype ", x.dtype, "; expected ",
                            floating_only_f32 ? "float32 (oneDNN)" : "float32 or float64");
  auto check = [&](const char* what, const std::vector<std::int64_t>& v, std::int64_t min) {
    check_int_list(op, what, v, n, min);
  };
  check("kernel_size", g.kernel, 1);
  check("stride", g.stride, 1);
  check("padding", g.padding, 0);
  check("dilation", g.dilation, 1);
  Shape out = x.shape;
  const int first = x.shape.rank() - n;
  for (int d = 0; d < n; ++d) {
    const std::int64_t size = x.shape[first + d], k = g.kernel[d], p = g.padding[d];
    if (p > k / 2)
      throw_error<ValueError>(op, ": padding ", p, " must be at most half the kernel size ", k,
                              " (spatial dim ", d, ")");
    const std::int64_t o = pool_output_size(size, k, g.stride[d], p, g.dilation[d], g.ceil_mode);
    if (o < 1)
      throw_error<ShapeError>(op, ": kernel ", k, " (dilation ", g.dilation[d],
                              ") is larger than the padded input (", size, " + 2 * ", p,
                              ") in spatial dim ", d, "; input ", x.shape);
    out[first + d] = o;
  }
  for (int d = 0; d < first; ++d)
    if (x.shape[d] == 0 && d == first - 1)
      throw_error<ShapeError>(op, ": input has 0 channels ", x.shape);
  check_channel_block(op, "input", g.channel_block, g.channels_last, x.shape, n + 2);
  return {out, x.dtype};
}

// Batch and channel dims pass through; windows mix the spatial ones.
NEURON_INLINE DimFlow pool_dim_flow(int n, const std::vector<TensorSpec>& in) {
  DimFlow f = DimFlow::all(in, DimFlow::kMixed);
  for (int d = 0; d < in[0].shape.rank() - n; ++d) f.set(0, d, d);
  return f;
}

template <int N>
PoolGeometry geometry_of(const MaxPool<N>& m) {
  return {N,          m.kernel,    m.stride,        m.padding,
          m.dilation, m.ceil_mode, m.channels_last, m.channel_block};
}
template <int N>
PoolGeometry geometry_of(const AvgPool<N>& m) {
  return {N, m.kernel, m.stride, m.padding, std::vector<std::int64_t>(N, 1), m.ceil_mode, false, 0};
}

NEURON_INLINE std::shared_ptr<PoolPrimitive> make_max_pool(const char* op, const PoolGeometry& g,
                                                           const std::vector<TensorSpec>& in) {
  const TensorSpec out = infer_pool(op, g, in, true);
  dnnl::memory::dims src = dnnl_dims(in[0].shape), dst = dnnl_dims(out.shape);
  if (static_cast<int>(src.size()) == g.n + 1) {
    src.insert(src.begin(), 1);
    dst.insert(dst.begin(), 1);
  }
  auto p = std::make_shared<PoolPrimitive>();
  p->threads = sync_thread_setting();
  p->src = dnnl_activation_desc(src, g.channels_last, g.channel_block);
  p->dst = dnnl_activation_desc(dst, g.channels_last, g.channel_block);
  dnnl::memory::dims kernel = dnnl_dims(g.kernel), stride = dnnl_dims(g.stride),
                     pad_l = dnnl_dims(g.padding), pad_r = pad_l, dil = dnnl_dims(g.dilation);
  for (int d = 0; d < g.n; ++d) {
    dil[static_cast<std::size_t>(d)] -= 1;
    // oneDNN wants the right padding that makes the sizes agree exactly (ceil_mode adds some).
    const std::int64_t extent = g.dilation[d] * (g.kernel[d] - 1) + 1;
    pad_r[static_cast<std::size_t>(d)] = std::max<std::int64_t>(
        (dst[2 + d] - 1) * g.stride[d] + extent - src[2 + d] - g.padding[d], 0);
  }
  dnnl_call(op, [&] {
    dnnl::pooling_v2_forward::desc d(dnnl::prop_kind::forward_inference,
                                     dnnl::algorithm::pooling_max, p->src, p->dst, stride, kernel,
                                     dil, pad_l, pad_r);
    dnnl::pooling_v2_forward::primitive_desc pd(d, dnnl_attr(), dnnl_engine());
    p->scratchpad = pd.scratchpad_desc();
    p->primitive = dnnl::pooling_v2_forward(pd);
  });
  return p;
}

// avg_pool over planes of `inner` = prod(spatial) values; torch's divisor rules.
template <class T>
void avg_pool_kernel(const T* x, T* y, std::int64_t planes, const Shape& in_sp, const Shape& out_sp,
                     const PoolGeometry& g, bool count_include_pad) {
  const int n = g.n;
  const std::int64_t ih = n == 2 ? in_sp[0] : 1, iw = in_sp[n - 1];
  const std::int64_t oh = n == 2 ? out_sp[0] : 1, ow = out_sp[n - 1];
  const std::int64_t kh = n == 2 ? g.kernel[0] : 1, kw = g.kernel[n - 1];
  const std::int64_t sh = n == 2 ? g.stride[0] : 1, sw = g.stride[n - 1];
  const std::int64_t ph = n == 2 ? g.padding[0] : 0, pw = g.padding[n - 1];
  for (std::int64_t pl = 0; pl < planes; ++pl) {
    const T* xp = x + pl * ih * iw;
    T* yp = y + pl * oh * ow;
    for (std::int64_t oy = 0; oy < oh; ++oy) {
      std::int64_t h0 = oy * sh - ph, h1 = std::min(h0 + kh, ih + ph);
      const std::int64_t hsize = h1 - h0;
      h0 = std::max<std::int64_t>(h0, 0);
      h1 = std::min(h1, ih);
      for (std::int64_t ox = 0; ox < ow; ++ox) {
        std::int64_t w0 = ox * sw - pw, w1 = std::min(w0 + kw, iw + pw);
        const std::int64_t pool = hsize * (w1 - w0);
        w0 = std::max<std::int64_t>(w0, 0);
        w1 = std::min(w1, iw);
        T acc = 0;
        for (std::int64_t a = h0; a < h1; ++a)
          for (std::int64_t b = w0; b < w1; ++b) acc += xp[a * iw + b];
        const std::int64_t divisor = count_include_pad ? pool : (h1 - h0) * (w1 - w0);
        yp[oy * ow + ox] = divisor > 0 ? acc / static_cast<T>(divisor) : T(0);
      }
    }
  }
}

// adaptive_avg_pool: window i covers [floor(i * in / out), ceil((i + 1) * in / out)).
template <class T>
void adaptive_avg_pool_kernel(const T* x, T* y, std::int64_t planes, const Shape& in_sp,
                              const Shape& out_sp, int n) {
  const std::int64_t ih = n == 2 ? in_sp[0] : 1, iw = in_sp[n - 1];
  const std::int64_t oh = n == 2 ? out_sp[0] : 1, ow = out_sp[n - 1];
  for (std::int64_t pl = 0; pl < planes; ++pl) {
    const T* xp = x + pl * ih * iw;
    T* yp = y + pl * oh * ow;
    for (std::int64_t oy = 0; oy < oh; ++oy) {
      const std::int64_t h0 = oy * ih / oh, h1 = ((oy + 1) * ih + oh - 1) / oh;
      for (std::int64_t ox = 0; ox < ow; ++ox) {
        const std::int64_t w0 = ox * iw / ow, w1 = ((ox + 1) * iw + ow - 1) / ow;
        T acc = 0;
        for (std::int64_t a = h0; a < h1; ++a)
          for (std::int64_t b = w0; b < w1; ++b) acc += xp[a * iw + b];
        yp[oy * ow + ox] = acc / static_cast<T>((h1 - h0) * (w1 - w0));
      }
    }
  }
}

// Planes (batch x channels) and the spatial shapes of a pooling's input and output.
inline std::int64_t pool_planes(const Shape& s, int n, Shape& spatial) {
  std::int64_t planes = 1;
  for (int d = 0; d < s.rank() - n; ++d) planes *= s[d];
  std::vector<std::int64_t> sp;
  for (int d = s.rank() - n; d < s.rank(); ++d) sp.push_back(s[d]);
  spatial = Shape(sp);
  return planes;
}

}  // namespace detail

template <int N>
TensorSpec MaxPool<N>::infer(const std::vector<TensorSpec>& in) const {
  return detail::infer_pool(name, detail::geometry_of(*this), in, true);
}
template <int N>
DimFlow MaxPool<N>::dim_flow(const std::vector<TensorSpec>& in, const TensorSpec&) const {
  return detail::pool_dim_flow(N, in);
}
template <int N>
void MaxPool<N>::prepare(const std::vector<TensorSpec>& in, const std::vector<const Tensor*>&) {
  primitive = detail::make_max_pool(name, detail::geometry_of(*this), in);
}
template <int N>
void MaxPool<N>::run(const std::vector<Tensor>& in, Tensor& out) const {
  if (out.numel() == 0) return;
  detail::ThreadLease lease;  // threads.hpp's sharing rule
  std::shared_ptr<const detail::PoolPrimitive> made = primitive;
  if (!made || made->threads != lease.threads())
    made = detail::make_max_pool(name, detail::geometry_of(*this), {spec_of(in[0])});
  detail::dnnl_call(name, [&] {
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, detail::dnnl_memory(made->src, in[0])},
        {DNNL_ARG_DST, detail::dnnl_memory(made->dst, out)}};
    detail::dnnl_execute(made->primitive, std::move(args), made->scratchpad);
    detail::dnnl_stream().wait();
  });
}

template <int N>
TensorSpec AvgPool<N>::infer(const std::vector<TensorSpec>& in) const {
  return detail::infer_pool(name, detail::geometry_of(*this), in, false);
}
template <int N>
DimFlow AvgPool<N>::dim_flow(const std::vector<TensorSpec>& in, const TensorSpec&) const {
  return detail::pool_dim_flow(N, in);
}
template <int N>
void AvgPool<N>::run(const std::vector<Tensor>& in, Tensor& out) const {
  Shape in_sp, out_sp;
  const std::int64_t planes = detail::pool_planes(in[0].shape(), N, in_sp);
  detail::pool_planes(out.shape(), N, out_sp);
  visit_dtype(in[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>)
      detail::avg_pool_kernel<T>(in[0].data<T>(), out.data<T>(), planes, in_sp, out_sp,
                                 detail::geometry_of(*this), count_include_pad);
  });
}

template <int N>
TensorSpec AdaptiveAvgPool<N>::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 1);
  const TensorSpec& x = in[0];
  if (x.shape.rank() != N + 2 && x.shape.rank() != N + 1)
    throw_error<ShapeError>(name, ": input must be ", N == 1 ? "[B, C, L]" : "[B, C, H, W]",
                            " (or unbatched), got shape ", x.shape);
  if (!is_floating(x.dtype))
    throw_error<DTypeError>(name, ": input has dtype ", x.dtype, "; expected float32 or float64");
  if (static_cast<int>(output_size.size()) != N)
    throw_error<ValueError>(name, ": output_size must have ", N, " values, got ",
                            output_size.size());
  Shape out = x.shape;
  for (int d = 0; d < N; ++d) {
    if (output_size[d] < 1)
      throw_error<ValueError>(name, ": output_size must be >= 1, got ", ints_text(output_size));
    const int dim = x.shape.rank() - N + d;
    if (x.shape[dim] == 0)
      throw_error<ShapeError>(name, ": input has an empty spatial dim ", x.shape);
    out[dim] = output_size[d];
  }
  return {out, x.dtype};
}
template <int N>
DimFlow AdaptiveAvgPool<N>::dim_flow(const std::vector<TensorSpec>& in, const TensorSpec&) const {
  return detail::pool_dim_flow(N, in);
}
template <int N>
void AdaptiveAvgPool<N>::run(const std::vector<Tensor>& in, Tensor& out) const {
  Shape in_sp, out_sp;
  const std::int64_t planes = detail::pool_planes(in[0].shape(), N, in_sp);
  detail::pool_planes(out.shape(), N, out_sp);
  visit_dtype(in[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>)
      detail::adaptive_avg_pool_kernel<T>(in[0].data<T>(), out.data<T>(), planes, in_sp, out_sp, N);
  });
}

#ifndef NEURON_HEADER_ONLY
template struct MaxPool<1>;
template struct MaxPool<2>;
template struct AvgPool<1>;
template struct AvgPool<2>;
template struct AdaptiveAvgPool<1>;
template struct AdaptiveAvgPool<2>;
#endif

namespace detail {
inline std::vector<std::int64_t> pool_stride(const std::vector<std::int64_t>& stride,
                                             const std::vector<std::int64_t>& kernel) {
  bool unset = true;
  for (std::int64_t s : stride) unset = unset && s == 0;
  return unset ? kernel : stride;
}
}  // namespace detail

NEURON_INLINE Tensor max_pool1d(const Tensor& x, std::int64_t kernel, std::int64_t stride,
                                std::int64_t padding, std::int64_t dilation, bool ceil_mode) {
  MaxPool<1> op;
  op.kernel = {kernel};
  op.stride = detail::pool_stride({stride}, op.kernel);
  op.padding = {padding};
  op.dilation = {dilation};
  op.ceil_mode = ceil_mode;
  return run_op(op, {x});
}

NEURON_INLINE Tensor max_pool2d(const Tensor& x, IntPair kernel, IntPair stride, IntPair padding,
                                IntPair dilation, bool ceil_mode) {
  MaxPool<2> op;
  op.kernel = kernel.vec();
  op.stride = detail::pool_stride(stride.vec(), op.kernel);
  op.padding = padding.vec();
  op.dilation = dilation.vec();
  op.ceil_mode = ceil_mode;
  return run_op(op, {x});
}

NEURON_INLINE Tensor avg_pool1d(const Tensor& x, std::int64_t kernel, std::int64_t stride,
                                std::int64_t padding, bool ceil_mode, bool count_include_pad) {
  AvgPool<1> op;
  op.kernel = {kernel};
  op.stride = detail::pool_stride({stride}, op.kernel);
  op.padding = {padding};
  op.ceil_mode = ceil_mode;
  op.count_include_pad = count_include_pad;
  return run_op(op, {x});
}

NEURON_INLINE Tensor avg_pool2d(const Tensor& x, IntPair kernel, IntPair stride, IntPair padding,
                                bool ceil_mode, bool count_include_pad) {
  AvgPool<2> op;
  op.kernel = kernel.vec();
  op.stride = detail::pool_stride(stride.vec(), op.kernel);
  op.padding = padding.vec();
  op.ceil_mode = ceil_mode;
  op.count_include_pad = count_include_pad;
  return run_op(op, {x});
}

NEURON_INLINE Tensor adaptive_avg_pool1d(const Tensor& x, std::int64_t output_size) {
  AdaptiveAvgPool<1> op;
  op.output_size = {output_size};
  return run_op(op, {x});
}

NEURON_INLINE Tensor adaptive_avg_pool2d(const Tensor& x, IntPair output_size) {
  AdaptiveAvgPool<2> op;
  op.output_size = output_size.vec();
  return run_op(op, {x});
}

}  // namespace neuron
