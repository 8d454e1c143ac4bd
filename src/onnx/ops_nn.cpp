// Neural-network ONNX ops: convolutions, pooling, normalizations, Gemm, softmax family, Dropout,
// Resize / Upsample (exactly as ONNX's reference: separable taps gathered with index_select),
// DepthToSpace / SpaceToDepth, LRN.
#include <cmath>
#include <limits>

#include "ops.hpp"

namespace neuron::onnx::detail {

namespace {

// Kernel, strides, dilations and begin / end pads of a convolution or pooling node.
struct Window {
  int n = 0;
  std::vector<std::int64_t> kernel, strides, dilations, begin, end;
  bool symmetric() const { return begin == end; }
};

Window window_of(const OpContext& c, const Shape& x, std::vector<std::int64_t> kernel) {
  Window w;
  w.n = static_cast<int>(kernel.size());
  const auto n = static_cast<std::size_t>(w.n);
  if (x.rank() != w.n + 2)
    c.fail<ShapeError>("input must have ", w.n + 2, " dims (N, C and ", w.n,
                       " spatial), got shape ", x);
  w.kernel = std::move(kernel);
  w.strides = c.attr_ints("strides", std::vector<std::int64_t>(n, 1));
  w.dilations = c.attr_ints("dilations", std::vector<std::int64_t>(n, 1));
  std::vector<std::int64_t> pads = c.attr_ints("pads", std::vector<std::int64_t>(2 * n, 0));
  if (w.strides.size() != n || w.dilations.size() != n || pads.size() != 2 * n)
    c.fail<ShapeError>("strides, dilations and pads must have ", n, ", ", n, " and ", 2 * n,
                       " values for a ", n, "-d kernel");
  for (std::size_t i = 0; i < n; ++i)
    if (w.strides[i] < 1 || w.dilations[i] < 1 || w.kernel[i] < 1 || pads[i] < 0 || pads[i + n] < 0)
      c.fail("kernel, strides and dilations must be >= 1 and pads >= 0");
  w.begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(n));
  w.end.assign(pads.begin() + static_cast<std::ptrdiff_t>(n), pads.end());
  const std::string auto_pad = c.attr_s("auto_pad", "NOTSET");
  if (auto_pad == "VALID") {
    w.begin.assign(n, 0);
    w.end.assign(n, 0);
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t in = x[static_cast<int>(i) + 2];
      const std::int64_t out = (in + w.strides[i] - 1) / w.strides[i];
      const std::int64_t extent = (w.kernel[i] - 1) * w.dilations[i] + 1;
      const std::int64_t total = std::max<std::int64_t>(0, (out - 1) * w.strides[i] + extent - in);
      w.begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.end[i] = total - w.begin[i];
    }
  }
  return w;
}

// nr::pad's pads (last dim first, before / after) for begin / end pads of the spatial dims.
std::vector<std::int64_t> torch_pads(const std::vector<std::int64_t>& begin,
                                     const std::vector<std::int64_t>& end) {
  std::vector<std::int64_t> p;
  for (std::size_t i = begin.size(); i-- > 0;) {
    p.push_back(begin[i]);
    p.push_back(end[i]);
  }
  return p;
}

bool all_zero(const std::vector<std::int64_t>& v) {
  for (auto x : v)
    if (x) return false;
  return true;
}

void check_window_attrs(CheckContext& c, const char* what) {
  c.allow_values("auto_pad", {"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"});
  if (c.has_attr("kernel_shape")) {
    auto k = c.attr_ints("kernel_shape");
    if (k.size() < 1 || k.size() > 3)
      c.refuse(what, " with ", k.size(), " spatial dims (neuron has 1-d, 2-d and 3-d ", what, ")");
  }
}

// Pooling: the output size ONNX asks for must be the one torch's rule gives (they differ when
// ceil_mode would start a window in the end padding: refused rather than guessed).
void check_pool_size(const OpContext& c, const Shape& x, const Window& w, bool ceil_mode) {
  for (int i = 0; i < w.n; ++i) {
    const std::int64_t in =
        x[i + 2] + w.begin[static_cast<std::size_t>(i)] + w.end[static_cast<std::size_t>(i)];
    const std::int64_t extent =
        (w.kernel[static_cast<std::size_t>(i)] - 1) * w.dilations[static_cast<std::size_t>(i)] + 1;
    const std::int64_t s = w.strides[static_cast<std::size_t>(i)];
    if (in < extent)
      c.fail<ShapeError>("the kernel (extent ", extent, ") is larger than the padded input (", in,
                         ") in spatial dim ", i);
    std::int64_t onnx = (in - extent + (ceil_mode ? s - 1 : 0)) / s + 1;
    std::int64_t torch = onnx;
    if (ceil_mode && (torch - 1) * s >= x[i + 2] + w.begin[static_cast<std::size_t>(i)]) --torch;
    if (onnx != torch)
      c.fail("ceil_mode makes ONNX start a last window inside the end padding (output size ", onnx,
             ") where neuron's pooling stops at ", torch, "; not supported");
  }
}

}  // namespace

