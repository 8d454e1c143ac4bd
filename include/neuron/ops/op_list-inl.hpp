// Definitions that need the whole op list: make_op_from_json (declared in any_op.hpp) and, in the
// compiled library, the instantiations of the op templates for every op. Not in any_op-inl.hpp:
// with NEURON_HEADER_ONLY, any_op.hpp is reached from inside the op headers, before the op list is
// complete.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "any_op-inl.hpp"
#include "op_list.hpp"

namespace neuron {

NEURON_INLINE std::shared_ptr<const AnyOp> make_op_from_json(const std::string& name,
                                                             const nlohmann::json& attrs) {
  std::shared_ptr<const AnyOp> op;
  bool known = AllOps::visit(name, [&](auto proto) {
    using Op = decltype(proto);
    if constexpr (!is_elementwise_op<Op>::value) op = op_from_json<Op>(attrs);
  });
  if (!known) throw_error<FormatError>("unknown op '", name.substr(0, 64), "'");
  return op;
}

#ifndef NEURON_HEADER_ONLY
// Compiled library: the templates of any_op-inl.hpp that code outside the library may call (tests
// read op attributes directly), instantiated here once for every op of the op list.
#define NEURON_OP_ATTRS_FROM_JSON(Op) template Op op_attrs_from_json<Op>(const nlohmann::json&);
#define NEURON_OP_FROM_JSON(Op)                              \
  template Op op_attrs_from_json<Op>(const nlohmann::json&); \
  template std::shared_ptr<const AnyOp> op_from_json<Op>(const nlohmann::json&);
NEURON_OP_ATTRS_FROM_JSON(Relu)
NEURON_OP_ATTRS_FROM_JSON(Gelu)
NEURON_OP_ATTRS_FROM_JSON(Sigmoid)
NEURON_OP_ATTRS_FROM_JSON(Tanh)
NEURON_OP_ATTRS_FROM_JSON(Exp)
NEURON_OP_ATTRS_FROM_JSON(Log)
NEURON_OP_ATTRS_FROM_JSON(Sqrt)
NEURON_OP_ATTRS_FROM_JSON(Rsqrt)
NEURON_OP_ATTRS_FROM_JSON(Abs)
NEURON_OP_ATTRS_FROM_JSON(Neg)
NEURON_OP_ATTRS_FROM_JSON(Silu)
NEURON_OP_ATTRS_FROM_JSON(Hardswish)
NEURON_OP_ATTRS_FROM_JSON(Hardsigmoid)
NEURON_OP_ATTRS_FROM_JSON(Relu6)
NEURON_OP_ATTRS_FROM_JSON(LeakyRelu)
NEURON_OP_ATTRS_FROM_JSON(Elu)
NEURON_OP_ATTRS_FROM_JSON(Softplus)
NEURON_OP_ATTRS_FROM_JSON(Erf)
NEURON_OP_ATTRS_FROM_JSON(Sin)
NEURON_OP_ATTRS_FROM_JSON(Cos)
NEURON_OP_ATTRS_FROM_JSON(Floor)
NEURON_OP_ATTRS_FROM_JSON(Ceil)
NEURON_OP_ATTRS_FROM_JSON(Round)
NEURON_OP_ATTRS_FROM_JSON(Sign)
NEURON_OP_ATTRS_FROM_JSON(Reciprocal)
NEURON_OP_ATTRS_FROM_JSON(Clamp)
NEURON_OP_ATTRS_FROM_JSON(Add)
NEURON_OP_ATTRS_FROM_JSON(Sub)
NEURON_OP_ATTRS_FROM_JSON(Mul)
NEURON_OP_ATTRS_FROM_JSON(Div)
NEURON_OP_ATTRS_FROM_JSON(Pow)
NEURON_OP_ATTRS_FROM_JSON(Maximum)
NEURON_OP_ATTRS_FROM_JSON(Minimum)
NEURON_OP_ATTRS_FROM_JSON(Eq)
NEURON_OP_ATTRS_FROM_JSON(Ne)
NEURON_OP_ATTRS_FROM_JSON(Lt)
NEURON_OP_ATTRS_FROM_JSON(Le)
NEURON_OP_ATTRS_FROM_JSON(Gt)
NEURON_OP_ATTRS_FROM_JSON(Ge)
NEURON_OP_ATTRS_FROM_JSON(Where)
NEURON_OP_ATTRS_FROM_JSON(Cast)
NEURON_OP_ATTRS_FROM_JSON(LogicalAnd)
NEURON_OP_ATTRS_FROM_JSON(LogicalOr)
NEURON_OP_ATTRS_FROM_JSON(LogicalNot)
NEURON_OP_ATTRS_FROM_JSON(Remainder)
NEURON_OP_FROM_JSON(Sum)
NEURON_OP_FROM_JSON(Mean)
NEURON_OP_FROM_JSON(Max)
NEURON_OP_FROM_JSON(Min)
NEURON_OP_FROM_JSON(Softmax)
NEURON_OP_FROM_JSON(LogSoftmax)
NEURON_OP_FROM_JSON(LayerNorm)
NEURON_OP_FROM_JSON(AddLayerNorm)
NEURON_OP_FROM_JSON(Matmul)
NEURON_OP_FROM_JSON(Linear)
NEURON_OP_FROM_JSON(FusedLinear)
NEURON_OP_FROM_JSON(Embedding)
NEURON_OP_FROM_JSON(Reshape)
NEURON_OP_FROM_JSON(Permute)
NEURON_OP_FROM_JSON(Slice)
NEURON_OP_FROM_JSON(Concat)
NEURON_OP_FROM_JSON(Expand)
NEURON_OP_FROM_JSON(Pad)
NEURON_OP_FROM_JSON(Repeat)
NEURON_OP_FROM_JSON(Conv1dOp)
NEURON_OP_FROM_JSON(Conv2dOp)
NEURON_OP_FROM_JSON(ConvTranspose2dOp)
NEURON_OP_FROM_JSON(MaxPool<1>)
NEURON_OP_FROM_JSON(MaxPool<2>)
NEURON_OP_FROM_JSON(AvgPool<1>)
NEURON_OP_FROM_JSON(AvgPool<2>)
NEURON_OP_FROM_JSON(AdaptiveAvgPool<1>)
NEURON_OP_FROM_JSON(AdaptiveAvgPool<2>)
NEURON_OP_FROM_JSON(BatchNorm)
NEURON_OP_FROM_JSON(GroupNorm)
NEURON_OP_FROM_JSON(Interpolate)
NEURON_OP_FROM_JSON(Prod)
NEURON_OP_FROM_JSON(ArgMax)
NEURON_OP_FROM_JSON(ArgMin)
NEURON_OP_FROM_JSON(Cumsum)
NEURON_OP_FROM_JSON(TopK)
NEURON_OP_FROM_JSON(Triu)
NEURON_OP_FROM_JSON(Tril)
NEURON_OP_FROM_JSON(Gather)
NEURON_OP_FROM_JSON(IndexSelect)
NEURON_OP_FROM_JSON(IndexCopy)
NEURON_OP_FROM_JSON(ScaledDotProductAttention)
NEURON_OP_FROM_JSON(MultiheadAttentionOp)
#undef NEURON_OP_ATTRS_FROM_JSON
#undef NEURON_OP_FROM_JSON
#endif

}  // namespace neuron
