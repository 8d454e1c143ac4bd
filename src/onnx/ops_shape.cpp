// Shape and layout ONNX ops. Shapes, axes, starts and pads are read as host values when the
// graph is recorded (OpContext::ints), so Shape -> Gather -> Concat -> Reshape chains run on the
// host and record nothing.
#include <algorithm>
#include <cmath>

#include "ops.hpp"

namespace neuron::onnx::detail {

namespace {

std::vector<std::int64_t> axes_of(OpContext& c, int input) {
  if (c.opset() >= 13) return c.has(input) ? c.ints(input) : std::vector<std::int64_t>{};
  return c.attr_ints("axes");
}

// Reversed iota along `axis` (for flips).
Tensor flip(const OpContext& c, const Tensor& x, std::int64_t axis) {
  const std::int64_t n = x.shape()[static_cast<int>(axis)];
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) ids[static_cast<std::size_t>(i)] = n - 1 - i;
  return nr::index_select(x, axis, c.place(int64_tensor(ids)));
}

}  // namespace

void run_Shape(OpContext& c) {
  const Shape s = c.shape(0);
  const std::int64_t r = s.rank();
  std::int64_t start = c.attr_i("start", 0), end = c.attr_i("end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<std::int64_t>(start, 0, r);
  end = std::clamp<std::int64_t>(end, 0, r);
  std::vector<std::int64_t> dims;
  for (std::int64_t d = start; d < end; ++d) dims.push_back(s[static_cast<int>(d)]);
  c.set(0, int64_tensor(dims));
}

void run_Size(OpContext& c) { c.set(0, nr::scalar_tensor<std::int64_t>(c.shape(0).numel())); }

void run_Reshape(OpContext& c) {
  Tensor x = c.in(0);
  std::vector<std::int64_t> shape = c.opset() < 5 ? c.attr_ints("shape") : c.ints(1);
  const bool allowzero = c.attr_i("allowzero", 0) != 0;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allowzero) {
      if (static_cast<int>(i) >= x.rank())
        c.fail<ShapeError>("shape ", ints_text(shape), " copies dim ", i,
                           " (a 0) that the input of shape ", x.shape(), " does not have");
      shape[i] = x.shape()[static_cast<int>(i)];
    } else if (shape[i] < -1) {
      c.fail<ShapeError>("shape ", ints_text(shape), " has a negative extent");
    }
  }
  c.set(0, nr::reshape(x, shape));
}

void run_Flatten(OpContext& c) {
  Tensor x = c.in(0);
  std::int64_t axis = c.attr_i("axis", 1);
  if (axis < 0) axis += x.rank();
  if (axis < 0 || axis > x.rank())
    c.fail<ShapeError>("axis ", c.attr_i("axis", 1), " is out of range for rank ", x.rank());
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < x.rank(); ++d) (d < axis ? outer : inner) *= x.shape()[d];
  c.set(0, nr::reshape(x, {outer, inner}));
}

void run_Transpose(OpContext& c) {
  Tensor x = c.in(0);
  std::vector<std::int64_t> perm = c.attr_ints("perm");
  if (perm.empty())
    for (int d = x.rank() - 1; d >= 0; --d) perm.push_back(d);
  c.set(0, nr::permute(x, perm));
}

void run_Squeeze(OpContext& c) {
  Tensor x = c.in(0);
  std::vector<std::int64_t> axes = axes_of(c, 1);
  std::vector<bool> drop(static_cast<std::size_t>(x.rank()), false);
  if (axes.empty()) {
    for (int d = 0; d < x.rank(); ++d) drop[static_cast<std::size_t>(d)] = x.shape()[d] == 1;
  } else {
    for (std::int64_t a : axes) {
      std::int64_t d = norm_axis(c, a, x.rank(), "axes");
      if (x.shape()[static_cast<int>(d)] != 1)
        c.fail<ShapeError>("cannot squeeze dim ", d, " of size ", x.shape()[static_cast<int>(d)],
                           " (shape ", x.shape(), ")");
      drop[static_cast<std::size_t>(d)] = true;
    }
  }
  std::vector<std::int64_t> shape;
  for (int d = 0; d < x.rank(); ++d)
    if (!drop[static_cast<std::size_t>(d)]) shape.push_back(x.shape()[d]);
  c.set(0, nr::reshape(x, shape));
}

void run_Unsqueeze(OpContext& c) {
  Tensor x = c.in(0);
  std::vector<std::int64_t> axes = axes_of(c, 1);
  const int out_rank = x.rank() + static_cast<int>(axes.size());
  std::vector<bool> added(static_cast<std::size_t>(out_rank), false);
  for (std::int64_t a : axes) {
    std::int64_t d = norm_axis(c, a, out_rank, "axes");
    if (added[static_cast<std::size_t>(d)])
      c.fail<ShapeError>("axes ", ints_text(axes), " repeat a dim");
    added[static_cast<std::size_t>(d)] = true;
  }
  std::vector<std::int64_t> shape;
  int from = 0;
  for (int d = 0; d < out_rank; ++d)
    shape.push_back(added[static_cast<std::size_t>(d)] ? 1 : x.shape()[from++]);
  c.set(0, nr::reshape(x, shape));
}

void run_Concat(OpContext& c) {
  std::vector<Tensor> parts;
  for (int i = 0; i < c.inputs(); ++i)
    if (c.has(i)) parts.push_back(c.in(i));
  if (parts.empty()) c.fail("needs at least one input");
  const std::int64_t axis = norm_axis(c, c.attr_i("axis", c.opset() < 4 ? 1 : 0), parts[0].rank());
  c.set(0, parts.size() == 1 ? parts[0] : nr::concat(parts, axis));
}

