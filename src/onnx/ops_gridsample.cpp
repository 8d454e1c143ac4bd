// GridSample (torch.nn.functional.grid_sample semantics): 2-d, bilinear or nearest, zeros /
// border / reflection padding, align_corners. The grid is data, so the sampling is built from
// elementwise ops and gathers along the flattened spatial dims (nothing is read on the host).
#include "ops.hpp"

namespace neuron::onnx::detail {

namespace {

// Unnormalized source coordinate of grid values g in [-1, 1] along a dim of `size`, with the
// padding mode's folding (torch's grid_sampler_compute_source_index).
Tensor source_index(const Tensor& g, std::int64_t size, bool align, const std::string& padding) {
  const double s = static_cast<double>(size);
  Tensor c = align ? Tensor((g + 1.0) * (0.5 * (s - 1))) : Tensor(((g + 1.0) * s - 1.0) * 0.5);
  if (padding == "border") return nr::clamp(c, 0.0, s - 1);
  if (padding == "reflection") {
    const double lo = align ? 0.0 : -0.5, span = align ? s - 1 : s;
    if (span <= 0) return c * 0.0;
    Tensor in = nr::abs(c - lo);
    Tensor flips = nr::floor(in / span);
    Tensor extra = in - flips * span;
    Tensor even = nr::eq(nr::remainder(flips, 2.0), 0.0);
    c = nr::where(even, extra + lo, (span - extra) + lo);
    return nr::clamp(c, 0.0, s - 1);
  }
  return c;
}

}  // namespace

void check_GridSample(CheckContext& c) {
  c.allow_values("mode", {"bilinear", "nearest"});
  c.allow_values("padding_mode", {"zeros", "border", "reflection"});
}

void run_GridSample(OpContext& c) {
  Tensor x = c.in(0), grid = c.in(1);
  if (x.rank() != 4 || grid.rank() != 4 || grid.shape()[3] != 2 || grid.shape()[0] != x.shape()[0])
    c.fail<ShapeError>("X must be [N, C, H, W] and grid [N, H_out, W_out, 2], got ", x.shape(),
                       " and ", grid.shape());
  if (!is_floating(x.dtype()) || grid.dtype() != x.dtype())
    c.fail<DTypeError>("X and grid must share a floating dtype, got ", x.dtype(), " and ",
                       grid.dtype());
  const bool align = c.attr_i("align_corners", 0) != 0;
  const std::string mode = c.attr_s("mode", "bilinear"),
                    padding = c.attr_s("padding_mode", "zeros");
  const std::int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  const std::int64_t Ho = grid.shape()[1], Wo = grid.shape()[2];
  Tensor flat_grid = nr::reshape(grid, {N, Ho * Wo, 2});
  Tensor gx = nr::squeeze(nr::slice(flat_grid, 2, 0, 1), 2),
         gy = nr::squeeze(nr::slice(flat_grid, 2, 1, 2), 2);
  Tensor sx = source_index(gx, W, align, padding), sy = source_index(gy, H, align, padding);
  Tensor values = nr::reshape(x, {N, C, H * W});
  // One tap: the values at integer (yi, xi) [N, Ho * Wo] (float), zero where outside.
  auto tap = [&](const Tensor& yi, const Tensor& xi) {
    Tensor inside = nr::logical_and(nr::logical_and(nr::ge(xi, 0.0), nr::le(xi, W - 1.0)),
                                    nr::logical_and(nr::ge(yi, 0.0), nr::le(yi, H - 1.0)));
    Tensor lin = nr::cast(
        nr::clamp(yi, 0.0, H - 1.0) * static_cast<double>(W) + nr::clamp(xi, 0.0, W - 1.0), int64);
    Tensor idx = nr::expand(nr::unsqueeze(lin, 1), {N, C, Ho * Wo});
    Tensor v = nr::gather(values, 2, idx);
    return Tensor(v * nr::unsqueeze(as_dtype(inside, x.dtype()), 1));
  };
  Tensor y;
  if (mode == "nearest") {
    y = tap(nr::round(sy), nr::round(sx));
  } else {
    Tensor x0 = nr::floor(sx), y0 = nr::floor(sy);
    Tensor wx1 = sx - x0, wy1 = sy - y0;
    Tensor wx0 = 1.0 - wx1, wy0 = 1.0 - wy1;
    auto w = [&](const Tensor& a, const Tensor& b) { return nr::unsqueeze(Tensor(a * b), 1); };
    y = tap(y0, x0) * w(wy0, wx0) + tap(y0, x0 + 1.0) * w(wy0, wx1) +
        tap(y0 + 1.0, x0) * w(wy1, wx0) + tap(y0 + 1.0, x0 + 1.0) * w(wy1, wx1);
  }
  c.set(0, as_dtype(nr::reshape(y, {N, C, Ho, Wo}), x.dtype()));
}

}  // namespace neuron::onnx::detail
