// Elementwise expression templates. `a * b + c` builds a typed tree (no computation); converting it
// to a Tensor evaluates the whole tree in one pass over the output with one allocation.
//
//   Leaf            a tensor operand, held by value (a handle copy), so expressions never dangle
//   Scalar<T>       a C++ number (a "wrapped number" in PyTorch's promotion rules)
//   Node<Op, Cs...> an elementwise op (ops/) over child expressions
//
// Shapes and dtypes are inferred when a node is built, so errors surface at the line that caused
// them. The typed tree is only a front: evaluation flattens it into FusedNodes on the stack and
// hands them to the library's one fused evaluator (evaluate.hpp), so a program that writes an
// expression instantiates no kernel. The same evaluator runs fused nodes in lazy and traced mode,
// so all modes agree bit for bit.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../core/tensor.hpp"
#include "../ops/any_op.hpp"
#include "../ops/elementwise_kernel.hpp"
#include "evaluate.hpp"

namespace neuron::expr {

// Where flatten() writes: nodes in post-order, tensors of leaves and values of scalars in order.
struct FlattenTarget {
  FusedNode* nodes;
  Tensor* leaves;
  ScalarValue* scalars;
  int node = 0, leaf = 0, scalar = 0;
};

class Leaf {
 public:
  using neuron_expression = void;
  static constexpr int leaf_count = 1;
  static constexpr int scalar_count = 0;
  static constexpr int node_count = 1;

  explicit Leaf(Tensor t) : t_(std::move(t)) {
    if (!t_.defined()) throw_error<ValueError>("expression operand is an undefined tensor");
  }
  const Shape& shape() const { return t_.shape(); }
  DType dtype() const { return t_.dtype(); }
  Operand operand() const {
    return {t_.dtype(), t_.rank() > 0 ? Priority::dimensioned : Priority::zero_dim};
  }
  const Tensor& tensor() const { return t_; }
  Tensor evaluate() const { return t_; }

  template <class F>
  void for_each_leaf(F&& f) const {
    f(t_);
  }
  template <class F>
  void for_each_scalar(F&&) const {}
  int flatten(FlattenTarget& f) const {
    FusedNode& n = f.nodes[f.node];
    n.kind = FusedNode::Kind::leaf;
    n.dtype = t_.dtype();
    n.index = f.leaf;
    f.leaves[f.leaf++] = t_;
    return f.node++;
  }

 private:
  Tensor t_;
};

// A C++ number. It keeps its full value (double or int64) and is converted directly to the dtype
// its parent computes in, so 0.1 added to a float64 tensor stays the double 0.1.
template <class S>
class Scalar {
 public:
  using neuron_expression = void;
  static constexpr int leaf_count = 0;
  static constexpr int scalar_count = 1;
  static constexpr int node_count = 1;
  using stored =
      std::conditional_t<std::is_same_v<S, bool>, bool,
                         std::conditional_t<std::is_integral_v<S>, std::int64_t, double>>;

  explicit Scalar(S v) : value_(static_cast<stored>(v)) {}
  Shape shape() const { return Shape{}; }
  DType dtype() const { return wrapped_number_dtype<S>(); }
  Operand operand() const { return {dtype(), Priority::scalar}; }
  stored value() const { return value_; }

  template <class F>
  void for_each_leaf(F&&) const {}
  template <class F>
  void for_each_scalar(F&& f) const {
    f(static_cast<ScalarValue>(value_));
  }
  int flatten(FlattenTarget& f) const {
    FusedNode& n = f.nodes[f.node];
    n.kind = FusedNode::Kind::scalar;
    n.dtype = dtype();
    n.index = f.scalar;
    f.scalars[f.scalar++] = static_cast<ScalarValue>(value_);
    return f.node++;
  }

 private:
  stored value_;
};

template <class Op, class... Cs>
class Node {
 public:
  using neuron_expression = void;
  static constexpr int arity = sizeof...(Cs);
  static constexpr int leaf_count = (Cs::leaf_count + ... + 0);
  static constexpr int scalar_count = (Cs::scalar_count + ... + 0);
  static constexpr int node_count = (Cs::node_count + ... + 0) + 1;

  explicit Node(Op op, Cs... cs) : op_(std::move(op)), kids_(std::move(cs)...) {
    static_assert(Op::arity == arity, "wrong number of operands for this op");
    std::array<Operand, arity> operands = std::apply(
        [](const auto&... k) { return std::array<Operand, arity>{k.operand()...}; }, kids_);
    types_ = op_.types(operands);
    shape_ = infer_shape();
  }

  const Shape& shape() const { return shape_; }
  DType dtype() const { return types_.out; }
  Operand operand() const {
    return {types_.out, shape_.rank() > 0 ? Priority::dimensioned : Priority::zero_dim};
  }
  const Op& op() const { return op_; }
  const std::tuple<Cs...>& children() const { return kids_; }
  const ElementwiseTypes& types() const { return types_; }

  template <class F>
  void for_each_leaf(F&& f) const {
    std::apply([&](const auto&... k) { (k.for_each_leaf(f), ...); }, kids_);
  }
  template <class F>
  void for_each_scalar(F&& f) const {
    std::apply([&](const auto&... k) { (k.for_each_scalar(f), ...); }, kids_);
  }

  // Writes the children, then this op (post-order); returns this node's index.
  int flatten(FlattenTarget& f) const {
    std::array<int, 3> args{};
    int k = 0;
    std::apply(
        [&](const auto&... c) { ((args[static_cast<std::size_t>(k++)] = c.flatten(f)), ...); },
        kids_);
    FusedNode& n = f.nodes[f.node];
    n.kind = FusedNode::Kind::op;
    n.dtype = types_.out;
    n.kernel = &elementwise_kernel<Op>();
    n.op = &op_;
    n.types = types_;
    n.args = args;
    return f.node++;
  }

  // One pass over the output, one allocation. On the lazy device: records one fused node.
  Tensor evaluate() const {
    std::array<FusedNode, node_count> nodes;
    std::array<Tensor, leaf_count> leaves;
    std::array<ScalarValue, scalar_count> scalars{};
    FlattenTarget f{nodes.data(), leaves.data(), scalars.data()};
    flatten(f);
    return evaluate_fused(nodes.data(), node_count, leaves.data(), leaf_count, scalars.data(),
                          scalar_count, shape_, types_.out);
  }

 private:
  Shape infer_shape() const {
    Shape s;
    int i = 0;
    std::apply(
        [&](const auto&... k) {
          ((s = i == 0
                    ? k.shape()
                    : broadcast_shapes(s, k.shape(), Op::name,
                                       i == 1 ? "input 0" : "the previous inputs", input_name(i)),
            ++i),
           ...);
        },
        kids_);
    return s;
  }
  static const char* input_name(int i) {
    static const char* names[] = {"input 0", "input 1", "input 2"};
    return names[i < 3 ? i : 2];
  }

  Op op_;
  std::tuple<Cs...> kids_;
  ElementwiseTypes types_;
  Shape shape_;
};

}  // namespace neuron::expr