void run_Split(OpContext& c) {
  Tensor x = c.in(0);
  const std::int64_t axis = norm_axis(c, c.attr_i("axis", 0), x.rank());
  const std::int64_t dim = x.shape()[static_cast<int>(axis)];
  std::vector<std::int64_t> sizes =
      c.opset() >= 13 ? (c.has(1) ? c.ints(1) : std::vector<std::int64_t>{}) : c.attr_ints("split");
  const int n = c.outputs();
  if (sizes.empty()) {
    if (n < 1 || dim % n != 0)
      c.fail<ShapeError>("cannot split dim ", axis, " of size ", dim, " into ", n, " equal parts");
    sizes.assign(static_cast<std::size_t>(n), dim / n);
  }
  if (static_cast<int>(sizes.size()) != n)
    c.fail<ShapeError>("split has ", sizes.size(), " sizes for ", n, " outputs");
  std::int64_t start = 0;
  for (int i = 0; i < n; ++i) {
    const std::int64_t len = sizes[static_cast<std::size_t>(i)];
    if (len < 0 || start + len > dim)
      c.fail<ShapeError>("split sizes ", ints_text(sizes), " do not fit dim ", axis, " of size ",
                         dim);
    if (c.wants(i)) c.set(i, nr::slice(x, axis, start, start + len));
    start += len;
  }
  if (start != dim)
    c.fail<ShapeError>("split sizes ", ints_text(sizes), " sum to ", start, ", not to dim ", axis,
                       "'s size ", dim);
}

void run_Slice(OpContext& c) {
  Tensor x = c.in(0);
  std::vector<std::int64_t> starts, ends, axes, steps;
  if (c.opset() < 10) {
    starts = c.attr_ints("starts");
    ends = c.attr_ints("ends");
    axes = c.attr_ints("axes");
  } else {
    starts = c.ints(1);
    ends = c.ints(2);
    if (c.has(3)) axes = c.ints(3);
    if (c.has(4)) steps = c.ints(4);
  }
  if (ends.size() != starts.size())
    c.fail<ShapeError>("starts and ends have ", starts.size(), " and ", ends.size(), " values");
  if (axes.empty())
    for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    c.fail<ShapeError>("starts, ends, axes and steps must have as many values");
  std::vector<bool> seen(static_cast<std::size_t>(x.rank()), false);
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const std::int64_t axis = norm_axis(c, axes[k], x.rank(), "axes");
    if (seen[static_cast<std::size_t>(axis)]) c.fail<ShapeError>("axes repeat dim ", axis);
    seen[static_cast<std::size_t>(axis)] = true;
    const std::int64_t dim = x.shape()[static_cast<int>(axis)], step = steps[k];
    std::int64_t st = starts[k], en = ends[k];
    if (step == 0) c.fail("steps must not be 0");
    if (st < 0) st += dim;
    if (en < 0) en += dim;
    if (step > 0) {
      st = std::clamp<std::int64_t>(st, 0, dim);
      en = std::clamp<std::int64_t>(en, 0, dim);
      if (st == 0 && en == dim && step == 1) continue;
      x = nr::slice(x, axis, st, std::max(st, en), step);
    } else {
      st = std::clamp<std::int64_t>(st, 0, dim - 1);
      en = std::clamp<std::int64_t>(en, -1, dim - 1);
      std::vector<std::int64_t> ids;
      for (std::int64_t i = st; i > en; i += step) ids.push_back(i);
      x = nr::index_select(x, axis, c.place(int64_tensor(ids)));
    }
  }
  c.set(0, x);
}

void run_Gather(OpContext& c) {
  Tensor x = c.in(0);
  const std::int64_t axis = norm_axis(c, c.attr_i("axis", 0), x.rank());
  const std::int64_t dim = x.shape()[static_cast<int>(axis)];
  const Shape ishape = c.shape(1);
  Tensor flat;
  if (c.known(1)) {  // host indices: negative ones wrapped, bounds checked here
    std::vector<std::int64_t> ids = c.ints(1);
    for (auto& i : ids) {
      if (i < -dim || i >= dim)
        c.fail<IndexError>("index ", i, " is out of range for dim ", axis, " of size ", dim);
      if (i < 0) i += dim;
    }
    flat = c.place(int64_tensor(ids));
  } else {
    Tensor idx = c.in(1);
    if (!is_integral(idx.dtype())) c.fail<DTypeError>("indices must be int32 or int64");
    idx = nr::where(nr::lt(idx, 0), idx + dim, idx);
    // A table lookup (nn.Embedding's export) is embedding(): the ids keep their dims, so a
    // batch dim stays whole (trace's dynamic_batch follows it; a flattening reshape mixes it).
    if (axis == 0 && x.rank() == 2) {
      c.set(0, nr::embedding(idx, x));
      return;
    }
    flat = nr::reshape(idx, {ishape.numel()});
  }
  std::vector<std::int64_t> shape(x.shape().begin(), x.shape().begin() + axis);
  shape.insert(shape.end(), ishape.begin(), ishape.end());
  shape.insert(shape.end(), x.shape().begin() + axis + 1, x.shape().end());
  c.set(0, nr::reshape(nr::index_select(x, axis, flat), shape));
}

void run_GatherElements(OpContext& c) {
  Tensor x = c.in(0), idx = as_dtype(c.in(1), int64);
  const std::int64_t axis = norm_axis(c, c.attr_i("axis", 0), x.rank());
  const std::int64_t dim = x.shape()[static_cast<int>(axis)];
  c.set(0, nr::gather(x, axis, nr::where(nr::lt(idx, 0), idx + dim, idx)));
}

