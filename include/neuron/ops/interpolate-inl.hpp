// Definitions of interpolate.hpp. Index arithmetic follows torch's CPU kernels
// (area_pixel_compute_source_index, nearest_idx) in the input's own float type.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "any_op-inl.hpp"
#include "interpolate.hpp"

namespace neuron {

NEURON_INLINE TensorSpec Interpolate::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 1);
  const TensorSpec& x = in[0];
  if (x.shape.rank() != 4)
    throw_error<ShapeError>("interpolate: input must be [B, C, H, W], got shape ", x.shape);
  if (!is_floating(x.dtype))
    throw_error<DTypeError>("interpolate: input dtype must be float32 or float64, got ", x.dtype);
  if (mode != nearest && mode != bilinear)
    throw_error<ValueError>("interpolate: unknown mode ", mode);
  if (mode == nearest && align_corners)
    throw_error<ValueError>("interpolate: align_corners can only be set with mode 'bilinear'");
  if (size.size() != 2 || size[0] < 1 || size[1] < 1)
    throw_error<ValueError>("interpolate: size must be two positive values {h, w}, got ",
                            ints_text(size), " for input ", x.shape);
  if (!(scale_h >= 0) || !(scale_w >= 0))
    throw_error<ValueError>("interpolate: scale factors must be positive");
  if (x.shape[2] == 0 || x.shape[3] == 0)
    throw_error<ShapeError>("interpolate: input has an empty spatial dim ", x.shape);
  return {Shape({x.shape[0], x.shape[1], size[0], size[1]}), x.dtype};
}

NEURON_INLINE DimFlow Interpolate::dim_flow(const std::vector<TensorSpec>& in,
                                            const TensorSpec&) const {
  DimFlow f = DimFlow::all(in, DimFlow::kLost);  // positions move: padding cannot follow
  f.set(0, 0, 0);
  f.set(0, 1, 1);
  return f;
}

namespace detail {
// torch's area_pixel_compute_scale: in / out, or 1 / the user's factor, or for align_corners
// (in - 1) / (out - 1).
template <class T>
T interp_scale(std::int64_t in, std::int64_t out, bool align_corners, double factor) {
  if (align_corners) return out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
  if (factor > 0) return static_cast<T>(1.0 / factor);
  return static_cast<T>(in) / static_cast<T>(out);
}

// Nearest source index of each output index (torch's nearest_idx).
template <class T>
std::vector<std::int64_t> nearest_index(std::int64_t in, std::int64_t out, double factor) {
  std::vector<std::int64_t> idx(static_cast<std::size_t>(out));
  const T scale = interp_scale<T>(in, out, false, factor);
  for (std::int64_t o = 0; o < out; ++o) {
    std::int64_t i;
    if (out == in)
      i = o;
    else if (out == 2 * in)
      i = o >> 1;
    else
      i = std::min(static_cast<std::int64_t>(std::floor(static_cast<T>(o) * scale)), in - 1);
    idx[static_cast<std::size_t>(o)] = i;
  }
  return idx;
}

// Bilinear taps of each output index: i0, i1 and their weights.
template <class T>
struct LinearTaps {
  std::vector<std::int64_t> i0, i1;
  std::vector<T> w0, w1;
};

template <class T>
LinearTaps<T> linear_taps(std::int64_t in, std::int64_t out, bool align_corners, double factor) {
  LinearTaps<T> t;
  const T scale = interp_scale<T>(in, out, align_corners, factor);
  for (std::int64_t o = 0; o < out; ++o) {
    T src = align_corners ? scale * static_cast<T>(o)
                          : std::max(scale * (static_cast<T>(o) + T(0.5)) - T(0.5), T(0));
    const std::int64_t i0 = std::min(static_cast<std::int64_t>(src), in - 1);
    const std::int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
    const T l1 = std::min(src - static_cast<T>(i0), T(1));
    t.i0.push_back(i0);
    t.i1.push_back(i1);
    t.w0.push_back(T(1) - l1);
    t.w1.push_back(l1);
  }
  return t;
}
}  // namespace detail

