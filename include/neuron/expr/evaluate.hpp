// The loop that evaluates an expression tree over its output: broadcast strides per leaf, dims
// coalesced where every operand is contiguous across them, then the innermost dim in chunks.
// Not a template on the expression, so each expression type only instantiates its per-chunk body.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>

#include "../core/tensor.hpp"
#include "../ops/op_base.hpp"

namespace neuron::expr {

inline constexpr std::int64_t kChunk = 256;
inline constexpr std::size_t kSlotBytes = kChunk * 8;  // one chunk of the widest dtype

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
  std::byte (*slots)[kSlotBytes] = nullptr;
  int rank = 0;                              // coalesced output dims
  std::array<std::int64_t, kMaxRank> ext{};  // their extents
  std::int64_t start = 0;                    // linear output index of the current chunk
  std::array<std::int64_t, kMaxRank> idx{};  // multi-index of `start`
};

// Copies the n values a broadcast leaf contributes to the chunk at cx.start, converted to `want`,
// into buf: runs along the innermost dim are copied, broadcast runs are splatted.
inline void gather_leaf(const LeafView& v, const EvalContext& cx, DType want, std::int64_t n,
                        std::byte* buf) {
  const std::size_t es = dtype_size(v.dtype), ws = dtype_size(want);
  if (v.splat) {
    visit_dtype(want, [&](auto tag) {
      using T = decltype(tag);
      T value;
      convert_buffer(v.data, v.dtype, &value, want, 1);
      std::fill(reinterpret_cast<T*>(buf), reinterpret_cast<T*>(buf) + n, value);
    });
    return;
  }
  const int last = cx.rank - 1;
  std::array<std::int64_t, kMaxRank> idx = cx.idx;
  std::int64_t done = 0;
  while (done < n) {
    std::int64_t off = 0;
    for (int i = 0; i < cx.rank; ++i)
      off += idx[static_cast<std::size_t>(i)] * v.strides[static_cast<std::size_t>(i)];
    const std::size_t l = static_cast<std::size_t>(last);
    std::int64_t piece = std::min(n - done, cx.ext[l] - idx[l]);
    const std::byte* src = v.data + static_cast<std::size_t>(off) * es;
    std::byte* out = buf + static_cast<std::size_t>(done) * ws;
    if (v.strides[l] == 1) {
      convert_buffer(src, v.dtype, out, want, piece);
    } else {
      visit_dtype(want, [&](auto tag) {
        using T = decltype(tag);
        T value;
        convert_buffer(src, v.dtype, &value, want, 1);
        std::fill(reinterpret_cast<T*>(out), reinterpret_cast<T*>(out) + piece, value);
      });
    }
    done += piece;
    idx[l] += piece;
    for (int i = last;
         i > 0 && idx[static_cast<std::size_t>(i)] == cx.ext[static_cast<std::size_t>(i)]; --i) {
      idx[static_cast<std::size_t>(i)] = 0;
      ++idx[static_cast<std::size_t>(i - 1)];
    }
  }
}

// When the chunk lies within one run of a leaf's innermost dim, the leaf's data can be read in
// place; returns that address, or nullptr.
inline const std::byte* leaf_run(const LeafView& v, const EvalContext& cx, std::int64_t n) {
  const std::size_t l = static_cast<std::size_t>(cx.rank - 1);
  if (v.splat || v.strides[l] != 1 || cx.idx[l] + n > cx.ext[l]) return nullptr;
  std::int64_t off = 0;
  for (int i = 0; i < cx.rank; ++i)
    off += cx.idx[static_cast<std::size_t>(i)] * v.strides[static_cast<std::size_t>(i)];
  return v.data + static_cast<std::size_t>(off) * dtype_size(v.dtype);
}

using ChunkFn = std::function<const void*(EvalContext&, std::int64_t n, void* dst)>;

// Evaluates into a new tensor of `shape`/`dtype`. The output is walked linearly in chunks of
// kChunk elements, whatever the row length, so short rows cost no extra per-chunk overhead.
// `chunk` computes n output values at the context's position, preferably into `dst`, and returns
// where they are.
// Evaluates into `out` (CPU, contiguous, of the expression's shape and dtype) from CPU leaves.
inline void evaluate_tree(Tensor& out, const Tensor* leaves, int leaf_count, const ChunkFn& chunk,
                          std::int64_t chunk_size = kChunk) {
  const Shape& shape = out.shape();
  const DType dtype = out.dtype();
  const std::int64_t numel = out.numel();
  if (numel == 0) return;

  constexpr int kSmall = 16;
  std::array<LeafView, kSmall> small;
  std::vector<LeafView> large;
  LeafView* views = small.data();
  if (leaf_count > kSmall) {
    large.resize(static_cast<std::size_t>(leaf_count));
    views = large.data();
  }
  EvalContext cx;
  cx.leaves = views;
  // Coalesce: drop size-1 dims, merge a dim into the previous one when every leaf is contiguous
  // across the pair.
  std::array<std::array<std::int64_t, kMaxRank>, kSmall> full_small;
  std::vector<std::array<std::int64_t, kMaxRank>> full_large;
  std::array<std::int64_t, kMaxRank>* full = full_small.data();
  if (leaf_count > kSmall) {
    full_large.resize(static_cast<std::size_t>(leaf_count));
    full = full_large.data();
  }
  for (int k = 0; k < leaf_count; ++k) {
    views[k].data = static_cast<const std::byte*>(leaves[k].raw_data());
    views[k].dtype = leaves[k].dtype();
    views[k].contiguous = leaves[k].numel() == numel;  // broadcasting never shrinks the output
    views[k].splat = leaves[k].numel() == 1;
    full[k] = broadcast_strides(leaves[k].shape(), shape);
  }
  int rank = 0;
  for (int i = 0; i < shape.rank(); ++i) {
    if (shape[i] == 1) continue;
    const std::size_t ui = static_cast<std::size_t>(i);
    bool merge = rank > 0;
    for (int k = 0; k < leaf_count && merge; ++k)
      merge = views[k].strides[static_cast<std::size_t>(rank - 1)] == full[k][ui] * shape[i];
    const std::size_t at = static_cast<std::size_t>(merge ? rank - 1 : rank);
    cx.ext[at] = merge ? cx.ext[at] * shape[i] : shape[i];
    for (int k = 0; k < leaf_count; ++k) views[k].strides[at] = full[k][ui];
    if (!merge) ++rank;
  }
  if (rank == 0) {  // a single element
    cx.ext[0] = 1;
    rank = 1;
  }
  cx.rank = rank;

  std::byte* dst = static_cast<std::byte*>(out.raw_data());
  const std::size_t es = dtype_size(dtype);
  for (std::int64_t start = 0; start < numel; start += chunk_size) {
    const std::int64_t n = std::min(chunk_size, numel - start);
    cx.start = start;
    std::int64_t rem = start;
    for (int i = rank - 1; i >= 0; --i) {
      const std::size_t ui = static_cast<std::size_t>(i);
      cx.idx[ui] = rem % cx.ext[ui];
      rem /= cx.ext[ui];
    }
    std::byte* target = dst + static_cast<std::size_t>(start) * es;
    const void* got = chunk(cx, n, target);
    if (got != target) std::memcpy(target, got, static_cast<std::size_t>(n) * es);
  }
}

}  // namespace neuron::expr