void run_Expand(OpContext& c) {
  Tensor x = c.in(0);
  std::vector<std::int64_t> target = c.ints(1);
  // Bidirectional (numpy) broadcasting of x's shape and the given one.
  const std::size_t r = std::max<std::size_t>(target.size(), static_cast<std::size_t>(x.rank()));
  std::vector<std::int64_t> out(r);
  for (std::size_t i = 0; i < r; ++i) {
    const std::int64_t a =
        i < r - static_cast<std::size_t>(x.rank())
            ? 1
            : x.shape()[static_cast<int>(i - (r - static_cast<std::size_t>(x.rank())))];
    const std::int64_t b = i < r - target.size() ? 1 : target[i - (r - target.size())];
    if (a != b && a != 1 && b != 1)
      c.fail<ShapeError>("cannot broadcast the input of shape ", x.shape(), " to ",
                         ints_text(target));
    out[i] = a == 1 ? b : a;
  }
  c.set(0, out == x.shape().vec() ? x : nr::expand(x, out));
}

void run_Tile(OpContext& c) {
  Tensor x = c.in(0);
  std::vector<std::int64_t> reps = c.ints(1);
  if (static_cast<int>(reps.size()) != x.rank())
    c.fail<ShapeError>("repeats has ", reps.size(), " values for an input of rank ", x.rank());
  for (auto r : reps)
    if (r < 0) c.fail<ShapeError>("repeats must be >= 0, got ", ints_text(reps));
  c.set(0, nr::repeat(x, reps));
}

void check_Pad(CheckContext& c) { c.allow_values("mode", {"constant", "reflect", "edge"}); }

void run_Pad(OpContext& c) {
  Tensor x = c.in(0);
  std::vector<std::int64_t> pads;
  double value = 0;
  if (c.opset() < 11) {
    pads = c.opset() < 2 ? c.attr_ints("paddings") : c.attr_ints("pads");
    value = c.attr_f("value", 0.0);
  } else {
    pads = c.ints(1);
    if (c.has(2)) {
      std::vector<double> v = c.floats(2);
      if (v.size() != 1) c.fail<ShapeError>("constant_value must hold one value");
      value = v[0];
    }
  }
  const auto r = static_cast<std::size_t>(x.rank());
  if (pads.size() != 2 * r)
    c.fail<ShapeError>("pads has ", pads.size(), " values for an input of rank ", r, " (expected ",
                       2 * r, ")");
  std::vector<std::int64_t> tp;  // nr::pad: last dim first, (before, after)
  for (std::size_t d = r; d-- > 0;) {
    tp.push_back(pads[d]);
    tp.push_back(pads[d + r]);
  }
  const std::string mode = c.attr_s("mode", "constant");
  if (mode == "constant")
    c.set(0, nr::pad(x, tp, "constant", value));
  else
    c.set(0, nr::pad(x, tp, mode == "edge" ? "replicate" : "reflect"));
}

void run_Constant(OpContext& c) {
  if (c.has_attr("value")) {
    c.set(0, c.attr_t("value"));
  } else if (c.has_attr("value_float")) {
    c.set(0, nr::scalar_tensor<float>(static_cast<float>(c.attr_f("value_float", 0))));
  } else if (c.has_attr("value_floats")) {
    std::vector<double> v = c.attr_floats("value_floats");
    c.set(0, as_dtype(nr::from_vector(v, Shape{static_cast<std::int64_t>(v.size())}), float32));
  } else if (c.has_attr("value_int")) {
    c.set(0, nr::scalar_tensor<std::int64_t>(c.attr_i("value_int", 0)));
  } else if (c.has_attr("value_ints")) {
    c.set(0, int64_tensor(c.attr_ints("value_ints")));
  } else {
    c.fail("has no value attribute");
  }
}

void run_ConstantOfShape(OpContext& c) {
  std::vector<std::int64_t> shape = c.ints(0);
  Tensor v = c.has_attr("value") ? c.attr_t("value") : nr::zeros({1}, float32);
  if (v.numel() != 1) c.fail<ShapeError>("attribute 'value' must hold one value, got ", v.shape());
  for (auto d : shape)
    if (d < 0) c.fail<ShapeError>("shape ", ints_text(shape), " has a negative extent");
  c.set(0, nr::expand(nr::reshape(v, {}), shape));
}