namespace {
// 3-d convolutions and poolings as 2-d ones: each kernel depth offset takes a strided slice of
// the (explicitly padded) depth, folds it into the batch, runs the 2-d op, and the offsets are
// summed (convolution, average) or maxed.
Tensor fold_depth(const Tensor& xp, std::int64_t offset, std::int64_t d_out, std::int64_t stride) {
  const Shape s = xp.shape();
  Tensor xs = nr::slice(xp, 2, offset, offset + (d_out - 1) * stride + 1, stride);
  xs = nr::permute(xs, {0, 2, 1, 3, 4});
  return nr::reshape(xs, {s[0] * d_out, s[1], s[3], s[4]});
}
Tensor unfold_depth(const Tensor& y, std::int64_t n, std::int64_t d_out) {
  const Shape s = y.shape();
  return nr::permute(nr::reshape(y, {n, d_out, s[1], s[2], s[3]}), {0, 2, 1, 3, 4});
}
std::int64_t depth_out(const OpContext& c, std::int64_t padded, std::int64_t k, std::int64_t dil,
                       std::int64_t stride) {
  const std::int64_t extent = (k - 1) * dil + 1;
  if (padded < extent)
    c.fail<ShapeError>("the kernel's depth extent ", extent, " is larger than the padded depth ",
                       padded);
  return (padded - extent) / stride + 1;
}
}  // namespace

void check_Conv(CheckContext& c) {
  check_window_attrs(c, "convolutions");
  if (const int r = c.known_rank(1); r >= 0 && !c.has_attr("kernel_shape") && (r < 3 || r > 5))
    c.refuse("a weight of rank ", r, " (neuron has 1-d, 2-d and 3-d convolutions)");
}

void run_Conv(OpContext& c) {
  Tensor x = c.in(0), w = c.in(1), b = c.has(2) ? c.in(2) : Tensor();
  const int n = w.rank() - 2;
  if (n < 1 || n > 3)
    c.fail("a weight of shape ", w.shape(), " makes a ", n,
           "-d convolution; neuron has 1-d, 2-d and 3-d convolutions");
  std::vector<std::int64_t> kernel(w.shape().begin() + 2, w.shape().end());
  if (c.has_attr("kernel_shape") && c.attr_ints("kernel_shape") != kernel)
    c.fail<ShapeError>("kernel_shape ", ints_text(c.attr_ints("kernel_shape")),
                       " does not match the weight's shape ", w.shape());
  Window win = window_of(c, x.shape(), kernel);
  const std::int64_t groups = c.attr_i("group", 1);
  if (n == 3) {
    Tensor xp = nr::pad(x, torch_pads(win.begin, win.end));
    const std::int64_t d_out =
        depth_out(c, xp.shape()[2], kernel[0], win.dilations[0], win.strides[0]);
    Tensor sum;
    for (std::int64_t i = 0; i < kernel[0]; ++i) {
      Tensor wi = nr::squeeze(nr::slice(w, 2, i, i + 1), 2);
      Tensor yi = nr::conv2d(fold_depth(xp, i * win.dilations[0], d_out, win.strides[0]), wi,
                             Tensor(), {win.strides[1], win.strides[2]}, 0,
                             {win.dilations[1], win.dilations[2]}, groups);
      sum = sum.defined() ? Tensor(sum + yi) : yi;
    }
    Tensor y = unfold_depth(sum, x.shape()[0], d_out);
    if (b.defined()) y = y + nr::reshape(b, {1, b.numel(), 1, 1, 1});
    c.set(0, y);
    return;
  }
  if (!win.symmetric()) {
    x = nr::pad(x, torch_pads(win.begin, win.end));
    win.begin.assign(static_cast<std::size_t>(n), 0);
  }
  if (n == 1) {
    c.set(0, nr::conv1d(x, w, b, win.strides[0], win.begin[0], win.dilations[0], groups));
  } else {
    c.set(0, nr::conv2d(x, w, b, {win.strides[0], win.strides[1]}, {win.begin[0], win.begin[1]},
                        {win.dilations[0], win.dilations[1]}, groups));
  }
}

void check_ConvTranspose(CheckContext& c) {
  c.allow_values("auto_pad", {"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"});
  if (c.has_attr("kernel_shape")) {
    auto k = c.attr_ints("kernel_shape");
    if (k.size() < 1 || k.size() > 2)
      c.refuse("transposed convolutions with ", k.size(),
               " spatial dims (neuron has 1-d and 2-d ones)");
  } else if (const int r = c.known_rank(1); r >= 0 && (r < 3 || r > 4)) {
    // The weight's rank, of a constant or of a graph input that declares its shape.
    c.refuse("a weight of rank ", r, " (neuron has 1-d and 2-d transposed convolutions)");
  }
}

