// The op list: every op struct, registered once. Graphs, files and tools find ops only through it.
#pragma once

#include <string_view>
#include <type_traits>

#include "activation.hpp"
#include "add_layer_norm.hpp"
#include "attention.hpp"
#include "batch_norm.hpp"
#include "binary.hpp"
#include "cast.hpp"
#include "clamp.hpp"
#include "compare.hpp"
#include "concat.hpp"
#include "conv.hpp"
#include "embedding.hpp"
#include "fused_linear.hpp"
#include "group_norm.hpp"
#include "indexing.hpp"
#include "interpolate.hpp"
#include "layer_norm.hpp"
#include "logical.hpp"
#include "matmul.hpp"
#include "permute.hpp"
#include "pool.hpp"
#include "reduce.hpp"
#include "reshape.hpp"
#include "sequence.hpp"
#include "shape_ops.hpp"
#include "slice.hpp"
#include "softmax.hpp"
#include "unary.hpp"
#include "unary_math.hpp"
#include "where.hpp"

namespace neuron {

template <class... Ops>
struct OpList {
  static constexpr std::size_t size = sizeof...(Ops);
  // Calls f(Op{}) for each op type, in order.
  template <class F>
  static void for_each(F&& f) {
    (f(Ops{}), ...);
  }
  // Calls f(Op{}) for the op called `name`; returns false when there is none.
  template <class F>
  static bool visit(std::string_view name, F&& f) {
    return ((name == Ops::name ? (f(Ops{}), true) : false) || ...);
  }
};

using AllOps = OpList<
    // elementwise (expr/)
    Relu, Gelu, Sigmoid, Tanh, Exp, Log, Sqrt, Rsqrt, Abs, Neg,  //
    Silu, Hardswish, Hardsigmoid, Relu6, LeakyRelu, Elu,         //
    Softplus, Erf, Sin, Cos, Floor, Ceil, Round, Sign,           //
    Reciprocal, Clamp,                                           //
    Add, Sub, Mul, Div, Pow, Maximum, Minimum,                   //
    Eq, Ne, Lt, Le, Gt, Ge, Where, Cast,                         //
    LogicalAnd, LogicalOr, LogicalNot, Remainder,                //
    // reductions and normalizations
    Sum, Mean, Max, Min, Softmax, LogSoftmax, LayerNorm, AddLayerNorm,  //
    // linear algebra and lookup
    Matmul, Linear, FusedLinear, Embedding,  //
    // layout
    Reshape, Permute, Slice, Concat, Expand, Pad, Repeat,  //
    // vision
    Conv1dOp, Conv2dOp, ConvTranspose2dOp, MaxPool<1>, MaxPool<2>, AvgPool<1>, AvgPool<2>,
    AdaptiveAvgPool<1>, AdaptiveAvgPool<2>, BatchNorm, GroupNorm, Interpolate,
    // sequences and indexing
    Prod, ArgMax, ArgMin, Cumsum, TopK, Triu, Tril, Gather, IndexSelect, IndexCopy,
    ScaledDotProductAttention, MultiheadAttentionOp>;

// Elementwise ops run chunk by chunk inside expressions; the others run whole tensors.
template <class Op, class = void>
struct is_elementwise_op : std::false_type {};
template <class Op>
struct is_elementwise_op<Op, std::void_t<decltype(&Op::run_chunk)>> : std::true_type {};

inline bool is_known_op(std::string_view name) {
  return AllOps::visit(name, [](auto) {});
}

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "op_list-inl.hpp"
#endif
