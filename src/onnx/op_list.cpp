// The ONNX op list: every ONNX op type neuron imports, registered once. An entry is
//   { op type, first and last default-domain opset it implements, the attributes it understands,
//     its load-time check, its run, the inputs whose values are read when recording, shape-only }
// Simple mappings are written here as lambdas; the others live in ops_*.cpp (ops.hpp).
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "ops.hpp"

namespace neuron::onnx::detail {

namespace {

constexpr std::uint32_t host(std::initializer_list<int> inputs) {
  std::uint32_t m = 0;
  for (int i : inputs) m |= 1u << i;
  return m;
}

// One-input elementwise ops: the DSL function applied to input 0.
#define UNARY(fn) [](OpContext& c) { c.set(0, fn(c.in(0))); }
// Two-input ones, with opsets 1-6's broadcast / axis attributes.
#define BINARY(expr)                \
  [](OpContext& c) {                \
    auto [a, b] = binary_inputs(c); \
    c.set(0, expr);                 \
  }

constexpr int kLast = 17;                      // newest default-domain opset neuron implements
const char* const kLegacy = "broadcast axis";  // binary ops of opsets 1-6

const std::vector<OpMapping>& build() {
  static const std::vector<OpMapping> list = {
      // elementwise math
      {"Abs", 1, kLast, "", nullptr, UNARY(nr::abs)},
      {"Neg", 1, kLast, "", nullptr, UNARY(nr::neg)},
      {"Relu", 1, kLast, "", nullptr, UNARY(nr::relu)},
      {"Sigmoid", 1, kLast, "", nullptr, UNARY(nr::sigmoid)},
      {"Tanh", 1, kLast, "", nullptr, UNARY(nr::tanh)},
      {"Exp", 1, kLast, "", nullptr, UNARY(nr::exp)},
      {"Log", 1, kLast, "", nullptr, UNARY(nr::log)},
      {"Sqrt", 1, kLast, "", nullptr, UNARY(nr::sqrt)},
      {"Erf", 9, kLast, "", nullptr, UNARY(nr::erf)},
      {"Sin", 7, kLast, "", nullptr, UNARY(nr::sin)},
      {"Cos", 7, kLast, "", nullptr, UNARY(nr::cos)},
      {"Tan", 7, kLast, "", nullptr,
       [](OpContext& c) { c.set(0, nr::sin(c.in(0)) / nr::cos(c.in(0))); }},
      {"Atan", 7, kLast, "", nullptr, run_Atan},
      {"Asin", 7, kLast, "", nullptr, run_Asin},
      {"Acos", 7, kLast, "", nullptr, run_Acos},
      {"Sinh", 9, kLast, "", nullptr,
       [](OpContext& c) { c.set(0, (nr::exp(c.in(0)) - nr::exp(-c.in(0))) * 0.5); }},
      {"Cosh", 9, kLast, "", nullptr,
       [](OpContext& c) { c.set(0, (nr::exp(c.in(0)) + nr::exp(-c.in(0))) * 0.5); }},
      {"Asinh", 9, kLast, "", nullptr,
       [](OpContext& c) {
         Tensor x = c.in(0), ax = nr::abs(x);  // odd: log(|x| + sqrt(x^2 + 1)) with x's sign
         c.set(0, nr::sign(x) * nr::log(ax + nr::sqrt(ax * ax + 1.0)));
       }},
      {"Acosh", 9, kLast, "", nullptr,
       [](OpContext& c) {
         Tensor x = c.in(0);
         c.set(0, nr::log(x + nr::sqrt(x * x - 1.0)));
       }},
      {"Atanh", 9, kLast, "", nullptr,
       [](OpContext& c) {
         Tensor x = c.in(0);
         c.set(0, nr::log((x + 1.0) / (1.0 - x)) * 0.5);
       }},
      {"Floor", 1, kLast, "", nullptr, UNARY(nr::floor)},
      {"Ceil", 1, kLast, "", nullptr, UNARY(nr::ceil)},
      {"Round", 11, kLast, "", nullptr, UNARY(nr::round)},
      {"Sign", 9, kLast, "", nullptr, UNARY(nr::sign)},
      {"Reciprocal", 1, kLast, "", nullptr, UNARY(nr::reciprocal)},
      {"IsNaN", 9, kLast, "", nullptr, [](OpContext& c) { c.set(0, nr::ne(c.in(0), c.in(0))); }},
      {"IsInf", 10, kLast, "detect_negative detect_positive", nullptr, run_IsInf},
      {"Add", 1, kLast, kLegacy, check_legacy_broadcast, BINARY(a + b)},
      {"Sub", 1, kLast, kLegacy, check_legacy_broadcast, BINARY(a - b)},
      {"Mul", 1, kLast, kLegacy, check_legacy_broadcast, BINARY(a * b)},
      {"Div", 1, kLast, kLegacy, check_legacy_broadcast, run_Div},
      {"Pow", 1, kLast, kLegacy, check_legacy_broadcast, run_Pow},
      {"Mod", 10, kLast, "fmod", nullptr, run_Mod},
      {"Max", 1, kLast, "", nullptr, run_Max},
      {"Min", 1, kLast, "", nullptr, run_Min},
      {"Sum", 1, kLast, "", nullptr, run_Sum},
      {"Mean", 1, kLast, "", nullptr, run_Mean},
      {"Clip", 1, kLast, "min max", nullptr, run_Clip},
      {"Cast", 6, kLast, "to", check_Cast, run_Cast},
      {"CastLike", 15, kLast, "", nullptr, run_CastLike},
      // activations
      {"LeakyRelu", 1, kLast, "alpha", nullptr,
       [](OpContext& c) { c.set(0, nr::leaky_relu(c.in(0), c.attr_f("alpha", 0.01))); }},
      {"Elu", 1, kLast, "alpha", nullptr,
       [](OpContext& c) { c.set(0, nr::elu(c.in(0), c.attr_f("alpha", 1.0))); }},
      {"Selu", 1, kLast, "alpha gamma", nullptr, run_Selu},
      {"Celu", 12, kLast, "alpha", nullptr, run_Celu},
      {"PRelu", 1, kLast, "", nullptr, run_PRelu},
      {"HardSigmoid", 1, kLast, "alpha beta", nullptr, run_HardSigmoid},
      {"HardSwish", 14, kLast, "", nullptr, UNARY(nr::hardswish)},
      {"Softplus", 1, kLast, "", nullptr, UNARY(nr::softplus)},
      {"Softsign", 1, kLast, "", nullptr,
       [](OpContext& c) { c.set(0, c.in(0) / (nr::abs(c.in(0)) + 1.0)); }},
      {"ThresholdedRelu", 10, kLast, "alpha", nullptr, run_ThresholdedRelu},
      {"Shrink", 9, kLast, "bias lambd", nullptr, run_Shrink},
      // comparisons and logic
      {"Equal", 1, kLast, kLegacy, check_legacy_broadcast, BINARY(nr::eq(a, b))},
      {"Less", 1, kLast, kLegacy, check_legacy_broadcast, BINARY(nr::lt(a, b))},
      {"Greater", 1, kLast, kLegacy, check_legacy_broadcast, BINARY(nr::gt(a, b))},
      {"LessOrEqual", 12, kLast, "", nullptr, BINARY(nr::le(a, b))},
      {"GreaterOrEqual", 12, kLast, "", nullptr, BINARY(nr::ge(a, b))},
      {"And", 1, kLast, kLegacy, check_legacy_broadcast, BINARY(nr::logical_and(a, b))},
      {"Or", 1, kLast, kLegacy, check_legacy_broadcast, BINARY(nr::logical_or(a, b))},
      {"Xor", 1, kLast, kLegacy, check_legacy_broadcast, BINARY(nr::ne(a, b))},
      {"Not", 1, kLast, "", nullptr, UNARY(nr::logical_not)},
      {"Where", 9, kLast, "", nullptr,
       [](OpContext& c) { c.set(0, nr::where(c.in(0), c.in(1), c.in(2))); }},
      // linear algebra, convolution, pooling, normalization
      {"MatMul", 1, kLast, "", nullptr,
       [](OpContext& c) { c.set(0, nr::matmul(c.in(0), c.in(1))); }},
      {"RNN", 7, kLast,
       "activation_alpha activation_beta activations clip direction hidden_size layout",
       check_recurrent, run_RNN, host({4})},
      {"GRU", 7, kLast,
       "activation_alpha activation_beta activations clip direction hidden_size layout "
       "linear_before_reset",
       check_recurrent, run_GRU, host({4})},
      {"LSTM", 7, kLast,
       "activation_alpha activation_beta activations clip direction hidden_size input_forget "
       "layout",
       check_recurrent, run_LSTM, host({4})},
      {"Einsum", 12, kLast, "equation", check_Einsum, run_Einsum},
      {"DFT", 17, kLast, "axis inverse onesided", check_DFT, run_DFT},
      {"Det", 11, kLast, "", nullptr, run_Det},
      {"STFT", 17, kLast, "onesided", nullptr, run_STFT, host({1, 3})},
      {"Gemm", 1, kLast, "alpha beta transA transB broadcast", nullptr, run_Gemm},
      {"Conv", 1, kLast, "auto_pad dilations group kernel_shape pads strides", check_Conv,
       run_Conv},
      {"ConvTranspose", 1, kLast,
       "auto_pad dilations group kernel_shape output_padding output_shape pads strides",
       check_ConvTranspose, run_ConvTranspose},
      {"MaxPool", 1, kLast, "auto_pad ceil_mode dilations kernel_shape pads storage_order strides",
       check_MaxPool, run_MaxPool},
      {"MaxUnpool", 9, kLast, "kernel_shape pads strides", check_MaxUnpool, run_MaxUnpool,
       host({2})},
      {"AveragePool", 1, kLast, "auto_pad ceil_mode count_include_pad kernel_shape pads strides",
       check_AveragePool, run_AveragePool},
      {"GlobalAveragePool", 1, kLast, "", nullptr, run_GlobalAveragePool},
      {"GlobalMaxPool", 1, kLast, "", nullptr, run_GlobalMaxPool},
      {"BatchNormalization", 1, kLast, "epsilon momentum spatial is_test training_mode",
       check_BatchNormalization, run_BatchNormalization},
      {"InstanceNormalization", 1, kLast, "epsilon", nullptr, run_InstanceNormalization},
      {"LayerNormalization", 17, kLast, "axis epsilon stash_type", nullptr, run_LayerNormalization},
      {"MeanVarianceNormalization", 9, kLast, "axes", nullptr, run_MeanVarianceNormalization},
      {"LRN", 1, kLast, "alpha beta bias size", nullptr, run_LRN},
      {"Softmax", 1, kLast, "axis", nullptr, run_Softmax},
      {"LogSoftmax", 1, kLast, "axis", nullptr, run_LogSoftmax},
      {"Hardmax", 1, kLast, "axis", nullptr, run_Hardmax},
      {"NegativeLogLikelihoodLoss", 12, kLast, "ignore_index reduction", check_loss,
       run_NegativeLogLikelihoodLoss},
      {"SoftmaxCrossEntropyLoss", 12, kLast, "ignore_index reduction", check_loss,
       run_SoftmaxCrossEntropyLoss},
      {"Dropout", 1, kLast, "is_test ratio seed", check_Dropout, run_Dropout, host({2})},
      {"Resize", 10, kLast,
       "coordinate_transformation_mode cubic_coeff_a exclude_outside mode nearest_mode",
       check_Resize, run_Resize, host({1, 2, 3})},
      {"Upsample", 7, 9, "mode scales", check_Upsample, run_Upsample, host({1})},
      {"GridSample", 16, kLast, "align_corners mode padding_mode", check_GridSample,
       run_GridSample},
      {"DepthToSpace", 1, kLast, "blocksize mode", check_DepthToSpace, run_DepthToSpace},
      {"SpaceToDepth", 1, kLast, "blocksize", nullptr, run_SpaceToDepth},
      // reductions and ops along a dim
      {"ReduceSum", 1, kLast, "axes keepdims noop_with_empty_axes", nullptr, run_ReduceSum,
       host({1})},
      {"ReduceMean", 1, kLast, "axes keepdims", nullptr, run_ReduceMean},
      {"ReduceMax", 1, kLast, "axes keepdims", nullptr, run_ReduceMax},
      {"ReduceMin", 1, kLast, "axes keepdims", nullptr, run_ReduceMin},
      {"ReduceProd", 1, kLast, "axes keepdims", nullptr, run_ReduceProd},
      {"ReduceL1", 1, kLast, "axes keepdims", nullptr, run_ReduceL1},
      {"ReduceL2", 1, kLast, "axes keepdims", nullptr, run_ReduceL2},
      {"ReduceLogSum", 1, kLast, "axes keepdims", nullptr, run_ReduceLogSum},
      {"ReduceLogSumExp", 1, kLast, "axes keepdims", nullptr, run_ReduceLogSumExp},
      {"ReduceSumSquare", 1, kLast, "axes keepdims", nullptr, run_ReduceSumSquare},
      {"ArgMax", 1, kLast, "axis keepdims select_last_index", nullptr, run_ArgMax},
      {"ArgMin", 1, kLast, "axis keepdims select_last_index", nullptr, run_ArgMin},
      {"TopK", 1, kLast, "axis k largest sorted", nullptr, run_TopK, host({1})},
      {"CumSum", 11, kLast, "exclusive reverse", nullptr, run_CumSum, host({1})},
      // shapes and layout
      {"Shape", 1, kLast, "start end", nullptr, run_Shape, 0, true},
      {"Size", 1, kLast, "", nullptr, run_Size, 0, true},
      {"Identity", 1, kLast, "", nullptr, [](OpContext& c) { c.pass_through(0, 0); }},
      {"Reshape", 1, kLast, "shape allowzero", nullptr, run_Reshape, host({1})},
      {"Flatten", 1, kLast, "axis", nullptr, run_Flatten},
      {"Transpose", 1, kLast, "perm", nullptr, run_Transpose},
      {"Squeeze", 1, kLast, "axes", nullptr, run_Squeeze, host({1})},
      {"Unsqueeze", 1, kLast, "axes", nullptr, run_Unsqueeze, host({1})},
      {"Concat", 1, kLast, "axis", nullptr, run_Concat},
      {"Split", 2, kLast, "axis split", nullptr, run_Split, host({1})},
      {"Slice", 1, kLast, "axes ends starts", nullptr, run_Slice, host({1, 2, 3, 4})},
      {"Gather", 1, kLast, "axis", nullptr, run_Gather},
      {"GatherND", 11, kLast, "batch_dims", nullptr, run_GatherND},
      {"ScatterND", 11, kLast, "reduction", check_scatter, run_ScatterND},
      {"ScatterElements", 11, kLast, "axis reduction", check_scatter, run_ScatterElements},
      {"Scatter", 9, 10, "axis", nullptr, run_ScatterElements},
      {"GatherElements", 11, kLast, "axis", nullptr, run_GatherElements},
      {"Expand", 8, kLast, "", nullptr, run_Expand, host({1})},
      {"Tile", 6, kLast, "", nullptr, run_Tile, host({1})},
      {"Pad", 1, kLast, "mode pads paddings value", check_Pad, run_Pad, host({1, 2})},
      {"Constant", 1, kLast, "value value_float value_floats value_int value_ints", nullptr,
       run_Constant},
      {"ConstantOfShape", 9, kLast, "value", nullptr, run_ConstantOfShape, host({0})},
      {"Range", 11, kLast, "", nullptr, run_Range, host({0, 1, 2})},
      {"EyeLike", 9, kLast, "dtype k", check_EyeLike, run_EyeLike, 0, true},
      {"Trilu", 14, kLast, "upper", nullptr, run_Trilu, host({1})},
      {"OneHot", 9, kLast, "axis", nullptr, run_OneHot, host({1})},
      {"HannWindow", 17, kLast, "output_datatype periodic", check_window, run_HannWindow,
       host({0})},
      {"HammingWindow", 17, kLast, "output_datatype periodic", check_window, run_HammingWindow,
       host({0})},
      {"BlackmanWindow", 17, kLast, "output_datatype periodic", check_window, run_BlackmanWindow,
       host({0})},
      {"NonMaxSuppression", 10, kLast, "center_point_box", nullptr, run_NonMaxSuppression,
       host({0, 1, 2, 3, 4})},
      {"ReverseSequence", 10, kLast, "batch_axis time_axis", nullptr, run_ReverseSequence,
       host({1})},
      {"Unique", 11, kLast, "axis sorted", nullptr, run_Unique, host({0})},
      {"NonZero", 9, kLast, "", nullptr, run_NonZero, host({0})},
      {"Compress", 9, kLast, "axis", nullptr, run_Compress, host({1})},
      // sequences (lists the host keeps while the graph runs)
      {"SequenceEmpty", 11, kLast, "dtype", nullptr, run_SequenceEmpty},
      {"SequenceConstruct", 11, kLast, "", nullptr, run_SequenceConstruct},
      {"SequenceInsert", 11, kLast, "", nullptr, run_SequenceInsert, host({2})},
      {"SequenceErase", 11, kLast, "", nullptr, run_SequenceErase, host({1})},
      {"SequenceAt", 11, kLast, "", nullptr, run_SequenceAt, host({1})},
      {"SequenceLength", 11, kLast, "", nullptr, run_SequenceLength, 0, true},
      {"SplitToSequence", 11, kLast, "axis keepdims", nullptr, run_SplitToSequence, host({1})},
      {"ConcatFromSequence", 11, kLast, "axis new_axis", nullptr, run_ConcatFromSequence},
  };
  return list;
}

#undef UNARY
#undef BINARY

}  // namespace

const std::vector<OpMapping>& op_mappings() { return build(); }

const OpMapping* find_mapping(std::string_view op_type) {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, const OpMapping*>();
    for (const OpMapping& e : build()) m->emplace(e.op_type, &e);
    return m;
  }();
  auto it = index->find(op_type);
  return it == index->end() ? nullptr : it->second;
}

// ---- helpers shared by the mappings ----

std::int64_t norm_axis(const NodeAttrs& c, std::int64_t axis, int rank, const char* what) {
  const int r = std::max(rank, 1);
  if (axis < -r || axis >= r)
    c.fail<ShapeError>(what, " ", axis, " is out of range for rank ", rank, " (expected [", -r,
                       ", ", r - 1, "])");
  return axis < 0 ? axis + r : axis;
}

Tensor as_dtype(const Tensor& t, DType d) { return t.dtype() == d ? t : Tensor(nr::cast(t, d)); }

Tensor scalar_const(const OpContext& c, double v, DType d) {
  return c.place(as_dtype(nr::scalar_tensor<double>(v), d));
}

Tensor int64_tensor(const std::vector<std::int64_t>& v) {
  return nr::from_vector(v, Shape{static_cast<std::int64_t>(v.size())});
}

}  // namespace neuron::onnx::detail