void run_ConvTranspose(OpContext& c) {
  Tensor x = c.in(0), w = c.in(1), b = c.has(2) ? c.in(2) : Tensor();
  const int n = w.rank() - 2;
  if (n < 1 || n > 2)
    c.fail("a weight of shape ", w.shape(), " makes a ", n,
           "-d transposed convolution; neuron has 1-d and 2-d ones");
  if (x.rank() != n + 2) c.fail<ShapeError>("input must have ", n + 2, " dims, got ", x.shape());
  const auto un = static_cast<std::size_t>(n);
  std::vector<std::int64_t> kernel(w.shape().begin() + 2, w.shape().end());
  auto strides = c.attr_ints("strides", std::vector<std::int64_t>(un, 1));
  auto dilations = c.attr_ints("dilations", std::vector<std::int64_t>(un, 1));
  auto pads = c.attr_ints("pads", std::vector<std::int64_t>(2 * un, 0));
  auto out_pad = c.attr_ints("output_padding", std::vector<std::int64_t>(un, 0));
  if (strides.size() != un || dilations.size() != un || pads.size() != 2 * un ||
      out_pad.size() != un)
    c.fail<ShapeError>("strides, dilations, pads and output_padding do not fit a ", n, "-d kernel");
  const std::int64_t groups = c.attr_i("group", 1);
  std::vector<std::int64_t> begin(pads.begin(), pads.begin() + n),
      end(pads.begin() + n, pads.end());
  const std::string auto_pad = c.attr_s("auto_pad", "NOTSET");
  std::vector<std::int64_t> full(un);  // output size without padding
  for (std::size_t i = 0; i < un; ++i)
    full[i] = strides[i] * (x.shape()[static_cast<int>(i) + 2] - 1) + out_pad[i] +
              (kernel[i] - 1) * dilations[i] + 1;
  if (c.has_attr("output_shape") || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    std::vector<std::int64_t> target = c.attr_ints("output_shape");
    if (target.empty())
      for (std::size_t i = 0; i < un; ++i)
        target.push_back(x.shape()[static_cast<int>(i) + 2] * strides[i]);
    if (target.size() == un + 2) target.erase(target.begin(), target.begin() + 2);
    if (target.size() != un) c.fail<ShapeError>("output_shape must have ", n, " values");
    for (std::size_t i = 0; i < un; ++i) {
      const std::int64_t total = full[i] - target[i];
      if (total < 0) {  // a larger output: zeros (and the bias) at the end, as ONNX's tests
        begin[i] = 0;
        end[i] = total;
        continue;
      }
      // ONNX: SAME_UPPER puts the extra pad at the end, otherwise at the start.
      begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      end[i] = total - begin[i];
    }
  } else if (auto_pad == "VALID") {
    begin.assign(un, 0);
    end.assign(un, 0);
  }
  bool direct = begin == end;
  for (std::size_t i = 0; i < un; ++i)
    if (begin[i] < 0 || end[i] < 0) direct = false;
  for (std::size_t i = 0; i < un; ++i)
    if (out_pad[i] >= std::max(strides[i], dilations[i])) direct = false;
  Tensor y;
  if (n == 1) {  // as a 2-d one over [N, C, 1, L]
    x = nr::unsqueeze(x, 2);
    w = nr::unsqueeze(w, 2);
    strides.insert(strides.begin(), 1);
    dilations.insert(dilations.begin(), 1);
    begin.insert(begin.begin(), 0);
    end.insert(end.begin(), 0);
    out_pad.insert(out_pad.begin(), 0);
  }
  if (direct) {
    y = nr::conv_transpose2d(x, w, b, {strides[0], strides[1]}, {begin[0], begin[1]},
                             {out_pad[0], out_pad[1]}, groups, {dilations[0], dilations[1]});
  } else {
    // No padding, then crop begin / end and add output_padding's rows (they get the bias only).
    y = nr::conv_transpose2d(x, w, Tensor(), {strides[0], strides[1]}, 0, 0, groups,
                             {dilations[0], dilations[1]});
    std::vector<std::int64_t> p;
    for (int i = 1; i >= 0; --i) {
      p.push_back(-begin[static_cast<std::size_t>(i)]);
      p.push_back(out_pad[static_cast<std::size_t>(i)] - end[static_cast<std::size_t>(i)]);
    }
    y = nr::pad(y, p);
    if (b.defined()) y = y + nr::reshape(b, {1, b.numel(), 1, 1});
  }
  if (n == 1) y = nr::squeeze(y, 2);
  c.set(0, y);
}

void check_MaxPool(CheckContext& c) {
  check_window_attrs(c, "poolings");
  if (c.has_output(1) && (c.attr_ints("kernel_shape").size() != 2 || c.attr_i("ceil_mode", 0)))
    c.refuse("output 1 (Indices) is supported for 2-d pooling without ceil_mode only");
  if (!c.has_attr("kernel_shape")) c.refuse("attribute 'kernel_shape' is missing");
}

namespace {
// MaxPool with its Indices output (2-d, no ceil_mode): for each kernel offset, the strided slice
// of the -inf padded input and of the input's flat indices; the first maximum wins. Indices count
// over N, C, H, W (storage_order 0) or N, C, W, H (1), as ONNX's reference.
void max_pool_with_indices(OpContext& c, const Tensor& x, const Window& w) {
  const Shape s = x.shape();
  const std::int64_t h = s[2], wd = s[3];
  const bool column_major = c.attr_i("storage_order", 0) != 0;
  std::vector<std::int64_t> flat(static_cast<std::size_t>(x.numel()));
  for (std::int64_t p = 0; p < x.numel(); ++p) {
    const std::int64_t plane = p / (h * wd), i = p / wd % h, j = p % wd;
    flat[static_cast<std::size_t>(p)] = plane * h * wd + (column_major ? j * h + i : i * wd + j);
  }
  const auto pads = torch_pads(w.begin, w.end);
  Tensor xp = nr::pad(x, pads, "constant", -std::numeric_limits<double>::infinity());
  Tensor ip = nr::pad(c.place(nr::reshape(int64_tensor(flat), s.vec())), pads, "constant", -1);
  std::int64_t out[2];
  for (int d = 0; d < 2; ++d) {
    const auto k = static_cast<std::size_t>(d);
    const std::int64_t extent = (w.kernel[k] - 1) * w.dilations[k] + 1;
    out[d] = (xp.shape()[d + 2] - extent) / w.strides[k] + 1;
  }
  Tensor best, best_index;
  for (std::int64_t a = 0; a < w.kernel[0]; ++a)
    for (std::int64_t b = 0; b < w.kernel[1]; ++b) {
      auto window = [&](const Tensor& t) {
        const std::int64_t r = a * w.dilations[0], q = b * w.dilations[1];
        Tensor rows = nr::slice(t, 2, r, r + (out[0] - 1) * w.strides[0] + 1, w.strides[0]);
        return nr::slice(rows, 3, q, q + (out[1] - 1) * w.strides[1] + 1, w.strides[1]);
      };
      Tensor v = window(xp), i = window(ip);
      if (!best.defined()) {
        best = v;
        best_index = i;
        continue;
      }
      Tensor better = nr::gt(v, best);
      best = nr::where(better, v, best);
      best_index = nr::where(better, i, best_index);
    }
  c.set(0, best);
  c.set(1, best_index);
}
}  // namespace