void run_Range(OpContext& c) {
  const DType d = c.dtype(0);
  Tensor out;
  if (is_floating(d)) {
    const double start = c.floats(0).at(0), limit = c.floats(1).at(0), delta = c.floats(2).at(0);
    if (delta == 0) c.fail("delta must not be 0");
    const double n = std::max(std::ceil((limit - start) / delta), 0.0);
    if (!(n < 1e10)) c.fail<ShapeError>("the range holds too many values (", n, ")");
    std::vector<double> v(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<double>(i) * delta;
    out = nr::from_vector(v, Shape{static_cast<std::int64_t>(v.size())});
    if (d == float32) {  // float32 ranges accumulate in float32 like the reference
      std::vector<float> f(v.size());
      const float s = static_cast<float>(start), dl = static_cast<float>(delta);
      for (std::size_t i = 0; i < f.size(); ++i) f[i] = s + static_cast<float>(i) * dl;
      out = nr::from_vector(f, Shape{static_cast<std::int64_t>(f.size())});
    }
  } else {
    const std::int64_t start = c.ints(0).at(0), limit = c.ints(1).at(0), delta = c.ints(2).at(0);
    if (delta == 0) c.fail("delta must not be 0");
    const long double span = static_cast<long double>(limit) - static_cast<long double>(start);
    const long double n = std::max<long double>(std::ceil(span / delta), 0);
    if (!(n < 1e10L)) c.fail<ShapeError>("the range holds too many values");
    std::vector<std::int64_t> v(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<std::int64_t>(i) * delta;
    out = as_dtype(int64_tensor(v), d);
  }
  c.set(0, out);
}

void check_EyeLike(CheckContext& c) {
  if (c.has_attr("dtype") && !dtype_from_onnx(static_cast<std::int32_t>(c.attr_i("dtype", 1))))
    c.refuse("attribute 'dtype' names a dtype neuron does not have");
}

void run_EyeLike(OpContext& c) {
  const Shape s = c.shape(0);
  if (s.rank() != 2) c.fail<ShapeError>("input must be 2-d, got ", s);
  const DType d = c.has_attr("dtype")
                      ? *dtype_from_onnx(static_cast<std::int32_t>(c.attr_i("dtype", 1)))
                      : c.dtype(0);
  const std::int64_t k = c.attr_i("k", 0);
  Tensor t = nr::zeros(s, float64);
  auto* p = t.data<double>();
  for (std::int64_t i = 0; i < s[0]; ++i) {
    const std::int64_t j = i + k;
    if (j >= 0 && j < s[1]) p[i * s[1] + j] = 1;
  }
  c.set(0, as_dtype(t, d));
}

void run_Trilu(OpContext& c) {
  Tensor x = c.in(0);
  const std::int64_t k = c.has(1) ? c.ints(1).at(0) : 0;
  c.set(0, c.attr_i("upper", 1) ? nr::triu(x, k) : nr::tril(x, k));
}

void run_OneHot(OpContext& c) {
  Tensor idx = c.in(0);
  std::vector<double> depth_v = c.floats(1);
  if (depth_v.size() != 1) c.fail<ShapeError>("depth must hold one value");
  const auto depth = static_cast<std::int64_t>(depth_v[0]);
  if (depth < 1) c.fail<ShapeError>("depth must be >= 1, got ", depth);
  Tensor values = c.in(2);
  if (values.numel() != 2) c.fail<ShapeError>("values must hold [off, on], got ", values.shape());
  const int out_rank = idx.rank() + 1;
  const std::int64_t axis = norm_axis(c, c.attr_i("axis", -1), out_rank);
  idx = as_dtype(idx, int64);
  idx = nr::where(nr::lt(idx, 0), idx + depth, idx);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(depth));
  for (std::int64_t i = 0; i < depth; ++i) ids[static_cast<std::size_t>(i)] = i;
  std::vector<std::int64_t> s(static_cast<std::size_t>(out_rank - axis), 1);
  s[0] = depth;
  Tensor iota = c.place(nr::reshape(int64_tensor(ids), s));
  Tensor hit = nr::eq(nr::unsqueeze(idx, axis), iota);
  Tensor off = nr::reshape(nr::slice(values, 0, 0, 1), {}),
         on = nr::reshape(nr::slice(values, 0, 1, 2), {});
  c.set(0, nr::where(hit, on, off));
}

void run_NonZero(OpContext& c) {
  Tensor x = as_dtype(c.host(0), bool_);  // the output's shape depends on the values
  const Shape s = x.shape();
  const bool* p = x.numel() ? x.data<bool>() : nullptr;
  std::vector<std::int64_t> hits;
  for (std::int64_t i = 0; i < x.numel(); ++i)
    if (p[i]) hits.push_back(i);
  const int r = std::max(s.rank(), 1);
  const auto n = static_cast<std::int64_t>(hits.size());
  std::vector<std::int64_t> out(static_cast<std::size_t>(r * n));
  for (std::int64_t h = 0; h < n; ++h) {
    std::int64_t rem = hits[static_cast<std::size_t>(h)];
    for (int d = s.rank() - 1; d >= 0; --d) {
      out[static_cast<std::size_t>(d * n + h)] = rem % s[d];
      rem /= s[d];
    }
  }
  c.set(0, c.place(nr::reshape(int64_tensor(out), {s.rank(), n})));
}

void run_Compress(OpContext& c) {
  Tensor x = c.in(0);
  Tensor cond = as_dtype(c.host(1), bool_);
  const bool* p = cond.numel() ? cond.data<bool>() : nullptr;
  std::vector<std::int64_t> ids;
  for (std::int64_t i = 0; i < cond.numel(); ++i)
    if (p[i]) ids.push_back(i);
  std::int64_t axis = 0;
  if (c.has_attr("axis")) {
    axis = norm_axis(c, c.attr_i("axis", 0), x.rank());
  } else {
    x = nr::reshape(x, {x.numel()});
  }
  if (!ids.empty() && ids.back() >= x.shape()[static_cast<int>(axis)])
    c.fail<IndexError>("condition selects entry ", ids.back(), " of a dim of size ",
                       x.shape()[static_cast<int>(axis)]);
  c.set(0, nr::index_select(x, axis, c.place(int64_tensor(ids))));
}

void run_CumSum(OpContext& c) {
  Tensor x = c.in(0);
  std::vector<std::int64_t> a = c.ints(1);
  if (a.size() != 1) c.fail<ShapeError>("axis must hold one value");
  const std::int64_t axis = norm_axis(c, a[0], x.rank());
  const bool exclusive = c.attr_i("exclusive", 0) != 0, reverse = c.attr_i("reverse", 0) != 0;
  Tensor y = reverse ? flip(c, x, axis) : x;
  Tensor s = as_dtype(nr::cumsum(y, axis), x.dtype());
  if (exclusive) s = s - y;
  c.set(0, reverse ? flip(c, s, axis) : s);
}

void run_ArgMax(OpContext& c);
void run_ArgMin(OpContext& c);

namespace {
void arg_reduce(OpContext& c, bool is_max) {
  Tensor x = c.in(0);
  const std::int64_t axis = norm_axis(c, c.attr_i("axis", 0), x.rank());
  const bool keep = c.attr_i("keepdims", 1) != 0;
  if (c.attr_i("select_last_index", 0) != 0) {
    const std::int64_t n = x.shape()[static_cast<int>(axis)];
    Tensor i = is_max ? nr::argmax(flip(c, x, axis), axis, keep)
                      : nr::argmin(flip(c, x, axis), axis, keep);
    c.set(0, (n - 1) - i);
    return;
  }
  c.set(0, is_max ? nr::argmax(x, axis, keep) : nr::argmin(x, axis, keep));
}
}  // namespace

void run_ArgMax(OpContext& c) { arg_reduce(c, true); }
void run_ArgMin(OpContext& c) { arg_reduce(c, false); }

void run_TopK(OpContext& c) {
  Tensor x = c.in(0);
  std::int64_t k = 0;
  if (c.opset() < 10) {
    k = c.attr_i("k", 0);
  } else {
    std::vector<std::int64_t> kv = c.ints(1);
    if (kv.size() != 1) c.fail<ShapeError>("K must hold one value");
    k = kv[0];
  }
  const std::int64_t axis = norm_axis(c, c.attr_i("axis", -1), x.rank());
  auto r = nr::topk(x, k, axis, c.attr_i("largest", 1) != 0, c.attr_i("sorted", 1) != 0);
  c.set(0, r.values);
  c.set(1, r.indices);
}

}  // namespace neuron::onnx::detail

