// ONNX reductions: ReduceSum / Mean / Max / Min / Prod / L1 / L2 / LogSum / LogSumExp / SumSquare
// over axes given as an attribute (ReduceSum before opset 13, the others before 18) or an input.
#include <algorithm>

#include "ops.hpp"

namespace neuron::onnx::detail {

namespace {

enum class Reduce { sum, mean, max, min, prod, l1, l2, log_sum, log_sum_exp, sum_square };

void reduce(OpContext& c, Reduce kind, bool axes_input) {
  Tensor x = c.in(0);
  std::vector<std::int64_t> axes;
  if (axes_input) {
    if (c.has(1)) axes = c.ints(1);
  } else {
    axes = c.attr_ints("axes");
  }
  const bool keep = c.attr_i("keepdims", 1) != 0;
  if (axes.empty() && c.attr_i("noop_with_empty_axes", 0) != 0) {
    c.pass_through(0, 0);
    return;
  }
  for (auto& a : axes) a = norm_axis(c, a, x.rank(), "axes");
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    c.fail<ShapeError>("axes repeat a dim");
  if (axes.empty())
    for (int d = 0; d < x.rank(); ++d) axes.push_back(d);
  const DType d = x.dtype();
  Tensor y;
  switch (kind) {
    case Reduce::sum:
      y = nr::sum(x, axes, keep);
      break;
    case Reduce::mean:
      y = nr::mean(x, axes, keep);
      break;
    case Reduce::max:
      y = nr::max(x, axes, keep);
      break;
    case Reduce::min:
      y = nr::min(x, axes, keep);
      break;
    case Reduce::prod:
      y = nr::prod(x, axes, keep);
      break;
    case Reduce::l1:
      y = nr::sum(nr::abs(x), axes, keep);
      break;
    case Reduce::l2:
      y = nr::sqrt(as_dtype(nr::sum(x * x, axes, keep), is_floating(d) ? d : float64));
      break;
    case Reduce::log_sum:
      y = nr::log(as_dtype(nr::sum(x, axes, keep), is_floating(d) ? d : float64));
      break;
    case Reduce::sum_square:
      y = nr::sum(x * x, axes, keep);
      break;
    case Reduce::log_sum_exp: {
      if (!is_floating(d)) c.fail<DTypeError>("needs a floating input, got ", d);
      Tensor m = nr::max(x, axes, true);
      // A row of -inf keeps -inf (not NaN): shift by 0 there.
      Tensor shift = nr::where(nr::eq(nr::abs(m), std::numeric_limits<double>::infinity()), 0.0, m);
      y = nr::log(nr::sum(nr::exp(x - shift), axes, true)) + shift;
      if (!keep) {
        std::vector<std::int64_t> shape;
        for (int k = 0; k < x.rank(); ++k)
          if (!std::binary_search(axes.begin(), axes.end(), k)) shape.push_back(x.shape()[k]);
        y = nr::reshape(y, shape);
      }
      break;
    }
  }
  c.set(0, as_dtype(y, d));
}

}  // namespace

#define NEURON_ONNX_REDUCE(Name, kind, axes_input_since) \
  void run_##Name(OpContext& c) { reduce(c, Reduce::kind, c.opset() >= (axes_input_since)); }
NEURON_ONNX_REDUCE(ReduceSum, sum, 13)
NEURON_ONNX_REDUCE(ReduceMean, mean, 18)
NEURON_ONNX_REDUCE(ReduceMax, max, 18)
NEURON_ONNX_REDUCE(ReduceMin, min, 18)
NEURON_ONNX_REDUCE(ReduceProd, prod, 18)
NEURON_ONNX_REDUCE(ReduceL1, l1, 18)
NEURON_ONNX_REDUCE(ReduceL2, l2, 18)
NEURON_ONNX_REDUCE(ReduceLogSum, log_sum, 18)
NEURON_ONNX_REDUCE(ReduceLogSumExp, log_sum_exp, 18)
NEURON_ONNX_REDUCE(ReduceSumSquare, sum_square, 18)
#undef NEURON_ONNX_REDUCE

}  // namespace neuron::onnx::detail

namespace neuron::onnx::detail {

void run_MeanVarianceNormalization(OpContext& c) {
  Tensor x = c.in(0);
  std::vector<std::int64_t> axes = c.attr_ints("axes", {0, 2, 3});
  for (auto& a : axes) a = norm_axis(c, a, x.rank(), "axes");
  std::sort(axes.begin(), axes.end());
  Tensor centered = x - nr::mean(x, axes, true);
  Tensor var = nr::mean(centered * centered, axes, true);
  c.set(0, centered / (nr::sqrt(var) + 1e-9));  // ONNX's function body adds 1e-9 to the std
}

}  // namespace neuron::onnx::detail