void run_MaxPool(OpContext& c) {
  Tensor x = c.in(0);
  Window w = window_of(c, x.shape(), c.attr_ints("kernel_shape"));
  const bool ceil_mode = c.attr_i("ceil_mode", 0) != 0;
  check_pool_size(c, x.shape(), w, ceil_mode);
  if (c.wants(1)) {
    if (w.n != 2 || ceil_mode) c.fail("output 1 (Indices) needs 2-d pooling without ceil_mode");
    max_pool_with_indices(c, x, w);
    return;
  }
  if (w.n == 3) {
    if (ceil_mode) c.fail("ceil_mode is not supported for 3-d pooling");
    Tensor xp = nr::pad(x, torch_pads(w.begin, w.end), "constant",
                        -std::numeric_limits<double>::infinity());
    const std::int64_t d_out =
        depth_out(c, xp.shape()[2], w.kernel[0], w.dilations[0], w.strides[0]);
    Tensor y;
    for (std::int64_t i = 0; i < w.kernel[0]; ++i) {
      Tensor yi = nr::max_pool2d(fold_depth(xp, i * w.dilations[0], d_out, w.strides[0]),
                                 {w.kernel[1], w.kernel[2]}, {w.strides[1], w.strides[2]}, 0,
                                 {w.dilations[1], w.dilations[2]});
      y = y.defined() ? Tensor(nr::maximum(y, yi)) : yi;
    }
    c.set(0, unfold_depth(y, x.shape()[0], d_out));
    return;
  }
  bool native = w.symmetric();
  for (int i = 0; i < w.n; ++i)
    if (w.begin[static_cast<std::size_t>(i)] > w.kernel[static_cast<std::size_t>(i)] / 2)
      native = false;
  if (!native) {  // padding with -inf is what max pooling's implicit padding means
    x = nr::pad(x, torch_pads(w.begin, w.end), "constant",
                -std::numeric_limits<double>::infinity());
    w.begin.assign(static_cast<std::size_t>(w.n), 0);
  }
  if (w.n == 1)
    c.set(0, nr::max_pool1d(x, w.kernel[0], w.strides[0], w.begin[0], w.dilations[0], ceil_mode));
  else
    c.set(0, nr::max_pool2d(x, {w.kernel[0], w.kernel[1]}, {w.strides[0], w.strides[1]},
                            {w.begin[0], w.begin[1]}, {w.dilations[0], w.dilations[1]}, ceil_mode));
}

void check_AveragePool(CheckContext& c) {
  check_window_attrs(c, "poolings");
  if (!c.has_attr("kernel_shape")) c.refuse("attribute 'kernel_shape' is missing");
}

void run_AveragePool(OpContext& c) {
  Tensor x = c.in(0);
  Window w = window_of(c, x.shape(), c.attr_ints("kernel_shape"));
  const bool ceil_mode = c.attr_i("ceil_mode", 0) != 0;
  const bool include_pad = c.attr_i("count_include_pad", 0) != 0;
  check_pool_size(c, x.shape(), w, ceil_mode);
  if (w.n == 3) {
    if (ceil_mode) c.fail("ceil_mode is not supported for 3-d pooling");
    const auto p = torch_pads(w.begin, w.end);
    auto pool3 = [&](const Tensor& t) {
      Tensor tp = nr::pad(t, p);
      const std::int64_t d_out = depth_out(c, tp.shape()[2], w.kernel[0], 1, w.strides[0]);
      Tensor sum;
      for (std::int64_t i = 0; i < w.kernel[0]; ++i) {
        Tensor yi = nr::avg_pool2d(fold_depth(tp, i, d_out, w.strides[0]),
                                   {w.kernel[1], w.kernel[2]}, {w.strides[1], w.strides[2]}, 0);
        sum = sum.defined() ? Tensor(sum + yi) : yi;
      }
      return unfold_depth(sum / static_cast<double>(w.kernel[0]), t.shape()[0], d_out);
    };
    Tensor y = pool3(x);
    if (!include_pad && !all_zero(p)) {
      Shape ms = x.shape();
      ms[0] = 1;
      ms[1] = 1;
      y = y / c.place(pool3(nr::ones(ms, x.dtype())));
    }
    c.set(0, as_dtype(y, x.dtype()));
    return;
  }
  auto pool = [&](const Tensor& t, const std::vector<std::int64_t>& pad, bool count_pad) {
    if (w.n == 1) return nr::avg_pool1d(t, w.kernel[0], w.strides[0], pad[0], ceil_mode, count_pad);
    return nr::avg_pool2d(t, {w.kernel[0], w.kernel[1]}, {w.strides[0], w.strides[1]},
                          {pad[0], pad[1]}, ceil_mode, count_pad);
  };
  bool native = w.symmetric();
  for (int i = 0; i < w.n; ++i)
    if (w.begin[static_cast<std::size_t>(i)] > w.kernel[static_cast<std::size_t>(i)] / 2)
      native = false;
  if (native) {
    c.set(0, pool(x, w.begin, include_pad));
    return;
  }
  // Explicit zero padding; without count_include_pad, divide by the pooled mask of real entries.
  const std::vector<std::int64_t> zero(static_cast<std::size_t>(w.n), 0);
  const auto p = torch_pads(w.begin, w.end);
  Tensor y = pool(nr::pad(x, p), zero, true);
  if (!include_pad) {
    Shape ms = x.shape();
    ms[0] = 1;
    ms[1] = 1;
    Tensor mask = nr::pad(nr::ones(ms, x.dtype()), p);
    y = y / c.place(pool(mask, zero, true));
  }
  c.set(0, y);
}