NEURON_INLINE void Interpolate::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  const std::int64_t planes = x.shape()[0] * x.shape()[1];
  const std::int64_t ih = x.shape()[2], iw = x.shape()[3], oh = size[0], ow = size[1];
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* xp = x.data<T>();
      T* yp = out.data<T>();
      if (mode == nearest) {
        const auto hy = detail::nearest_index<T>(ih, oh, scale_h);
        const auto wx = detail::nearest_index<T>(iw, ow, scale_w);
        for (std::int64_t p = 0; p < planes; ++p)
          for (std::int64_t y = 0; y < oh; ++y) {
            const T* row = xp + (p * ih + hy[static_cast<std::size_t>(y)]) * iw;
            T* dst = yp + (p * oh + y) * ow;
            for (std::int64_t c = 0; c < ow; ++c) dst[c] = row[wx[static_cast<std::size_t>(c)]];
          }
      } else {
        const auto th = detail::linear_taps<T>(ih, oh, align_corners, scale_h);
        const auto tw = detail::linear_taps<T>(iw, ow, align_corners, scale_w);
        for (std::int64_t p = 0; p < planes; ++p)
          for (std::int64_t y = 0; y < oh; ++y) {
            const std::size_t yy = static_cast<std::size_t>(y);
            const T* r0 = xp + (p * ih + th.i0[yy]) * iw;
            const T* r1 = xp + (p * ih + th.i1[yy]) * iw;
            const T h0 = th.w0[yy], h1 = th.w1[yy];
            T* dst = yp + (p * oh + y) * ow;
            for (std::int64_t c = 0; c < ow; ++c) {
              const std::size_t cc = static_cast<std::size_t>(c);
              const std::int64_t a = tw.i0[cc], b = tw.i1[cc];
              dst[c] = h0 * (tw.w0[cc] * r0[a] + tw.w1[cc] * r0[b]) +
                       h1 * (tw.w0[cc] * r1[a] + tw.w1[cc] * r1[b]);
            }
          }
      }
    }
  });
}

namespace detail {
inline std::int64_t interpolate_mode(const std::string& mode) {
  if (mode == "nearest") return Interpolate::nearest;
  if (mode == "bilinear") return Interpolate::bilinear;
  throw_error<ValueError>("interpolate: unknown mode '", mode.substr(0, 32),
                          "'; expected 'nearest' or 'bilinear'");
}
}  // namespace detail

NEURON_INLINE Tensor interpolate(const Tensor& x, const std::vector<std::int64_t>& size,
                                 const std::string& mode, bool align_corners) {
  Interpolate op;
  op.size = size;
  op.mode = detail::interpolate_mode(mode);
  op.align_corners = align_corners;
  return run_op(op, {x});
}

NEURON_INLINE Tensor interpolate_scale(const Tensor& x, const std::vector<double>& scale_factor,
                                       const std::string& mode, bool align_corners) {
  if (scale_factor.size() != 2 || !(scale_factor[0] > 0) || !(scale_factor[1] > 0))
    throw_error<ValueError>("interpolate: scale_factor must be two positive values");
  if (x.rank() != 4)
    throw_error<ShapeError>("interpolate: input must be [B, C, H, W], got shape ", x.shape());
  Interpolate op;
  op.mode = detail::interpolate_mode(mode);
  op.align_corners = align_corners;
  op.size = {static_cast<std::int64_t>(std::floor(x.shape()[2] * scale_factor[0])),
             static_cast<std::int64_t>(std::floor(x.shape()[3] * scale_factor[1]))};
  // torch uses the factors for the source coordinates (recompute_scale_factor unset)
  op.scale_h = scale_factor[0];
  op.scale_w = scale_factor[1];
  return run_op(op, {x});
}

}  // namespace neuron