namespace neuron::onnx::detail {

void run_GatherND(OpContext& c) {
  Tensor data = c.in(0), idx = as_dtype(c.in(1), int64);
  const std::int64_t b = c.attr_i("batch_dims", 0);
  const int r = data.rank(), q = idx.rank();
  if (q < 1 || b < 0 || b >= std::min(r, q))
    c.fail<ShapeError>("batch_dims ", b, " does not fit data of rank ", r, " and indices of rank ",
                       q);
  const std::int64_t k = idx.shape()[q - 1];
  if (k < 1 || b + k > r)
    c.fail<ShapeError>("indices' last dim ", k, " does not fit data of shape ", data.shape());
  std::int64_t batch = 1, m = 1, rest = 1;
  for (int d = 0; d < b; ++d) {
    if (data.shape()[d] != idx.shape()[d])
      c.fail<ShapeError>("batch dim ", d, " differs: data ", data.shape(), ", indices ",
                         idx.shape());
    batch *= data.shape()[d];
  }
  std::vector<std::int64_t> dims, strides(static_cast<std::size_t>(k));
  for (std::int64_t j = 0; j < k; ++j) dims.push_back(data.shape()[static_cast<int>(b + j)]);
  for (std::int64_t j = k; j-- > 0;) {
    strides[static_cast<std::size_t>(j)] = m;
    m *= dims[static_cast<std::size_t>(j)];
  }
  for (int d = static_cast<int>(b + k); d < r; ++d) rest *= data.shape()[d];
  std::int64_t groups = 1;
  for (int d = static_cast<int>(b); d < q - 1; ++d) groups *= idx.shape()[d];
  Tensor ix = nr::reshape(idx, {batch, groups, k});
  Tensor norm = nr::where(nr::lt(ix, 0), ix + c.place(int64_tensor(dims)), ix);
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(batch));
  for (std::int64_t i = 0; i < batch; ++i) offsets[static_cast<std::size_t>(i)] = i * m;
  Tensor lin = nr::sum(norm * c.place(int64_tensor(strides)), {2}, false) +
               c.place(nr::reshape(int64_tensor(offsets), {batch, 1}));
  Tensor flat = nr::reshape(data, {batch * m, rest});
  Tensor picked = nr::index_select(flat, 0, nr::reshape(lin, {batch * groups}));
  std::vector<std::int64_t> out(idx.shape().begin(), idx.shape().end() - 1);
  out.insert(out.end(), data.shape().begin() + b + k, data.shape().end());
  c.set(0, nr::reshape(picked, out));
}

void check_window(CheckContext& c) {
  if (c.has_attr("output_datatype") &&
      !dtype_from_onnx(static_cast<std::int32_t>(c.attr_i("output_datatype", 1))))
    c.refuse("attribute 'output_datatype' names a dtype neuron does not have");
}

namespace {
// Hann, Hamming and Blackman windows: a0 - a1 cos(2 pi n / D) + a2 cos(4 pi n / D).
void window(OpContext& c, double a0, double a1, double a2) {
  std::vector<std::int64_t> size = c.ints(0);
  if (size.size() != 1 || size[0] < 0) c.fail<ShapeError>("size must be one value >= 0");
  const std::int64_t n = size[0];
  const bool periodic = c.attr_i("periodic", 1) != 0;
  const double denom = static_cast<double>(periodic ? n : n - 1);
  const double pi = 3.14159265358979323846;
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(i) / denom;
    v[static_cast<std::size_t>(i)] = a0 - a1 * std::cos(2 * pi * x) + a2 * std::cos(4 * pi * x);
  }
  const DType d = *dtype_from_onnx(static_cast<std::int32_t>(c.attr_i("output_datatype", 1)));
  c.set(0, as_dtype(nr::from_vector(v, Shape{n}), d));
}
}  // namespace