void run_GlobalAveragePool(OpContext& c) {
  Tensor x = c.in(0);
  // [B, C, H, W] as the DSL writes it (adaptive_avg_pool2d to 1 x 1: torch's exports of
  // AdaptiveAvgPool2d((1, 1)) are this node), so imported and DSL models compile alike
  if (x.rank() == 4 && (x.dtype() == float32 || x.dtype() == float64) && x.numel() > 0) {
    c.set(0, nr::adaptive_avg_pool2d(x, {1, 1}));
    return;
  }
  std::vector<std::int64_t> dims;
  for (int d = 2; d < x.rank(); ++d) dims.push_back(d);
  c.set(0, dims.empty() ? x : nr::mean(x, dims, true));
}

void run_GlobalMaxPool(OpContext& c) {
  Tensor x = c.in(0);
  std::vector<std::int64_t> dims;
  for (int d = 2; d < x.rank(); ++d) dims.push_back(d);
  c.set(0, dims.empty() ? x : nr::max(x, dims, true));
}

void check_BatchNormalization(CheckContext& c) {
  // Opset 14+: training_mode = 1 normalizes with the batch's statistics and returns the updated
  // running ones (deterministic). Before, the extra outputs were training-only.
  if (c.opset() < 14 && c.has_attr("training_mode"))
    c.refuse("attribute 'training_mode' belongs to opsets 14 and later");
  const bool training = c.opset() >= 14 && c.attr_i("training_mode", 0) != 0;
  for (int i = 1; i < c.outputs(); ++i)
    if (c.has_output(i) && !(training && i <= 2))
      c.refuse("output ", i, " (training statistics) is not supported");
  if (c.opset() < 9 && c.attr_i("spatial", 1) == 0)
    c.refuse("spatial = 0 (statistics per element) is not supported");
  if (c.opset() < 7 && c.attr_i("is_test", 0) == 0)
    c.refuse("is_test = 0 (training mode) is not supported");
}

void run_BatchNormalization(OpContext& c) {
  const double eps = c.attr_f("epsilon", 1e-5);
  if (c.opset() >= 14 && c.attr_i("training_mode", 0) != 0) {
    Tensor x = c.in(0);
    std::vector<std::int64_t> dims{0};
    for (int d = 2; d < x.rank(); ++d) dims.push_back(d);
    Tensor mean = nr::mean(x, dims, false);
    std::vector<std::int64_t> bshape(static_cast<std::size_t>(x.rank()), 1);
    bshape[1] = x.shape()[1];
    Tensor centered = x - nr::reshape(mean, bshape);
    Tensor var = nr::mean(centered * centered, dims, false);  // biased, as numpy's var
    const double m = c.attr_f("momentum", 0.9);
    c.set(0, nr::batch_norm(x, mean, var, c.in(1), c.in(2), eps));
    c.set(1, as_dtype(c.in(3) * m + mean * (1 - m), x.dtype()));
    c.set(2, as_dtype(c.in(4) * m + var * (1 - m), x.dtype()));
    return;
  }
  c.set(0, nr::batch_norm(c.in(0), c.in(3), c.in(4), c.in(1), c.in(2), eps));
}

void run_InstanceNormalization(OpContext& c) {
  Tensor x = c.in(0);
  if (x.rank() < 3) c.fail<ShapeError>("input must be [N, C, D1, ...], got ", x.shape());
  c.set(0, nr::group_norm(x, x.shape()[1], c.in(1), c.in(2), c.attr_f("epsilon", 1e-5)));
}

void run_LayerNormalization(OpContext& c) {
  Tensor x = c.in(0), scale = c.in(1), bias = c.has(2) ? c.in(2) : Tensor();
  const std::int64_t axis = norm_axis(c, c.attr_i("axis", -1), x.rank());
  const double eps = c.attr_f("epsilon", 1e-5);
  std::vector<std::int64_t> normalized(x.shape().begin() + axis, x.shape().end());
  const Shape ns(normalized);
  Tensor y;
  if (scale.shape() == ns && (!bias.defined() || bias.shape() == ns)) {
    y = nr::layer_norm(x, normalized, scale, bias, eps);
  } else {  // broadcastable scale / bias
    y = nr::layer_norm(x, normalized, Tensor(), Tensor(), eps) * scale;
    if (bias.defined()) y = y + bias;
  }
  c.set(0, y);
  if (c.wants(1) || c.wants(2)) {
    std::vector<std::int64_t> dims;
    for (std::int64_t d = axis; d < x.rank(); ++d) dims.push_back(d);
    Tensor mean = nr::mean(x, dims, true);
    Tensor centered = x - mean;
    Tensor var = nr::mean(centered * centered, dims, true);
    c.set(1, mean);
    c.set(2, nr::rsqrt(var + eps));
  }
}

