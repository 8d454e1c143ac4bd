// A flattened elementwise expression, and the library's one evaluator for it. Typed expressions
// (expr.hpp) flatten into FusedNodes; fused graph nodes read from files (interpreted_expr.hpp)
// hold FusedNodes too, so every mode runs the same code.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "../core/tensor.hpp"
#include "../ops/any_op.hpp"
#include "../ops/elementwise_kernel.hpp"

namespace neuron::expr {

// Elements per chunk: slots of one chunk stay in the L1 cache.
inline constexpr std::int64_t kChunk = 512;
inline constexpr std::size_t kSlotBytes = kChunk * 8;  // one chunk of the widest dtype
// Outputs of at least this many bytes are written with non-temporal stores (evaluate_tree).
inline constexpr std::size_t kStreamBytes = std::size_t{16} << 20;
// Outputs of at least twice this many elements are split between threads (parallel.hpp).
inline constexpr std::int64_t kParallelElements = std::int64_t{1} << 16;

// Where one tensor leaf reads from, with strides broadcast to the (coalesced) output dims.
struct LeafView {
  const std::byte* data = nullptr;
  DType dtype = float32;
  bool contiguous = false;  // same shape as the output: element i of the output is element i here
  bool splat = false;       // a single element broadcast everywhere
  std::array<std::int64_t, kMaxRank> strides{};  // elements; 0 where broadcast
};

struct EvalContext {
  LeafView* leaves = nullptr;
  int rank = 0;                              // coalesced output dims
  std::array<std::int64_t, kMaxRank> ext{};  // their extents
  std::int64_t start = 0;                    // linear output index of the current chunk
  std::array<std::int64_t, kMaxRank> idx{};  // multi-index of `start`
  // Direct mode (evaluate_tree): the output is large, write it with non-temporal stores.
  bool stream = false;
};

// Copies the n values a broadcast leaf contributes to the chunk at cx.start, converted to `want`,
// into buf: runs along the innermost dim are copied, broadcast runs are splatted.
void gather_leaf(const LeafView& v, const EvalContext& cx, DType want, std::int64_t n,
                 std::byte* buf);
// When the chunk lies within one run of a leaf's innermost dim, the leaf's data can be read in
// place; returns that address, or nullptr.
const std::byte* leaf_run(const LeafView& v, const EvalContext& cx, std::int64_t n);
// The n values of leaf `v` at the chunk of cx, in its own dtype: in place when they lie there
// contiguously (a leaf of the output's shape, or one run of a broadcast leaf), else gathered into
// `buf` (n values of v.dtype).
const std::byte* leaf_chunk(const LeafView& v, const EvalContext& cx, std::int64_t n,
                            std::byte* buf);

using ChunkFn = std::function<const void*(EvalContext&, std::int64_t n, void* dst)>;

// Evaluates into `out` (CPU, contiguous, of the expression's shape and dtype) from CPU leaves:
// broadcast strides per leaf, dims coalesced where every operand is contiguous across them, then
// the output walked linearly in chunks of `chunk_size` elements, whatever the row length, so
// short rows cost no extra per-chunk overhead. `chunk` computes n output values at the context's
// position, preferably into `dst`, and returns where they are.
// Large outputs are split between threads: `chunk` is then called from several threads at once
// (each with its own context), so it must keep its working memory per thread.
// `direct`: `dst` is always the output itself and `chunk` must write its n values there (with
// non-temporal stores when cx.stream says the output is larger than the caches) and return it.
void evaluate_tree(Tensor& out, const Tensor* leaves, int leaf_count, const ChunkFn& chunk,
                   std::int64_t chunk_size = kChunk, bool direct = false);

struct FusedNode {
  enum class Kind : std::uint8_t { leaf, scalar, op };
  Kind kind = Kind::leaf;
  DType dtype = float32;  // a leaf's tensor dtype, a C++ number's wrapped dtype, an op's output
  int index = 0;          // leaf or scalar number
  const ElementwiseKernel* kernel = nullptr;  // op: its kernels
  const void* op = nullptr;                   // op: the op struct (its attributes)
  ElementwiseTypes types;                     // op: operand and output dtypes
  std::array<int, 3> args{};                  // op: node indices of its operands
};

namespace detail {
// A C++ number converted to `want`, by the rules of the dtype it was recorded with: values from a
// file may be anything, so NaN or out-of-range values for an integer become its minimum.
template <class T>
T scalar_as(ScalarValue s, DType recorded) {
  return recorded == bool_   ? convert_value<T>(s != 0)
         : recorded == int64 ? convert_value<T>(convert_value<std::int64_t>(s))
                             : convert_value<T>(static_cast<double>(s));
}
}  // namespace detail

// Compiled chains (ops/chains.hpp; definitions in compiled_chain-inl.hpp): a tree runs as one
// compiled kernel instead of on the interpreter when the catalog has its structure, every op
// computes in float32 and every leaf is float32 (C++ numbers may be of any dtype: they are
// converted once, as the interpreter does). The chain reads each operand and writes the output in
// one pass; broadcast leaves are staged per chunk.

// A tree's compiled chain, and which nodes its ops and operands are.
struct ChainBinding {
  int chain = -1;                  // catalog index; -1: none
  std::vector<int> op_nodes;       // the ops, in the order the chain takes them (post-order)
  std::vector<int> operand_nodes;  // the leaves and C++ numbers, in order
};

// The chain of the tree nodes[0..count) (root last) by structure alone (op names), or chain -1.
ChainBinding bind_chain(const FusedNode* nodes, int count);

// Every op of the tree computes in float32 from float32 operands, and every leaf is float32.
bool chain_dtypes_fit(const FusedNode* nodes, int count);

// Evaluates the tree with its bound chain (b.chain >= 0, dtypes fitting) into `out` (CPU,
// contiguous, of the tree's shape, float32).
void run_chain(const ChainBinding& b, const FusedNode* nodes, const Tensor* leaves, int leaf_count,
               const ScalarValue* scalars, Tensor& out);

// Evaluates nodes[0..count) (post-order, the root last, an op) over `leaves` into a new tensor of
// `shape` and `dtype`, with `chain` (bind_chain() of these nodes) when it has one and the dtypes
// fit; when the leaves are on the lazy device, records one fused node instead.
Tensor evaluate_fused(const FusedNode* nodes, int count, const Tensor* leaves, int leaf_count,
                      const ScalarValue* scalars, int scalar_count, const Shape& shape, DType dtype,
                      const ChainBinding* chain = nullptr);

// Evaluates over CPU leaves into `out` (contiguous, of the expression's shape and dtype).
void run_fused(const FusedNode* nodes, int count, const Tensor* leaves, int leaf_count,
               const ScalarValue* scalars, Tensor& out);

}  // namespace neuron::expr

#ifdef NEURON_HEADER_ONLY
#include "compiled_chain-inl.hpp"
#include "evaluate-inl.hpp"
#endif