void run_HannWindow(OpContext& c) { window(c, 0.5, 0.5, 0); }
void run_HammingWindow(OpContext& c) { window(c, 25.0 / 46.0, 21.0 / 46.0, 0); }
void run_BlackmanWindow(OpContext& c) { window(c, 0.42, 0.5, 0.08); }

}  // namespace neuron::onnx::detail

namespace neuron::onnx::detail {

void check_scatter(CheckContext& c) { c.allow_values("reduction", {"none", "add", "mul"}); }

namespace {
// Rows `lin` of data [m, rest] set to updates [n, rest] with ONNX's reduction: none writes (the
// last duplicate wins), add sums every update of a row into it (a one-hot matmul), mul multiplies
// them in (a product over the one-hot); both in float64, exact for integers below 2^53.
Tensor scatter_rows(const OpContext& c, const Tensor& data, const Tensor& lin, const Tensor& upd) {
  const std::string reduction = c.attr_s("reduction", "none");
  if (reduction == "none") return nr::index_copy(data, 0, lin, upd);
  const std::int64_t m = data.shape()[0], n = lin.numel();
  std::vector<std::int64_t> rows(static_cast<std::size_t>(m));
  for (std::int64_t i = 0; i < m; ++i) rows[static_cast<std::size_t>(i)] = i;
  Tensor onehot =
      nr::eq(nr::reshape(lin, {n, 1}), c.place(nr::reshape(int64_tensor(rows), {1, m})));
  Tensor d = as_dtype(data, float64), u = as_dtype(upd, float64), out;
  if (reduction == "add") {
    out = d + nr::matmul(nr::transpose(as_dtype(onehot, float64), 0, 1), u);
  } else {  // [n, m, rest]: each update where it lands, 1 elsewhere
    Tensor f = nr::where(nr::unsqueeze(onehot, 2), nr::unsqueeze(u, 1), 1.0);
    out = d * nr::prod(f, {0}, false);
  }
  out = as_dtype(out, data.dtype());
  // Changes nothing, but refuses rows out of range in every mode (IndexError), as index_copy
  // does for reduction none.
  return nr::index_copy(out, 0, lin, nr::index_select(out, 0, lin));
}
}  // namespace

// ScatterND(data, indices [..., k], updates): data's slices at the indexed positions of its first
// k dims replaced, as index_copy of the flattened leading dims.
void run_ScatterND(OpContext& c) {
  Tensor data = c.in(0), idx = as_dtype(c.in(1), int64), upd = c.in(2);
  const int r = data.rank(), q = idx.rank();
  if (q < 1) c.fail<ShapeError>("indices must have at least 1 dim");
  const std::int64_t k = idx.shape()[q - 1];
  if (k < 1 || k > r)
    c.fail<ShapeError>("indices' last dim ", k, " does not fit data ", data.shape());
  std::vector<std::int64_t> dims, strides(static_cast<std::size_t>(k));
  std::int64_t m = 1, rest = 1, n = 1;
  for (std::int64_t j = 0; j < k; ++j) dims.push_back(data.shape()[static_cast<int>(j)]);
  for (std::int64_t j = k; j-- > 0;) {
    strides[static_cast<std::size_t>(j)] = m;
    m *= dims[static_cast<std::size_t>(j)];
  }
  for (int d = static_cast<int>(k); d < r; ++d) rest *= data.shape()[d];
  for (int d = 0; d < q - 1; ++d) n *= idx.shape()[d];
  std::vector<std::int64_t> want(idx.shape().begin(), idx.shape().end() - 1);
  want.insert(want.end(), data.shape().begin() + k, data.shape().end());
  if (upd.shape() != Shape(want))
    c.fail<ShapeError>("updates have shape ", upd.shape(), ", expected ", ints_text(want));
  Tensor ix = nr::reshape(idx, {n, k});
  Tensor norm = nr::where(nr::lt(ix, 0), ix + c.place(int64_tensor(dims)), ix);
  Tensor lin = nr::sum(norm * c.place(int64_tensor(strides)), {1}, false);
  Tensor out = scatter_rows(c, nr::reshape(data, {m, rest}), lin, nr::reshape(upd, {n, rest}));
  c.set(0, nr::reshape(out, data.shape().vec()));
}

// ScatterElements(data, indices, updates, axis): out[.., indices[p], ..] = updates[p] along axis,
// as index_copy of the flattened data at host-computed positions plus the indexed offsets.
void run_ScatterElements(OpContext& c) {
  Tensor data = c.in(0), idx = as_dtype(c.in(1), int64), upd = c.in(2);
  const int r = data.rank();
  if (idx.rank() != r || upd.shape() != idx.shape())
    c.fail<ShapeError>("indices ", idx.shape(), " and updates ", upd.shape(),
                       " must have one shape of data's rank ", r);
  const std::int64_t axis = norm_axis(c, c.attr_i("axis", 0), r);
  std::vector<std::int64_t> strides(static_cast<std::size_t>(r));
  std::int64_t s = 1;
  for (int d = r; d-- > 0;) {
    strides[static_cast<std::size_t>(d)] = s;
    s *= data.shape()[d];
  }
  for (int d = 0; d < r; ++d)
    if (d != axis && idx.shape()[d] > data.shape()[d])
      c.fail<ShapeError>("indices ", idx.shape(), " are larger than data ", data.shape(),
                         " in dim ", d);
  // The flat position of each update without its axis coordinate.
  const std::int64_t count = idx.numel();
  std::vector<std::int64_t> base(static_cast<std::size_t>(count));
  for (std::int64_t p = 0; p < count; ++p) {
    std::int64_t rem = p, off = 0;
    for (int d = r; d-- > 0;) {
      const std::int64_t coord = rem % idx.shape()[d];
      rem /= idx.shape()[d];
      if (d != axis) off += coord * strides[static_cast<std::size_t>(d)];
    }
    base[static_cast<std::size_t>(p)] = off;
  }
  const std::int64_t dim = data.shape()[static_cast<int>(axis)];
  Tensor flat_idx = nr::reshape(idx, {count});
  Tensor norm = nr::where(nr::lt(flat_idx, 0), flat_idx + dim, flat_idx);
  // Out-of-range indices would land in another row: checked here when known, else bounded.
  if (c.known(1)) {
    for (std::int64_t v : c.ints(1))
      if (v < -dim || v >= dim)
        c.fail<IndexError>("index ", v, " is out of range for dim ", axis, " of size ", dim);
  } else {
    norm = nr::where(nr::logical_or(nr::lt(norm, 0), nr::ge(norm, dim)), std::int64_t{-1}, norm);
  }
  Tensor lin = norm * strides[static_cast<std::size_t>(axis)] + c.place(int64_tensor(base));
  if (!c.known(1))  // an index out of range makes lin negative: index_copy refuses it
    lin = nr::where(nr::lt(norm, 0), std::int64_t{-1}, lin);
  Tensor out =
      scatter_rows(c, nr::reshape(data, {data.numel(), 1}), lin, nr::reshape(upd, {count, 1}));
  c.set(0, nr::reshape(out, data.shape().vec()));
}

}  // namespace neuron::onnx::detail

