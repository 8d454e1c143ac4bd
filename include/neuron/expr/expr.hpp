// Elementwise expression templates. `a * b + c` builds a typed tree (no computation); converting it
// to a Tensor evaluates the whole tree in one pass over the output with one allocation.
//
//   Leaf            a tensor operand, held by value (a handle copy), so expressions never dangle
//   Scalar<T>       a C++ number (a "wrapped number" in PyTorch's promotion rules)
//   Node<Op, Cs...> an elementwise op (ops/) over child expressions
//
// Shapes and dtypes are inferred when a node is built, so errors surface at the line that caused
// them. Evaluation walks the output in chunks of kChunk elements along the innermost (coalesced)
// dimension; each node computes its chunk into a stack slot, in its own dtype, so mixed-dtype
// trees follow PyTorch's promotion exactly, while temporaries never leave the L1 cache.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../core/tensor.hpp"
#include "../ops/elementwise_kernel.hpp"
#include "evaluate.hpp"

namespace neuron::expr {

class Leaf {
 public:
  using neuron_expression = void;
  static constexpr int leaf_count = 1;
  static constexpr int slot_count = 1;

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
  // Produces n values of dtype `want` for the current chunk: a pointer into the tensor when no
  // conversion is needed, else converted into this leaf's slot.
  const void* eval(EvalContext& cx, int& slot, int& leaf, DType want, std::int64_t n,
                   void* dst) const {
    LeafView& v = cx.leaves[leaf++];
    std::byte* buf = dst ? static_cast<std::byte*>(dst) : cx.slots[slot];
    ++slot;
    std::size_t es = dtype_size(v.dtype);
    const std::byte* src = v.data + (v.row_offset + cx.inner * v.inner_stride) * es;
    if (v.inner_stride == 1) {
      if (v.dtype == want && !dst) return src;
      convert_buffer(src, v.dtype, buf, want, n);
      return buf;
    }
    // Broadcast along the chunk: splat one value.
    visit_dtype(want, [&](auto tag) {
      using T = decltype(tag);
      T value;
      convert_buffer(src, v.dtype, &value, want, 1);
      std::fill(reinterpret_cast<T*>(buf), reinterpret_cast<T*>(buf) + n, value);
    });
    return buf;
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
  static constexpr int slot_count = 1;
  using stored = std::conditional_t<std::is_same_v<S, bool>, bool,
                                    std::conditional_t<std::is_integral_v<S>, std::int64_t, double>>;

  explicit Scalar(S v) : value_(static_cast<stored>(v)) {}
  Shape shape() const { return Shape{}; }
  DType dtype() const { return wrapped_number_dtype<S>(); }
  Operand operand() const { return {dtype(), Priority::scalar}; }
  stored value() const { return value_; }

  template <class F>
  void for_each_leaf(F&&) const {}
  const void* eval(EvalContext& cx, int& slot, int&, DType want, std::int64_t n, void* dst) const {
    std::byte* buf = dst ? static_cast<std::byte*>(dst) : cx.slots[slot];
    ++slot;
    visit_dtype(want, [&](auto tag) {
      using T = decltype(tag);
      T v = convert_value<T>(value_);
      std::fill(reinterpret_cast<T*>(buf), reinterpret_cast<T*>(buf) + n, v);
    });
    return buf;
  }

 private:
  stored value_;
};

template <class Op, class... Cs>
class Node;

template <class Op, class... Cs>
class Node {
 public:
  using neuron_expression = void;
  static constexpr int arity = sizeof...(Cs);
  static constexpr int leaf_count = (Cs::leaf_count + ... + 0);
  // Children's slots, plus one for this node's result and one to convert it for the parent.
  static constexpr int slot_count = (Cs::slot_count + ... + 0) + 2;

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

  // One pass over the output, one allocation.
  Tensor evaluate() const;

  // Evaluates the children (each returns values already in the dtype this op wants for it), runs
  // the op into `dst` or this node's slot, and converts when the parent wants another dtype.
  const void* eval(EvalContext& cx, int& slot, int& leaf, DType want, std::int64_t n,
                   void* dst) const {
    const void* in[arity];
    eval_children(cx, slot, leaf, n, in, std::make_index_sequence<arity>{});
    std::byte* own = cx.slots[slot];
    std::byte* conv = cx.slots[slot + 1];
    slot += 2;
    if (want == types_.out) {
      void* out = dst ? dst : own;
      op_.run_chunk(types_, in, out, n);
      return out;
    }
    op_.run_chunk(types_, in, own, n);
    void* c = dst ? dst : conv;
    convert_buffer(own, types_.out, c, want, n);
    return c;
  }

  template <std::size_t... I>
  void eval_children(EvalContext& cx, int& slot, int& leaf, std::int64_t n, const void** in,
                     std::index_sequence<I...>) const {
    ((in[I] = std::get<I>(kids_).eval(cx, slot, leaf, types_.in[I], n, nullptr)), ...);
  }

  Shape infer_shape() const {
    Shape s;
    int i = 0;
    std::apply(
        [&](const auto&... k) {
          ((s = i == 0 ? k.shape()
                       : broadcast_shapes(s, k.shape(), Op::name,
                                          i == 1 ? "input 0" : "the previous inputs",
                                          input_name(i)),
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

namespace neuron::expr {

template <class Op, class... Cs>
Tensor Node<Op, Cs...>::evaluate() const {
  std::array<Tensor, leaf_count> leaves;
  std::size_t k = 0;
  for_each_leaf([&](const Tensor& t) { leaves[k++] = t; });
  alignas(64) std::byte slots[slot_count][kSlotBytes];
  return evaluate_tree(shape_, types_.out, leaves.data(), leaf_count,
                       [&](EvalContext& cx, std::int64_t n, void* dst) {
                         cx.slots = slots;
                         int slot = 0, leaf = 0;
                         return eval(cx, slot, leaf, types_.out, n, dst);
                       });
}

}  // namespace neuron::expr
