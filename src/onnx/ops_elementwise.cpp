// Elementwise ONNX ops whose mapping is more than one DSL call: integer division, Pow's result
// type, Mod, Clip, Cast, variadic Min/Max/Sum/Mean, activations with parameters, opsets 1-6's
// broadcast attributes.
#include <cmath>
#include <limits>
#include <optional>

#include "ops.hpp"

namespace neuron::onnx::detail {

std::pair<Tensor, Tensor> binary_inputs(OpContext& c) {
  Tensor a = c.in(0), b = c.in(1);
  if (c.opset() < 7 && c.attr_i("broadcast", 0) != 0 && c.has_attr("axis")) {
    // B's dims line up with A's from `axis` on: trailing ones make numpy broadcasting do that.
    std::int64_t axis = norm_axis(c, c.attr_i("axis", 0), a.rank());
    std::int64_t trailing = a.rank() - axis - b.rank();
    if (trailing < 0)
      c.fail<ShapeError>("input 1 of shape ", b.shape(), " does not fit input 0 of shape ",
                         a.shape(), " at axis ", axis);
    std::vector<std::int64_t> shape = b.shape().vec();
    shape.insert(shape.end(), static_cast<std::size_t>(trailing), 1);
    b = nr::reshape(b, shape);
  }
  return {a, b};
}

void check_legacy_broadcast(CheckContext& c) {
  if (c.opset() >= 7 && (c.has_attr("broadcast") || c.has_attr("axis")))
    c.refuse(
        "attributes 'broadcast' and 'axis' belong to opsets 1 to 6 (numpy broadcasting since "
        "opset 7)");
}

namespace {
// Integer division truncating toward zero (C's, ONNX Runtime's): exact while |a| < 2^53.
Tensor int_div(const Tensor& a, const Tensor& b) {
  Tensor q = nr::cast(a, float64) / nr::cast(b, float64);
  return nr::cast(nr::where(nr::lt(q, 0.0), nr::ceil(q), nr::floor(q)), a.dtype());
}
}  // namespace

void run_Div(OpContext& c) {
  auto [a, b] = binary_inputs(c);
  if (is_integral(a.dtype()) && is_integral(b.dtype()))
    c.set(0, int_div(a, b));
  else
    c.set(0, nr::div(a, b));
}

void run_Pow(OpContext& c) {
  auto [a, b] = binary_inputs(c);
  c.set(0, as_dtype(nr::pow(a, b), a.dtype()));  // ONNX: the result has the base's dtype
}

void run_Mod(OpContext& c) {
  auto [a, b] = binary_inputs(c);
  const bool fmod = c.attr_i("fmod", 0) != 0;
  if (!fmod && is_floating(a.dtype()))
    c.fail<DTypeError>("Mod of floating inputs needs fmod = 1 (ONNX), got fmod = 0");
  Tensor r = nr::remainder(a, b);  // the sign of b (Python's %)
  if (fmod)  // the sign of a (C's fmod): differs where r != 0 and a, b have opposite signs
    r = nr::where(nr::logical_and(nr::ne(r, 0), nr::ne(nr::lt(a, 0), nr::lt(b, 0))), r - b, r);
  c.set(0, as_dtype(r, a.dtype()));
}

namespace {
// Clip(x, 0, 6) and Clip(x, 0) with bounds known when recording (attributes, initializers,
// Constant nodes: what exporters write for ReLU6 and ReLU) as the DSL's relu6 and relu, which the
// compiler fuses into the convolution or GEMM before them; an undefined tensor otherwise.
Tensor clip_as_activation(OpContext& c, const Tensor& x) {
  if (!is_floating(x.dtype())) return {};
  auto bound = [&](int i, const char* attr) -> std::optional<double> {
    if (c.opset() < 11) {
      if (!c.has_attr(attr)) return std::nullopt;
      return c.attr_f(attr, 0);
    }
    if (!c.has(i)) return std::nullopt;
    if (!c.known(i)) return std::numeric_limits<double>::quiet_NaN();  // not a known value
    return c.floats(i).at(0);
  };
  const std::optional<double> lo = bound(1, "min"), hi = bound(2, "max");
  if (lo != 0.0) return {};
  if (!hi) return nr::relu(x);
  return *hi == 6.0 ? nr::relu6(x) : Tensor();
}
}  // namespace

void run_Clip(OpContext& c) {
  Tensor y = c.in(0);
  const DType d = y.dtype();
  if (c.opset() >= 11)
    for (int i : {1, 2})
      if (c.has(i) && c.shape(i).numel() != 1)
        c.fail<ShapeError>("input ", i, " (", i == 1 ? "min" : "max",
                           ") must hold one value, got shape ", c.shape(i));
  if (Tensor act = clip_as_activation(c, y); act.defined()) {
    c.set(0, act);
    return;
  }
  if (c.opset() < 11) {
    if (c.has_attr("min")) y = nr::maximum(y, scalar_const(c, c.attr_f("min", 0), d));
    if (c.has_attr("max")) y = nr::minimum(y, scalar_const(c, c.attr_f("max", 0), d));
  } else {
    if (c.has(1)) y = nr::maximum(y, nr::reshape(c.in(1), {}));
    if (c.has(2)) y = nr::minimum(y, nr::reshape(c.in(2), {}));
  }
  c.set(0, as_dtype(y, d));
}

void check_Cast(CheckContext& c) {
  if (!c.has_attr("to")) {
    c.refuse("attribute 'to' is missing");
    return;
  }
  const Attribute* a = c.attr("to");
  if (a->kind != Attribute::Kind::i) {
    c.refuse("attribute 'to' is ", Attribute::kind_name(a->kind),
             " (opset 1's string form is not "
             "supported)");
    return;
  }
  if (!dtype_from_onnx(static_cast<std::int32_t>(a->i)))
    c.refuse("cast to ", onnx_dtype_name(static_cast<std::int32_t>(a->i)), " (",
             supported_dtypes_text(), ")");
}

void run_Cast(OpContext& c) {
  c.set(0, as_dtype(c.in(0), *dtype_from_onnx(static_cast<std::int32_t>(c.attr_i("to", 1)))));
}

void run_CastLike(OpContext& c) { c.set(0, as_dtype(c.in(0), c.dtype(1))); }

namespace {
template <class F>
void fold(OpContext& c, F f) {
  if (c.inputs() < 1 || !c.has(0)) c.fail("needs at least one input");
  Tensor acc = c.in(0);
  for (int i = 1; i < c.inputs(); ++i)
    if (c.has(i)) acc = f(acc, c.in(i));
  c.set(0, acc);
}
}  // namespace

void run_Max(OpContext& c) {
  fold(c, [](const Tensor& a, const Tensor& b) -> Tensor { return nr::maximum(a, b); });
}
void run_Min(OpContext& c) {
  fold(c, [](const Tensor& a, const Tensor& b) -> Tensor { return nr::minimum(a, b); });
}
void run_Sum(OpContext& c) {
  fold(c, [](const Tensor& a, const Tensor& b) -> Tensor { return a + b; });
}
void run_Mean(OpContext& c) {
  Tensor acc;
  int n = 0;
  for (int i = 0; i < c.inputs(); ++i) {
    if (!c.has(i)) continue;
    acc = acc.defined() ? Tensor(acc + c.in(i)) : c.in(i);
    ++n;
  }
  if (!n) c.fail("needs at least one input");
  c.set(0, as_dtype(acc / static_cast<double>(n), acc.dtype()));
}

void run_PRelu(OpContext& c) {
  Tensor x = c.in(0), slope = c.in(1);
  // Opsets 1-6: a slope of one value per channel, [C], applies along dim 1 of [N, C, ...].
  if (c.opset() < 7 && slope.rank() == 1 && x.rank() > 2 && slope.shape()[0] == x.shape()[1] &&
      slope.shape()[0] != 1) {
    std::vector<std::int64_t> s(static_cast<std::size_t>(x.rank() - 1), 1);
    s[0] = slope.shape()[0];
    slope = nr::reshape(slope, s);
  }
  c.set(0, as_dtype(nr::where(nr::lt(x, 0), x * slope, x), x.dtype()));
}

void run_Selu(OpContext& c) {
  Tensor x = c.in(0);
  double alpha = c.attr_f("alpha", 1.67326319217681884765625);
  double gamma = c.attr_f("gamma", 1.05070102214813232421875);
  c.set(0, as_dtype(nr::elu(x, alpha) * gamma, x.dtype()));
}

void run_Celu(OpContext& c) {
  Tensor x = c.in(0);
  double alpha = c.attr_f("alpha", 1.0);
  c.set(0, as_dtype(nr::elu(x / alpha, 1.0) * alpha, x.dtype()));
}

void run_HardSigmoid(OpContext& c) {
  Tensor x = c.in(0);
  c.set(0, as_dtype(nr::clamp(x * c.attr_f("alpha", 0.2) + c.attr_f("beta", 0.5), 0.0, 1.0),
                    x.dtype()));
}

void run_ThresholdedRelu(OpContext& c) {
  Tensor x = c.in(0);
  c.set(0, as_dtype(nr::where(nr::gt(x, c.attr_f("alpha", 1.0)), x, 0.0), x.dtype()));
}

void run_Shrink(OpContext& c) {
  Tensor x = c.in(0);
  const double lambd = c.attr_f("lambd", 0.5), bias = c.attr_f("bias", 0.0);
  Tensor y = nr::where(nr::lt(x, -lambd), x + bias, nr::where(nr::gt(x, lambd), x - bias, 0.0));
  c.set(0, as_dtype(y, x.dtype()));
}

void run_IsInf(OpContext& c) {
  Tensor x = c.in(0);
  const bool pos = c.attr_i("detect_positive", 1) != 0, neg = c.attr_i("detect_negative", 1) != 0;
  const double inf = std::numeric_limits<double>::infinity();
  if (pos && neg)
    c.set(0, nr::eq(nr::abs(x), inf));
  else if (pos)
    c.set(0, nr::eq(x, inf));
  else if (neg)
    c.set(0, nr::eq(x, -inf));
  else
    c.set(0, nr::logical_and(nr::eq(x, x), nr::ne(x, x)));  // nothing detected: all false
}

}  // namespace neuron::onnx::detail