namespace neuron::onnx::detail {

// NonMaxSuppression on the host (its output's length depends on the values): per batch and
// class, boxes above score_threshold by descending score (ties: lower index first), each kept
// unless its IoU with a kept box exceeds iou_threshold, at most max_output_boxes_per_class.
void run_NonMaxSuppression(OpContext& c) {
  Tensor boxes = as_dtype(c.host(0), float64), scores = as_dtype(c.host(1), float64);
  if (boxes.rank() != 3 || boxes.shape()[2] != 4 || scores.rank() != 3 ||
      scores.shape()[0] != boxes.shape()[0] || scores.shape()[2] != boxes.shape()[1])
    c.fail<ShapeError>("boxes must be [batch, n, 4] and scores [batch, classes, n], got ",
                       boxes.shape(), " and ", scores.shape());
  const std::int64_t max_out = c.has(2) && c.shape(2).numel() ? c.ints(2).at(0) : 0;
  const double iou_max = c.has(3) && c.shape(3).numel() ? c.floats(3).at(0) : 0.0;
  const bool has_score = c.has(4) && c.shape(4).numel();
  const double score_min = has_score ? c.floats(4).at(0) : 0.0;
  const bool center = c.attr_i("center_point_box", 0) != 0;
  const std::int64_t nb = boxes.shape()[0], n = boxes.shape()[1], nc = scores.shape()[1];
  const double* pb = boxes.numel() ? boxes.data<double>() : nullptr;
  const double* ps = scores.numel() ? scores.data<double>() : nullptr;
  auto corners = [&](std::int64_t b, std::int64_t i, double out[4]) {
    const double* q = pb + (b * n + i) * 4;
    if (center) {
      out[0] = q[1] - q[3] / 2;  // y1, x1, y2, x2 from x_center, y_center, width, height
      out[1] = q[0] - q[2] / 2;
      out[2] = q[1] + q[3] / 2;
      out[3] = q[0] + q[2] / 2;
    } else {
      out[0] = std::min(q[0], q[2]);
      out[1] = std::min(q[1], q[3]);
      out[2] = std::max(q[0], q[2]);
      out[3] = std::max(q[1], q[3]);
    }
  };
  auto iou = [&](std::int64_t b, std::int64_t i, std::int64_t j) {
    double p[4], q[4];
    corners(b, i, p);
    corners(b, j, q);
    const double ih = std::max(0.0, std::min(p[2], q[2]) - std::max(p[0], q[0]));
    const double iw = std::max(0.0, std::min(p[3], q[3]) - std::max(p[1], q[1]));
    const double inter = ih * iw;
    const double uni = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter;
    return uni > 0 ? inter / uni : 0.0;
  };
  std::vector<std::int64_t> out;
  std::int64_t rows = 0;
  for (std::int64_t b = 0; b < nb; ++b)
    for (std::int64_t k = 0; k < nc; ++k) {
      const double* s = ps + (b * nc + k) * n;
      std::vector<std::int64_t> order;
      for (std::int64_t i = 0; i < n; ++i)
        if (!has_score || s[i] > score_min) order.push_back(i);
      std::stable_sort(order.begin(), order.end(),
                       [&](std::int64_t x, std::int64_t y) { return s[x] > s[y]; });
      std::vector<std::int64_t> kept;
      for (std::int64_t i : order) {
        if (static_cast<std::int64_t>(kept.size()) >= max_out) break;
        bool keep = true;
        for (std::int64_t j : kept)
          if (iou(b, i, j) > iou_max) keep = false;
        if (!keep) continue;
        kept.push_back(i);
        out.insert(out.end(), {b, k, i});
        ++rows;
      }
    }
  c.set(0, c.place(nr::reshape(int64_tensor(out), {rows, 3})));
}

// ReverseSequence: the first lens[b] steps of each batch entry reversed, as a gather along time.
void run_ReverseSequence(OpContext& c) {
  Tensor x = c.in(0);
  std::vector<std::int64_t> lens = c.ints(1);
  const std::int64_t tax = norm_axis(c, c.attr_i("time_axis", 0), x.rank(), "time_axis");
  const std::int64_t bax = norm_axis(c, c.attr_i("batch_axis", 1), x.rank(), "batch_axis");
  if (x.rank() < 2 || tax == bax || !((tax == 0 && bax == 1) || (tax == 1 && bax == 0)))
    c.fail<ShapeError>("time_axis and batch_axis must be 0 and 1 (either way)");
  const std::int64_t steps = x.shape()[static_cast<int>(tax)],
                     batch = x.shape()[static_cast<int>(bax)];
  if (static_cast<std::int64_t>(lens.size()) != batch)
    c.fail<ShapeError>("sequence_lens has ", lens.size(), " values for a batch of ", batch);
  std::vector<std::int64_t> idx(static_cast<std::size_t>(steps * batch));
  for (std::int64_t t = 0; t < steps; ++t)
    for (std::int64_t b = 0; b < batch; ++b) {
      const std::int64_t len = lens[static_cast<std::size_t>(b)];
      if (len < 0 || len > steps)
        c.fail<IndexError>("sequence length ", len, " out of [0, ", steps, "]");
      const std::int64_t src = t < len ? len - 1 - t : t;
      idx[static_cast<std::size_t>(tax == 0 ? t * batch + b : b * steps + t)] = src;
    }
  std::vector<std::int64_t> shape(static_cast<std::size_t>(x.rank()), 1);
  shape[0] = x.shape()[0];
  shape[1] = x.shape()[1];
  Tensor index = nr::expand(nr::reshape(int64_tensor(idx), shape), x.shape().vec());
  c.set(0, nr::gather(x, tax, c.place(index)));
}

}  // namespace neuron::onnx::detail

