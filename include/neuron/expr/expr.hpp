// Elementwise expression templates. `a * b + c` builds a typed tree (no computation); converting it
// to a Tensor evaluates the whole tree in one pass over the output with one allocation.
//
//   Leaf            a tensor operand, held by value (a handle copy), so expressions never dangle
//   Scalar<T>       a C++ number (a "wrapped number" in PyTorch's promotion rules)
//   Node<Op, Cs...> an elementwise op (ops/) over child expressions
//
// Shapes and dtypes are inferred when a node is built, so errors surface at the line that caused
// them. A tree of float tensors and map ops (the common case) is fused in SIMD registers by the
// program that writes it; every other tree, and every fused node of a lazy or traced graph, runs
// on the library's fused evaluator (evaluate.hpp): FusedNodes flattened on the stack, each op's
// chunk kernel compiled once in the library. The register path is taken only when the program is
// compiled for the instruction set the library's kernels run (cpu_isa.hpp); both then compute
// each op with the same instructions, so results agree bit for bit (unless the program is
// compiled to contract a*b+c into an FMA, which the library's kernels never do).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../core/cpu_isa.hpp"
#include "../core/tensor.hpp"
#include "../ops/any_op.hpp"
#include "../ops/elementwise_kernel.hpp"
#include "../ops/stream_store.hpp"
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
  static constexpr bool all_map = true;

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
  bool uniform_nodes(DType) const { return true; }
  // Register path: leaf L's values at chunk position i.
  template <int L, class B>
  B batch(const typename B::value_type* const* lp, std::int64_t i) const {
    return B::load_unaligned(lp[L] + i);
  }

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
  static constexpr bool all_map = true;
  using stored =
      std::conditional_t<std::is_same_v<S, bool>, bool,
                         std::conditional_t<std::is_integral_v<S>, std::int64_t, double>>;

  explicit Scalar(S v) : value_(static_cast<stored>(v)) {}
  Shape shape() const { return Shape{}; }
  DType dtype() const { return wrapped_number_dtype<S>(); }
  Operand operand() const { return {dtype(), Priority::scalar}; }
  stored value() const { return value_; }
  bool uniform_nodes(DType) const { return true; }
  template <int L, class B>
  B batch(const typename B::value_type* const*, std::int64_t) const {
    return B(convert_value<typename B::value_type>(value_));
  }

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
  // Every op in the tree maps one dtype to itself, so the tree can run in SIMD registers.
  static constexpr bool all_map =
      std::is_base_of_v<MapOp<Op, Op::arity>, Op> && (Cs::all_map && ...);

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

  // One pass over the output, one allocation. A tree of float32 (or float64) tensors and map ops
  // is fused here, in SIMD registers; any other tree, or lazy tensors, go to the library's fused
  // evaluator (which records one fused node on the lazy device).
  Tensor evaluate() const {
    std::array<FusedNode, node_count> nodes;
    std::array<Tensor, leaf_count> leaves;
    std::array<ScalarValue, scalar_count> scalars{};
    FlattenTarget f{nodes.data(), leaves.data(), scalars.data()};
    flatten(f);
    if constexpr (all_map) {
      if (types_.out == float32 || types_.out == float64) {
        const Device d = common_device("elementwise expression", leaves.data(), leaves.size());
        // Only when this program is compiled for the instruction set the library's kernels run
        // (cpu_isa.hpp): otherwise the library's evaluator computes it, as it does in lazy and
        // traced mode, so that results agree bit for bit.
        if (d.is_cpu() && neuron::detail::compiled_isa() == cpu_isa() &&
            uniform_leaves(leaves.data(), types_.out)) {
          Tensor out = Tensor::empty(shape_, types_.out);
          if (types_.out == float32)
            evaluate_in_registers<float>(leaves.data(), out);
          else
            evaluate_in_registers<double>(leaves.data(), out);
          return out;
        }
      }
    }
    // The library's compiled chain for this structure, if any (looked up once per tree type).
    static const ChainBinding chain = bind_chain(nodes.data(), node_count);
    return evaluate_fused(nodes.data(), node_count, leaves.data(), leaf_count, scalars.data(),
                          scalar_count, shape_, types_.out, &chain);
  }

  // True when every node computes in `d` and every bound leaf has dtype `d`: no conversions.
  bool uniform_leaves(const Tensor* leaves, DType d) const {
    for (int k = 0; k < leaf_count; ++k)
      if (leaves[k].dtype() != d) return false;
    return uniform_nodes(d);
  }
  bool uniform_nodes(DType d) const {
    for (int i = 0; i < arity; ++i)
      if (types_.in[static_cast<std::size_t>(i)] != d) return false;
    return types_.out == d &&
           std::apply([d](const auto&... k) { return (k.uniform_nodes(d) && ...); }, kids_);
  }

  // Register path: this subtree's values at chunk position i, for leaves numbered from L.
  template <int L, class B>
  B batch(const typename B::value_type* const* lp, std::int64_t i) const {
    return batch_children<L, B>(lp, i, std::make_index_sequence<arity>{});
  }

 private:
  static constexpr std::array<int, arity> leaf_offsets() {
    std::array<int, arity> off{};
    int counts[] = {Cs::leaf_count...};
    for (int i = 1; i < arity; ++i)
      off[static_cast<std::size_t>(i)] = off[static_cast<std::size_t>(i - 1)] + counts[i - 1];
    return off;
  }
  template <int L, class B, std::size_t... I>
  B batch_children(const typename B::value_type* const* lp, std::int64_t i,
                   std::index_sequence<I...>) const {
    constexpr std::array<int, arity> off = leaf_offsets();
    return op_(std::get<I>(kids_).template batch<L + off[I], B>(lp, i)...);
  }

  // The register path: each chunk's leaf pointers are resolved once, then the whole tree runs per
  // SIMD batch with no intermediate stores, straight to the output (streamed when it is large);
  // the ragged tail goes through zero-padded batches, so every element goes through the same
  // instructions whatever its position.
  template <class T>
  void evaluate_in_registers(const Tensor* leaves, Tensor& out) const {
    using B = xsimd::batch<T>;
    constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
    constexpr int NL = leaf_count > 0 ? leaf_count : 1;
    // Longer chunks than the fused evaluator's: only broadcast leaves are staged, in T.
    constexpr std::int64_t kRegisterChunk = 1024;
    evaluate_tree(
        out, leaves, leaf_count,
        [&](EvalContext& cx, std::int64_t n, void* dst) -> const void* {
          // Chunks may run on several threads: staging on each one's stack.
          alignas(64) T slots[NL][kRegisterChunk];
          const T* lp[NL] = {};
          for (int l = 0; l < leaf_count; ++l)
            lp[l] = reinterpret_cast<const T*>(
                leaf_chunk(cx.leaves[l], cx, n, reinterpret_cast<std::byte*>(slots[l])));
          T* o = static_cast<T*>(dst);
          std::int64_t i = 0;
          if (cx.stream && reinterpret_cast<std::uintptr_t>(o) % sizeof(B) == 0)
            for (; i + W <= n; i += W) neuron::detail::store_stream(o + i, batch<0, B>(lp, i));
          else
            for (; i + W <= n; i += W) batch<0, B>(lp, i).store_unaligned(o + i);
          if (i < n) {
            alignas(64) T tail[NL][W] = {};
            const T* tp[NL] = {};
            for (int l = 0; l < leaf_count; ++l) {
              std::copy(lp[l] + i, lp[l] + n, tail[l]);
              tp[l] = tail[l];
            }
            alignas(64) T res[W];
            batch<0, B>(tp, 0).store_aligned(res);
            std::copy(res, res + (n - i), o + i);
          }
          return dst;
        },
        kRegisterChunk, /*direct=*/true);
  }

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