namespace neuron::onnx::detail {

namespace {
constexpr double kHalfPi = 1.57079632679489661923;

// atan from existing ops: |x| > 1 folds to pi/2 - atan(1/|x|), two half-angle steps bring the
// argument under tan(pi/16) ~ 0.2, where the odd Taylor series to x^15 is exact to ~1e-13.
Tensor atan_of(const Tensor& x) {
  Tensor a = nr::abs(x);
  Tensor inv = nr::gt(a, 1.0);
  Tensor u = nr::where(inv, 1.0 / nr::maximum(a, 1.0), a);
  for (int k = 0; k < 2; ++k) u = u / (nr::sqrt(u * u + 1.0) + 1.0);
  Tensor u2 = u * u;
  Tensor p = u2 * (-1.0 / 15) + 1.0 / 13;  // no constant tensors: x may be lazy
  for (int n = 11; n >= 1; n -= 2) p = p * u2 + ((n / 2) % 2 ? -1.0 : 1.0) / n;
  Tensor r = p * u * 4.0;
  r = nr::where(inv, kHalfPi - r, r);
  return as_dtype(nr::where(nr::lt(x, 0), -r, r), x.dtype());
}
}  // namespace

void run_Atan(OpContext& c) { c.set(0, atan_of(c.in(0))); }

void run_Asin(OpContext& c) {
  Tensor x = c.in(0);  // atan(x / sqrt(1 - x^2)): +-1 give +-inf, hence +-pi/2; |x| > 1 gives NaN
  c.set(0, atan_of(x / nr::sqrt(1.0 - x * x)));
}

void run_Acos(OpContext& c) {
  Tensor x = c.in(0);  // 2 atan(sqrt((1 - x) / (1 + x))): accurate near 1, pi at -1
  c.set(0, as_dtype(atan_of(nr::sqrt((1.0 - x) / (x + 1.0))) * 2.0, x.dtype()));
}

}  // namespace neuron::onnx::detail
