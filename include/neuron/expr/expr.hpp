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
#include "../ops/any_op.hpp"
#include "../ops/elementwise_kernel.hpp"
#include "evaluate.hpp"

namespace neuron::expr {

class Leaf {
 public:
  using neuron_expression = void;
  static constexpr int leaf_count = 1;
  static constexpr int scalar_count = 0;
  static constexpr int slot_count = 1;
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
  template <class F>
  void for_each_scalar_mut(F&&) {}
  // Drops the tensor (a recorded expression keeps only its structure; inputs are bound later).
  void strip() { t_ = Tensor(); }
  void structure(std::string& out) const { out += 'x'; }
  nlohmann::json tree() const { return "x"; }
  // Produces n values of dtype `want` for the current chunk: a pointer into the tensor when it
  // lines up with the output and needs no conversion, else gathered into this leaf's slot.
  const void* eval(EvalContext& cx, int& slot, int& leaf, DType want, std::int64_t n,
                   void* dst) const {
    const LeafView& v = cx.leaves[leaf++];
    std::byte* buf = dst ? static_cast<std::byte*>(dst) : cx.slots[slot];
    ++slot;
    if (v.contiguous) {
      const std::byte* src = v.data + static_cast<std::size_t>(cx.start) * dtype_size(v.dtype);
      if (v.dtype == want && !dst) return src;
      convert_buffer(src, v.dtype, buf, want, n);
      return buf;
    }
    if (v.dtype == want && !dst)
      if (const std::byte* run = leaf_run(v, cx, n)) return run;
    gather_leaf(v, cx, want, n, buf);
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
  static constexpr int scalar_count = 1;
  static constexpr int slot_count = 1;
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
  // Replaces the value (a cached executable runs with the values of the graph it is given; a
  // loaded module, with values from its file, so NaN or out-of-range integers must not be UB).
  template <class F>
  void for_each_scalar_mut(F&& f) {
    value_ = convert_value<stored>(f());
  }
  void strip() {}
  void structure(std::string& out) const {
    out += "scalar:";  // the kind of number, never its value
    out += dtype_name(dtype());
  }
  nlohmann::json tree() const { return {{"scalar", dtype_name(dtype())}}; }
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

// Records an expression over lazy tensors as one fused node (expr_op.hpp).
template <class E, std::size_t N>
Tensor record_lazy_expression(const E& e, const std::array<Tensor, N>& leaves);

template <class Op, class... Cs>
class Node {
 public:
  using neuron_expression = void;
  static constexpr int arity = sizeof...(Cs);
  static constexpr int leaf_count = (Cs::leaf_count + ... + 0);
  static constexpr int scalar_count = (Cs::scalar_count + ... + 0);
  // Children's slots, plus one for this node's result and one to convert it for the parent.
  static constexpr int slot_count = (Cs::slot_count + ... + 0) + 2;
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
  template <class F>
  void for_each_scalar_mut(F&& f) {
    std::apply([&](auto&... k) { (k.for_each_scalar_mut(f), ...); }, kids_);
  }
  void strip() {
    std::apply([](auto&... k) { (k.strip(), ...); }, kids_);
  }
  // The tree's structure as bytes: ops, their attributes, the kinds of operands, and the dtypes
  // each node computes in. Never tensor data or scalar values.
  void structure(std::string& out) const {
    out += Op::name;
    std::string a = attr::encode_all(op_.attrs());
    if (!a.empty()) {
      static const char* hex = "0123456789abcdef";
      out += '[';
      for (unsigned char c : a) {
        out += hex[c >> 4];
        out += hex[c & 15];
      }
      out += ']';
    }
    out += ':';
    out += dtype_name(types_.out);
    // The dtypes the operands are converted to, when they are not the output's (compare, cast):
    // eq on int64 and eq on float32 both give bool, but they are different kernels.
    bool mixed = false;
    for (int i = 0; i < arity; ++i) mixed |= types_.in[static_cast<std::size_t>(i)] != types_.out;
    if (mixed) {
      out += '<';
      for (int i = 0; i < arity; ++i) {
        if (i) out += ',';
        out += dtype_name(types_.in[static_cast<std::size_t>(i)]);
      }
      out += '>';
    }
    out += '(';
    int i = 0;
    std::apply([&](const auto&... k) { ((out += (i++ ? "," : ""), k.structure(out)), ...); },
               kids_);
    out += ')';
  }

  // The tree as JSON (files): {"op", "attrs", "dtype", "args"}; leaves are "x", bound in order;
  // C++ numbers are {"scalar": dtype}, their values are runtime scalars.
  nlohmann::json tree() const {
    nlohmann::json attrs = nlohmann::json::array();
    std::apply([&](const auto&... a) { (attrs.push_back(attr::to_json(a)), ...); }, op_.attrs());
    nlohmann::json args = nlohmann::json::array();
    std::apply([&](const auto&... k) { (args.push_back(k.tree()), ...); }, kids_);
    return {{"op", Op::name}, {"attrs", attrs}, {"dtype", dtype_name(types_.out)}, {"args", args}};
  }

  // One pass over the output, one allocation. On the lazy device: records one fused node.
  Tensor evaluate() const;
  // Evaluates with `leaves` in place of this tree's own tensors (CPU, in for_each_leaf order)
  // into `out`, which has this expression's shape and dtype.
  void evaluate_into(const Tensor* leaves, Tensor& out) const;

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
  // SIMD batch with no intermediate stores; the ragged tail goes through zero-padded batches.
  template <class T>
  void evaluate_in_registers(const Tensor* leaves, Tensor& out) const;

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

namespace neuron::expr {

template <class Op, class... Cs>
Tensor Node<Op, Cs...>::evaluate() const {
  std::array<Tensor, leaf_count> leaves;
  std::size_t k = 0;
  for_each_leaf([&](const Tensor& t) { leaves[k++] = t; });
  Device d = common_device("elementwise expression", leaves.data(), leaves.size());
  if (d.is_lazy()) return record_lazy_expression(*this, leaves);
  Tensor out = Tensor::empty(shape_, types_.out);
  evaluate_into(leaves.data(), out);
  return out;
}

template <class Op, class... Cs>
void Node<Op, Cs...>::evaluate_into(const Tensor* leaves, Tensor& out) const {
  if constexpr (all_map) {
    if (types_.out == float32 && uniform_leaves(leaves, float32))
      return evaluate_in_registers<float>(leaves, out);
    if (types_.out == float64 && uniform_leaves(leaves, float64))
      return evaluate_in_registers<double>(leaves, out);
  }
  alignas(64) std::byte slots[slot_count][kSlotBytes];
  evaluate_tree(out, leaves, leaf_count, [&](EvalContext& cx, std::int64_t n, void* dst) {
    cx.slots = slots;
    int slot = 0, leaf = 0;
    return eval(cx, slot, leaf, types_.out, n, dst);
  });
}

template <class Op, class... Cs>
template <class T>
void Node<Op, Cs...>::evaluate_in_registers(const Tensor* leaves, Tensor& out) const {
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  constexpr int NL = leaf_count > 0 ? leaf_count : 1;
  // Longer chunks than the slot path: only broadcast leaves are staged, in T.
  constexpr std::int64_t kRegisterChunk = 1024;
  alignas(64) T slots[NL][kRegisterChunk];
  evaluate_tree(
      out, leaves, leaf_count,
      [&](EvalContext& cx, std::int64_t n, void* dst) -> const void* {
        const T* lp[NL] = {};
        for (int l = 0; l < leaf_count; ++l) {
          const LeafView& v = cx.leaves[l];
          if (v.contiguous) {
            lp[l] = reinterpret_cast<const T*>(v.data) + cx.start;
          } else if (const std::byte* run = leaf_run(v, cx, n)) {
            lp[l] = reinterpret_cast<const T*>(run);
          } else {
            gather_leaf(v, cx, v.dtype, n, reinterpret_cast<std::byte*>(slots[l]));
            lp[l] = slots[l];
          }
        }
        T* o = static_cast<T*>(dst);
        std::int64_t i = 0;
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
      kRegisterChunk);
}

}  // namespace neuron::expr
