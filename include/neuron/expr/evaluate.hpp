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

// Where one tensor leaf reads from, with strides broadcast to the output shape.
struct LeafView {
  const std::byte* data = nullptr;
  DType dtype = float32;
  std::array<std::int64_t, kMaxRank> strides{};  // elements; 0 where broadcast
  std::int64_t inner_stride = 0;                 // 0 or 1 after coalescing
  std::int64_t row_offset = 0;                   // elements, at the current outer index
};

struct EvalContext {
  LeafView* leaves = nullptr;
  std::byte (*slots)[kSlotBytes] = nullptr;
  std::int64_t inner = 0;  // offset along the innermost dim of the current chunk
};

using ChunkFn = std::function<const void*(EvalContext&, std::int64_t n, void* dst)>;

// Evaluates into a new tensor of `shape`/`dtype`. `chunk` computes n output values at the
// context's position, preferably into `dst`, and returns where they are.
inline Tensor evaluate_tree(const Shape& shape, DType dtype, const Tensor* leaves, int leaf_count,
                            const ChunkFn& chunk) {
  std::vector<Tensor> inputs(leaves, leaves + leaf_count);
  Device d = common_device("elementwise expression", inputs);
  if (!d.is_cpu())
    throw_error<DeviceError>("elementwise expression: no kernels for device ", d,
                             "; use .to(nr::cpu())");
  Tensor out = Tensor::empty(shape, dtype);
  if (out.numel() == 0) return out;

  std::array<LeafView, 16> small;
  std::vector<LeafView> large;
  LeafView* views = small.data();
  if (leaf_count > static_cast<int>(small.size())) {
    large.resize(static_cast<std::size_t>(leaf_count));
    views = large.data();
  }
  // Coalesced dims: extents and, per leaf, strides.
  int rank = 0;
  std::array<std::int64_t, kMaxRank> ext{};
  std::vector<std::array<std::int64_t, kMaxRank>> st(static_cast<std::size_t>(leaf_count));
  std::vector<std::array<std::int64_t, kMaxRank>> full(static_cast<std::size_t>(leaf_count));
  for (int k = 0; k < leaf_count; ++k) {
    views[k].data = static_cast<const std::byte*>(leaves[k].raw_data());
    views[k].dtype = leaves[k].dtype();
    full[static_cast<std::size_t>(k)] = broadcast_strides(leaves[k].shape(), shape);
  }
  for (int i = 0; i < shape.rank(); ++i) {
    if (shape[i] == 1) continue;
    bool merge = rank > 0;
    for (int k = 0; k < leaf_count && merge; ++k) {
      auto& s = st[static_cast<std::size_t>(k)];
      merge = s[static_cast<std::size_t>(rank - 1)] ==
              full[static_cast<std::size_t>(k)][static_cast<std::size_t>(i)] * shape[i];
    }
    if (merge) {
      ext[static_cast<std::size_t>(rank - 1)] *= shape[i];
      for (int k = 0; k < leaf_count; ++k)
        st[static_cast<std::size_t>(k)][static_cast<std::size_t>(rank - 1)] =
            full[static_cast<std::size_t>(k)][static_cast<std::size_t>(i)];
    } else {
      ext[static_cast<std::size_t>(rank)] = shape[i];
      for (int k = 0; k < leaf_count; ++k)
        st[static_cast<std::size_t>(k)][static_cast<std::size_t>(rank)] =
            full[static_cast<std::size_t>(k)][static_cast<std::size_t>(i)];
      ++rank;
    }
  }
  if (rank == 0) {  // a single element
    ext[0] = 1;
    for (auto& s : st) s[0] = 0;
    rank = 1;
  }
  const std::size_t inner_dim = static_cast<std::size_t>(rank - 1);
  const std::int64_t inner = ext[inner_dim];
  for (int k = 0; k < leaf_count; ++k) {
    views[k].inner_stride = st[static_cast<std::size_t>(k)][inner_dim];
    views[k].strides = st[static_cast<std::size_t>(k)];
  }

  EvalContext cx;
  cx.leaves = views;
  std::byte* dst = static_cast<std::byte*>(out.raw_data());
  const std::size_t es = dtype_size(dtype);
  std::array<std::int64_t, kMaxRank> idx{};
  const std::int64_t rows = out.numel() / inner;
  for (std::int64_t row = 0; row < rows; ++row) {
    for (int k = 0; k < leaf_count; ++k) {
      std::int64_t off = 0;
      for (std::size_t i = 0; i < inner_dim; ++i) off += idx[i] * views[k].strides[i];
      views[k].row_offset = off;
    }
    for (std::int64_t j = 0; j < inner; j += kChunk) {
      std::int64_t n = std::min(kChunk, inner - j);
      cx.inner = j;
      std::byte* target = dst + static_cast<std::size_t>(row * inner + j) * es;
      const void* got = chunk(cx, n, target);
      if (got != target) std::memcpy(target, got, static_cast<std::size_t>(n) * es);
    }
    for (std::size_t i = inner_dim; i-- > 0;) {  // advance the outer multi-index
      if (++idx[i] < ext[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

}  // namespace neuron::expr