void run_Gemm(OpContext& c) {
  Tensor a = c.in(0), b = c.in(1), bias = c.has(2) ? c.in(2) : Tensor();
  const double alpha = c.attr_f("alpha", 1.0), beta = c.attr_f("beta", 1.0);
  const bool ta = c.attr_i("transA", 0) != 0, tb = c.attr_i("transB", 0) != 0;
  if (a.rank() != 2 || b.rank() != 2)
    c.fail<ShapeError>("A and B must be 2-d, got ", a.shape(), " and ", b.shape());
  if (ta) a = nr::transpose(a, 0, 1);
  const std::int64_t n = tb ? b.shape()[0] : b.shape()[1];
  if (tb && alpha == 1.0 && is_floating(a.dtype()) &&
      (!bias.defined() || (beta == 1.0 && bias.rank() == 1 && bias.shape()[0] == n))) {
    c.set(0, nr::linear(a, b, bias));  // x @ W^T + b: torch's Linear, as exported
    return;
  }
  Tensor y = nr::matmul(a, tb ? nr::transpose(b, 0, 1) : b);
  if (alpha != 1.0) y = as_dtype(y * alpha, a.dtype());
  if (bias.defined() && beta != 0.0)
    y = y + (beta == 1.0 ? bias : as_dtype(bias * beta, bias.dtype()));
  c.set(0, as_dtype(y, a.dtype()));
}

namespace {
// Softmax-like ops: opsets 1-12 flatten to 2-d at `axis` (default 1), 13+ work along `axis`
// (default -1).
template <class F>
void along_axis(OpContext& c, F f) {
  Tensor x = c.in(0);
  if (c.opset() >= 13) {
    const std::int64_t axis = norm_axis(c, c.attr_i("axis", -1), x.rank());
    c.set(0, f(x, axis));
    return;
  }
  const std::int64_t axis = norm_axis(c, c.attr_i("axis", 1), x.rank());
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < x.rank(); ++d) (d < axis ? outer : inner) *= x.shape()[d];
  Tensor y = f(nr::reshape(x, {outer, inner}), 1);
  c.set(0, nr::reshape(y, x.shape().vec()));
}
}  // namespace

void run_Softmax(OpContext& c) {
  along_axis(c, [](const Tensor& x, std::int64_t a) { return nr::softmax(x, a); });
}
void run_LogSoftmax(OpContext& c) {
  along_axis(c, [](const Tensor& x, std::int64_t a) { return nr::log_softmax(x, a); });
}
void run_Hardmax(OpContext& c) {
  along_axis(c, [&c](const Tensor& x, std::int64_t a) {
    const std::int64_t n = x.shape()[static_cast<int>(a)];
    std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) ids[static_cast<std::size_t>(i)] = i;
    std::vector<std::int64_t> s(static_cast<std::size_t>(x.rank() - a), 1);
    s[0] = n;
    Tensor iota = c.place(nr::reshape(int64_tensor(ids), s));
    return as_dtype(nr::eq(iota, nr::argmax(x, a, true)), x.dtype());
  });
}

void check_Dropout(CheckContext& c) {
  if (c.opset() < 7 && c.attr_i("is_test", 0) == 0)
    c.refuse("is_test = 0 (training mode) is not supported");
  if (const Tensor* t = c.constant(2); t && t->numel() == 1 && t->item<double>() != 0)
    c.refuse("training_mode = true (random dropout) is not supported");
  // A graph input would be known only when the model runs; its only supported value is false,
  // which an inference model holds as a constant (or omits).
  if (c.opset() >= 12 && c.graph_input(2))
    c.refuse("training_mode is a graph input; neuron runs inference only (training_mode omitted ",
             "or a constant false)");
}

void run_Dropout(OpContext& c) {
  if (c.opset() >= 12 && c.has(2)) {
    Tensor t = c.host(2);
    if (t.numel() != 1 || t.item<double>() != 0)
      c.fail("training_mode = true (random dropout) is not supported");
  }
  if (c.wants(1)) c.set(1, c.place(nr::ones(c.shape(0), bool_)));  // nothing dropped
  c.pass_through(0, 0);
}

// ---- Resize / Upsample ----

