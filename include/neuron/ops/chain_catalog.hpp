// The chains of map ops compiled into the library (chain_kernels.hpp): every map op alone (a fused
// step of one op then streams its output in one pass), and the chains that models and exporters
// produce. A chain is found by its op names only, so one entry serves every attribute value, every
// operand kind (tensor, 0-d constant, C++ number) and every broadcast. Adding a chain is one line.
#pragma once

#include <type_traits>

#include "chain_kernels.hpp"
#include "op_list.hpp"

namespace neuron::detail::chain {

using multi_op_chains = ChainList<
    // scale and shift, relu: relu(a * b + 1), batch norm in inference written out
    F<Relu, F<Add, F<Mul, X, X>, X>>, F<Relu6, F<Add, F<Mul, X, X>, X>>,
    // a * s + b: attention scores scaled and masked (exported BERT), affine maps
    F<Add, F<Mul, X, X>, X>, F<Mul, F<Add, X, X>, X>, F<Add, X, F<Mul, X, X>>,
    // w - lr * g: the SGD step of lazy training loops
    F<Sub, X, F<Mul, X, X>>,
    // residuals: relu(a + b), a + b + c
    F<Relu, F<Add, X, X>>, F<Add, F<Add, X, X>, X>,
    // GELU as torch.onnx exports it: x * (erf(x / sqrt(2)) + 1) * 0.5, and the 0.5 * x first form
    F<Mul, F<Mul, X, F<Add, F<Erf, F<Div, X, X>>, X>>, X>,
    F<Mul, F<Mul, X, X>, F<Add, F<Erf, F<Div, X, X>>, X>>,
    // GELU's tanh form as GPT-2 code writes it:
    // 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * pow(x, 3))))
    F<Mul, F<Mul, X, X>, F<Add, X, F<Tanh, F<Mul, X, F<Add, X, F<Mul, X, F<Pow, X, X>>>>>>>,
    // gelu(x + bias) and silu as exported (x * sigmoid(x))
    F<Gelu, F<Add, X, X>>, F<Mul, X, F<Sigmoid, X>>,
    // normalization written out (LayerNormalization before opset 17, instance norms):
    // (x - mean) / sqrt(var + eps), then * weight + bias; (x - mean) * rstd
    F<Div, F<Sub, X, X>, F<Sqrt, F<Add, X, X>>>,
    F<Add, F<Mul, F<Div, F<Sub, X, X>, F<Sqrt, F<Add, X, X>>>, X>, X>, F<Mul, F<Sub, X, X>, X>>;

// F<Op, X, ..., X>: a map op alone.
template <class Op, class Seq>
struct single_op_chain;
template <class Op, std::size_t... I>
struct single_op_chain<Op, std::index_sequence<I...>> {
  template <std::size_t>
  using operand = X;
  using type = F<Op, operand<I>...>;
};

template <class Op>
constexpr bool float_map_op() {
  if constexpr (is_elementwise_op<Op>::value)
    if constexpr (std::is_base_of_v<MapOp<Op, Op::arity>, Op>) return Op::template accepts<float>;
  return false;
}

template <class... A, class... B>
ChainList<A..., B...> operator+(ChainList<A...>, ChainList<B...>) {
  return {};
}

template <class Op, bool = float_map_op<Op>()>
struct single_or_none {
  using type = ChainList<>;
};
template <class Op>
struct single_or_none<Op, true> {
  using type = ChainList<typename single_op_chain<
      Op, std::make_index_sequence<static_cast<std::size_t>(Op::arity)>>::type>;
};

template <class... Ops>
auto single_op_chains(OpList<Ops...>) {
  return (ChainList<>{} + ... + typename single_or_none<Ops>::type{});
}

using catalog = decltype(multi_op_chains{} + single_op_chains(AllOps{}));

}  // namespace neuron::detail::chain