namespace neuron::onnx::detail {

// Unique on the host (the output's length depends on the values): of the flattened input, or of
// the slices along `axis`; sorted ascending (slices lexicographically) or in order of first
// appearance. Outputs: the unique values, the index of each one's first appearance, each input
// entry's index into the unique values, and the counts.
void run_Unique(OpContext& c) {
  Tensor x = c.host(0);
  std::int64_t axis = 0;
  const bool flat = !c.has_attr("axis");
  if (flat)
    x = nr::reshape(x, {x.numel()});
  else
    axis = norm_axis(c, c.attr_i("axis", 0), x.rank());
  const bool sorted = c.attr_i("sorted", 1) != 0;
  const std::int64_t n = x.shape()[static_cast<int>(axis)];
  // Each slice along axis as a row of long doubles (exact for every neuron dtype).
  std::vector<std::int64_t> perm{axis};  // the axis first, the others in their order (moveaxis)
  for (std::int64_t d = 0; d < x.rank(); ++d)
    if (d != axis) perm.push_back(d);
  Tensor moved = nr::permute(x, perm);
  const std::int64_t width = n ? moved.numel() / n : 0;
  std::vector<long double> vals(static_cast<std::size_t>(moved.numel()));
  visit_dtype(moved.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = moved.numel() ? static_cast<const T*>(moved.raw_data()) : nullptr;
    for (std::size_t i = 0; i < vals.size(); ++i) vals[i] = static_cast<long double>(p[i]);
  });
  auto row_less = [&](std::int64_t a, std::int64_t b) {
    return std::lexicographical_compare(vals.begin() + a * width, vals.begin() + (a + 1) * width,
                                        vals.begin() + b * width, vals.begin() + (b + 1) * width);
  };
  auto row_equal = [&](std::int64_t a, std::int64_t b) {
    return std::equal(vals.begin() + a * width, vals.begin() + (a + 1) * width,
                      vals.begin() + b * width);
  };
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(), row_less);
  // Groups of equal rows; each group's first (lowest) index.
  std::vector<std::int64_t> group_of(static_cast<std::size_t>(n)), firsts, counts;
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (k == 0 || !row_equal(order[k - 1], order[k])) {
      firsts.push_back(order[k]);
      counts.push_back(0);
    }
    group_of[static_cast<std::size_t>(order[k])] = static_cast<std::int64_t>(firsts.size()) - 1;
    ++counts.back();
  }
  std::vector<std::int64_t> rank(firsts.size());  // output position of each group
  std::vector<std::int64_t> groups(firsts.size());
  for (std::size_t g = 0; g < groups.size(); ++g) groups[g] = static_cast<std::int64_t>(g);
  if (!sorted)
    std::sort(groups.begin(), groups.end(), [&](std::int64_t a, std::int64_t b) {
      return firsts[static_cast<std::size_t>(a)] < firsts[static_cast<std::size_t>(b)];
    });
  for (std::size_t k = 0; k < groups.size(); ++k)
    rank[static_cast<std::size_t>(groups[k])] = static_cast<std::int64_t>(k);
  std::vector<std::int64_t> first_idx, cnt, inverse(static_cast<std::size_t>(n));
  for (std::int64_t g : groups) {
    first_idx.push_back(firsts[static_cast<std::size_t>(g)]);
    cnt.push_back(counts[static_cast<std::size_t>(g)]);
  }
  for (std::int64_t i = 0; i < n; ++i)
    inverse[static_cast<std::size_t>(i)] =
        rank[static_cast<std::size_t>(group_of[static_cast<std::size_t>(i)])];
  c.set(0, c.place(nr::index_select(x, axis, int64_tensor(first_idx))));
  c.set(1, c.place(int64_tensor(first_idx)));
  c.set(2, c.place(int64_tensor(inverse)));
  c.set(3, c.place(int64_tensor(cnt)));
}

}  // namespace neuron::onnx::detail