namespace {

struct ResizeSpec {
  std::string mode = "nearest";      // nearest, linear, cubic
  std::string coord = "half_pixel";  // coordinate_transformation_mode
  std::string nearest = "round_prefer_floor";
  double cubic_a = -0.75;
  bool exclude_outside = false;
};

// Resizes dim `d` of x from `in` to `out` entries with scale `scale` (ONNX reference semantics).
Tensor resize_dim(const OpContext& c, const Tensor& x, int d, std::int64_t out, double scale,
                  const ResizeSpec& r) {
  const std::int64_t in = x.shape()[d];
  const double out_f = scale * static_cast<double>(in);  // the reference's output_width
  const int taps = r.mode == "cubic" ? 4 : 2;
  const std::size_t uo = static_cast<std::size_t>(out);
  std::vector<std::vector<std::int64_t>> idx(static_cast<std::size_t>(taps),
                                             std::vector<std::int64_t>(uo));
  std::vector<std::vector<double>> wts(static_cast<std::size_t>(taps), std::vector<double>(uo));
  for (std::int64_t j = 0; j < out; ++j) {
    const double xj = static_cast<double>(j);
    double xo = 0;
    if (r.coord == "align_corners")
      xo = out_f == 1 ? 0.0 : xj * static_cast<double>(in - 1) / (out_f - 1);
    else if (r.coord == "asymmetric")
      xo = xj / scale;
    else if (r.coord == "pytorch_half_pixel")
      xo = out_f == 1 ? -0.5 : (xj + 0.5) / scale - 0.5;
    else if (r.coord == "tf_half_pixel_for_nn")
      xo = (xj + 0.5) / scale;
    else
      xo = (xj + 0.5) / scale - 0.5;
    const double base = std::ceil(xo) - 1;  // ratio in (0, 1]: prefer the left neighbour
    const double ratio = xo - base;
    std::vector<double> w;
    if (r.mode == "nearest") {
      bool right = ratio == 1.0;
      if (!right) {
        if (r.nearest == "round_prefer_floor")
          right = ratio > 0.5;
        else if (r.nearest == "round_prefer_ceil")
          right = ratio >= 0.5;
        else if (r.nearest == "ceil")
          right = true;
        else
          right = false;  // floor
      }
      w = {right ? 0.0 : 1.0, right ? 1.0 : 0.0};
    } else if (r.mode == "linear") {
      w = {1 - ratio, ratio};
    } else {
      const double A = r.cubic_a, t = ratio, u = 1 - ratio;
      w = {((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A,
           ((A + 2) * t - (A + 3)) * t * t + 1, ((A + 2) * u - (A + 3)) * u * u + 1,
           ((A * (u + 1) - 5 * A) * (u + 1) + 8 * A) * (u + 1) - 4 * A};
    }
    const std::int64_t first = static_cast<std::int64_t>(base) - (taps == 4 ? 1 : 0);
    double total = 0;
    for (int k = 0; k < taps; ++k) {
      const std::int64_t at = first + k;
      if (r.exclude_outside && (at < 0 || at >= in)) w[static_cast<std::size_t>(k)] = 0;
      total += w[static_cast<std::size_t>(k)];
    }
    for (int k = 0; k < taps; ++k) {
      const std::int64_t at = std::min<std::int64_t>(std::max<std::int64_t>(first + k, 0), in - 1);
      idx[static_cast<std::size_t>(k)][static_cast<std::size_t>(j)] = at;
      wts[static_cast<std::size_t>(k)][static_cast<std::size_t>(j)] =
          r.exclude_outside ? w[static_cast<std::size_t>(k)] / total
                            : w[static_cast<std::size_t>(k)];
    }
  }
  if (r.mode == "nearest") {
    std::vector<std::int64_t> pick(uo);
    for (std::size_t j = 0; j < uo; ++j) pick[j] = wts[1][j] == 1.0 ? idx[1][j] : idx[0][j];
    return nr::index_select(x, d, c.place(int64_tensor(pick)));
  }
  std::vector<std::int64_t> wshape(static_cast<std::size_t>(x.rank() - d), 1);
  wshape[0] = out;
  Tensor y;
  for (int k = 0; k < taps; ++k) {
    Tensor wk = as_dtype(nr::from_vector(wts[static_cast<std::size_t>(k)], Shape{out}), x.dtype());
    Tensor term = nr::index_select(x, d, c.place(int64_tensor(idx[static_cast<std::size_t>(k)]))) *
                  c.place(nr::reshape(wk, wshape));
    y = y.defined() ? Tensor(y + term) : term;
  }
  return y;
}

void resize(OpContext& c, const ResizeSpec& r, std::vector<double> scales,
            std::vector<std::int64_t> sizes) {
  Tensor x = c.in(0);
  const auto rank = static_cast<std::size_t>(x.rank());
  if (!sizes.empty() && sizes.size() != rank)
    c.fail<ShapeError>("sizes has ", sizes.size(), " values for an input of rank ", rank);
  if (!scales.empty() && scales.size() != rank)
    c.fail<ShapeError>("scales has ", scales.size(), " values for an input of rank ", rank);
  if (sizes.empty() && scales.empty()) c.fail("needs scales or sizes");
  if (r.mode != "nearest" && !is_floating(x.dtype()))
    c.fail<DTypeError>(r.mode, " resizing needs a floating input, got ", x.dtype());
  for (std::size_t d = 0; d < rank; ++d) {
    const std::int64_t in = x.shape()[static_cast<int>(d)];
    std::int64_t out;
    double scale;
    if (!sizes.empty()) {
      out = sizes[d];
      if (out < 0) c.fail<ShapeError>("sizes must be >= 0, got ", ints_text(sizes));
      scale = in ? static_cast<double>(out) / static_cast<double>(in) : 1.0;
    } else {
      scale = scales[d];
      if (!(scale > 0) || !std::isfinite(scale)) c.fail("scales must be positive, got ", scale);
      out = static_cast<std::int64_t>(std::floor(scale * static_cast<double>(in)));
    }
    if (out == in && scale == 1.0) continue;
    if (in == 0 || out == 0) c.fail<ShapeError>("cannot resize dim ", d, " from ", in, " to ", out);
    x = resize_dim(c, x, static_cast<int>(d), out, scale, r);
  }
  c.set(0, x);
}

}  // namespace

void check_Resize(CheckContext& c) {
  c.allow_values("mode", {"nearest", "linear", "cubic"});
  c.allow_values(
      "coordinate_transformation_mode",
      {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"});
  c.allow_values("nearest_mode", {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"});
}

void run_Resize(OpContext& c) {
  ResizeSpec r;
  r.mode = c.attr_s("mode", "nearest");
  if (c.opset() < 11) {  // Resize-10: asymmetric coordinates, nearest rounds down (as Upsample)
    r.coord = "asymmetric";
    r.nearest = "floor";
    resize(c, r, c.floats(1), {});
    return;
  }
  r.coord = c.attr_s("coordinate_transformation_mode", "half_pixel");
  r.nearest = c.attr_s("nearest_mode", "round_prefer_floor");
  r.cubic_a = c.attr_f("cubic_coeff_a", -0.75);
  r.exclude_outside = c.attr_i("exclude_outside", 0) != 0;
  std::vector<double> scales;
  std::vector<std::int64_t> sizes;
  if (c.has(3) && c.shape(3).numel() > 0)
    sizes = c.ints(3);
  else if (c.has(2) && c.shape(2).numel() > 0)
    scales = c.floats(2);
  resize(c, r, scales, sizes);
}

void check_Upsample(CheckContext& c) { c.allow_values("mode", {"nearest", "linear"}); }

void run_Upsample(OpContext& c) {
  ResizeSpec r;
  r.mode = c.attr_s("mode", "nearest");
  r.coord = "asymmetric";
  r.nearest = "floor";
  std::vector<double> scales = c.opset() < 9 ? c.attr_floats("scales") : c.floats(1);
  resize(c, r, scales, {});
}

// ---- layout of channels ----

void run_DepthToSpace(OpContext& c) {
  Tensor x = c.in(0);
  const std::int64_t b = c.attr_i("blocksize", 0);
  if (x.rank() != 4) c.fail<ShapeError>("input must be [N, C, H, W], got ", x.shape());
  const std::int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  if (b < 1 || C % (b * b) != 0)
    c.fail<ShapeError>("blocksize ", b, " squared must divide the channels ", C);
  const std::string mode = c.attr_s("mode", "DCR");
  Tensor y;
  if (mode == "CRD")
    y = nr::permute(nr::reshape(x, {N, C / (b * b), b, b, H, W}), {0, 1, 4, 2, 5, 3});
  else
    y = nr::permute(nr::reshape(x, {N, b, b, C / (b * b), H, W}), {0, 3, 4, 1, 5, 2});
  c.set(0, nr::reshape(y, {N, C / (b * b), H * b, W * b}));
}

void check_DepthToSpace(CheckContext& c) { c.allow_values("mode", {"DCR", "CRD"}); }

void run_SpaceToDepth(OpContext& c) {
  Tensor x = c.in(0);
  const std::int64_t b = c.attr_i("blocksize", 0);
  if (x.rank() != 4) c.fail<ShapeError>("input must be [N, C, H, W], got ", x.shape());
  const std::int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  if (b < 1 || H % b != 0 || W % b != 0)
    c.fail<ShapeError>("blocksize ", b, " must divide H ", H, " and W ", W);
  Tensor y = nr::permute(nr::reshape(x, {N, C, H / b, b, W / b, b}), {0, 3, 5, 1, 2, 4});
  c.set(0, nr::reshape(y, {N, C * b * b, H / b, W / b}));
}

void run_LRN(OpContext& c) {
  Tensor x = c.in(0);
  const std::int64_t size = c.attr_i("size", 0);
  if (size < 1) c.fail("attribute 'size' must be >= 1");
  if (x.rank() < 3) c.fail<ShapeError>("input must be [N, C, D1, ...], got ", x.shape());
  const double alpha = c.attr_f("alpha", 1e-4), beta = c.attr_f("beta", 0.75),
               bias = c.attr_f("bias", 1.0);
  Tensor sq = x * x;
  std::vector<std::int64_t> pads(static_cast<std::size_t>(2 * (x.rank() - 2)), 0);
  pads.push_back((size - 1) / 2);
  pads.push_back(size - 1 - (size - 1) / 2);
  Tensor padded = nr::pad(sq, pads);
  const std::int64_t C = x.shape()[1];
  Tensor sum;
  for (std::int64_t k = 0; k < size; ++k) {
    Tensor part = nr::slice(padded, 1, k, k + C);
    sum = sum.defined() ? Tensor(sum + part) : part;
  }
  c.set(0, x / nr::pow(sum * (alpha / static_cast<double>(size)) + bias, beta));
}

}  // namespace neuron::onnx::detail

namespace neuron::onnx::detail {

// ---- losses ----

namespace {

// NegativeLogLikelihoodLoss of log-probabilities [N, C, d...] and targets [N, d...].
Tensor nll(const OpContext& c, const Tensor& logp, const Tensor& target_in, const Tensor& weight) {
  if (logp.rank() < 2) c.fail<ShapeError>("input must be [N, C, ...], got ", logp.shape());
  if (!is_integral(target_in.dtype())) c.fail<DTypeError>("target must hold integers");
  if (target_in.rank() != logp.rank() - 1)
    c.fail<ShapeError>("target of shape ", target_in.shape(), " does not fit input of shape ",
                       logp.shape());
  Tensor target = as_dtype(target_in, int64);
  const bool has_ignore = c.has_attr("ignore_index");
  const std::int64_t ignore = c.attr_i("ignore_index", 0);
  Tensor keep, safe = target;
  if (has_ignore) {
    keep = nr::ne(target, ignore);
    safe = nr::where(keep, target, std::int64_t{0});
  }
  Tensor picked = nr::squeeze(nr::gather(logp, 1, nr::unsqueeze(safe, 1)), 1);
  Tensor w;
  if (weight.defined())
    w = nr::reshape(nr::index_select(weight, 0, nr::reshape(safe, {safe.numel()})),
                    target.shape().vec());
  else
    w = c.place(nr::ones(target.shape(), logp.dtype()));
  if (has_ignore) w = nr::where(keep, w, 0.0);
  w = as_dtype(w, logp.dtype());
  Tensor loss = as_dtype(-picked * w, logp.dtype());
  const std::string reduction = c.attr_s("reduction", "mean");
  if (reduction == "none") return loss;
  if (reduction == "sum") return nr::sum(loss);
  return as_dtype(nr::sum(loss) / nr::sum(w), logp.dtype());
}

}  // namespace

void check_loss(CheckContext& c) { c.allow_values("reduction", {"none", "sum", "mean"}); }

void run_NegativeLogLikelihoodLoss(OpContext& c) {
  c.set(0, nll(c, c.in(0), c.in(1), c.has(2) ? c.in(2) : Tensor()));
}

void run_SoftmaxCrossEntropyLoss(OpContext& c) {
  Tensor logp = nr::log_softmax(c.in(0), 1);
  c.set(0, nll(c, logp, c.in(1), c.has(2) ? c.in(2) : Tensor()));
  c.set(1, logp);
}

}  // namespace neuron::onnx::detail
