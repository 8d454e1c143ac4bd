// The evaluator of flattened elementwise expressions (evaluate.hpp): broadcast strides per leaf,
// dims coalesced where every operand is contiguous across them, then the output in chunks; each
// node computes its chunk into a slot (in the L1 cache), in its own dtype, so mixed-dtype trees
// follow PyTorch's promotion exactly.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "../core/parallel.hpp"
#include "evaluate.hpp"
#include "expr_op.hpp"

namespace neuron::expr {

// Copies the n values a broadcast leaf contributes to the chunk at cx.start, converted to `want`,
// into buf: runs along the innermost dim are copied, broadcast runs are splatted.
NEURON_INLINE void gather_leaf(const LeafView& v, const EvalContext& cx, DType want, std::int64_t n,
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
NEURON_INLINE const std::byte* leaf_run(const LeafView& v, const EvalContext& cx, std::int64_t n) {
  const std::size_t l = static_cast<std::size_t>(cx.rank - 1);
  if (v.splat || v.strides[l] != 1 || cx.idx[l] + n > cx.ext[l]) return nullptr;
  std::int64_t off = 0;
  for (int i = 0; i < cx.rank; ++i)
    off += cx.idx[static_cast<std::size_t>(i)] * v.strides[static_cast<std::size_t>(i)];
  return v.data + static_cast<std::size_t>(off) * dtype_size(v.dtype);
}

NEURON_INLINE const std::byte* leaf_chunk(const LeafView& v, const EvalContext& cx, std::int64_t n,
                                          std::byte* buf) {
  if (v.contiguous) return v.data + static_cast<std::size_t>(cx.start) * dtype_size(v.dtype);
  if (const std::byte* run = leaf_run(v, cx, n)) return run;
  gather_leaf(v, cx, v.dtype, n, buf);
  return buf;
}

namespace detail {
// Copies `bytes` to `dst` with non-temporal stores where the destination is aligned for them
// (the rest with memcpy). Call stream_fence() before other threads read what was written.
inline void stream_copy(std::byte* dst, const void* src, std::size_t bytes) {
  const std::byte* s = static_cast<const std::byte*>(src);
#if defined(__AVX512F__)
  using V = __m512i;
#define NEURON_STREAM_STORE(d, v) _mm512_stream_si512(reinterpret_cast<V*>(d), v)
#define NEURON_LOADU(p) _mm512_loadu_si512(p)
#elif defined(__AVX__)
  using V = __m256i;
#define NEURON_STREAM_STORE(d, v) _mm256_stream_si256(reinterpret_cast<V*>(d), v)
#define NEURON_LOADU(p) _mm256_loadu_si256(reinterpret_cast<const V*>(p))
#elif defined(__SSE2__)
  using V = __m128i;
#define NEURON_STREAM_STORE(d, v) _mm_stream_si128(reinterpret_cast<V*>(d), v)
#define NEURON_LOADU(p) _mm_loadu_si128(reinterpret_cast<const V*>(p))
#endif
#if defined(NEURON_STREAM_STORE)
  const std::size_t head =
      std::min(bytes, (sizeof(V) - reinterpret_cast<std::uintptr_t>(dst) % sizeof(V)) % sizeof(V));
  std::memcpy(dst, s, head);
  std::size_t i = head;
  for (; i + sizeof(V) <= bytes; i += sizeof(V)) NEURON_STREAM_STORE(dst + i, NEURON_LOADU(s + i));
  std::memcpy(dst + i, s + i, bytes - i);
#undef NEURON_STREAM_STORE
#undef NEURON_LOADU
#else
  std::memcpy(dst, s, bytes);
#endif
}

inline void stream_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}
}  // namespace detail

NEURON_INLINE void evaluate_tree(Tensor& out, const Tensor* leaves, int leaf_count,
                                 const ChunkFn& chunk, std::int64_t chunk_size, bool direct) {
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
  // Chunks are independent: large outputs are split between threads, kParallelElements or more
  // per thread, each piece with its own context.
  const std::int64_t chunks = (numel + chunk_size - 1) / chunk_size;
  const std::int64_t grain = std::max<std::int64_t>(1, kParallelElements / chunk_size);
  // Outputs too large for the caches are written with non-temporal stores: each chunk is
  // computed into a per-thread staging buffer (in L1), then streamed out, which spares the
  // read-for-ownership of every output line (a third of the traffic of a + b -> out).
  // In direct mode the chunk function streams its output itself, in one pass.
  const bool big = static_cast<std::size_t>(numel) * es >= kStreamBytes;
  const bool stream = !direct && big && chunk_size <= kChunk * 2;
  cx.stream = direct && big;
  neuron::detail::parallel_for(chunks, grain, [&](std::int64_t first, std::int64_t last) {
    EvalContext pc = cx;
    alignas(64) std::byte stage[kChunk * 2 * 8];
    for (std::int64_t c = first; c < last; ++c) {
      const std::int64_t start = c * chunk_size;
      const std::int64_t n = std::min(chunk_size, numel - start);
      pc.start = start;
      std::int64_t rem = start;
      for (int i = rank - 1; i >= 0; --i) {
        const std::size_t ui = static_cast<std::size_t>(i);
        pc.idx[ui] = rem % pc.ext[ui];
        rem /= pc.ext[ui];
      }
      std::byte* target = dst + static_cast<std::size_t>(start) * es;
      if (stream)  // the next chunk of the contiguous leaves, read while this one computes
        for (int k = 0; k < leaf_count; ++k)
          if (views[k].contiguous) {
            const std::size_t les = dtype_size(views[k].dtype);
            const std::byte* next = views[k].data + static_cast<std::size_t>(start + n) * les;
            const std::size_t bytes =
                static_cast<std::size_t>(std::min(chunk_size, numel - start - n)) * les;
            for (std::size_t b = 0; b < bytes; b += 64) __builtin_prefetch(next + b);
          }
      const void* got = chunk(pc, n, stream ? stage : target);
      if (stream)
        detail::stream_copy(target, got, static_cast<std::size_t>(n) * es);
      else if (got != target)
        std::memcpy(target, got, static_cast<std::size_t>(n) * es);
    }
    if (stream || pc.stream) detail::stream_fence();
  });
}

namespace detail {
struct alignas(64) Slot {
  std::byte bytes[kSlotBytes];
};

// One thread's working memory for run_fused (see there).
struct FusedThreadState {
  std::uint64_t call = 0;  // the run_fused call it is set up for
  std::vector<Slot> slots;
  std::vector<int> first;  // each node's first slot
  std::vector<const void*> value;
  std::byte* slot(int node, int k) {
    return slots[static_cast<std::size_t>(first[static_cast<std::size_t>(node)] + k)].bytes;
  }
};

NEURON_INLINE void fill_scalar(ScalarValue s, DType recorded, DType want, std::int64_t n,
                               std::byte* out) {
  visit_dtype(want, [&](auto tag) {
    using T = decltype(tag);
    std::fill(reinterpret_cast<T*>(out), reinterpret_cast<T*>(out) + n, scalar_as<T>(s, recorded));
  });
}
}  // namespace detail

NEURON_INLINE void run_fused(const FusedNode* nodes, int count, const Tensor* leaves,
                             int leaf_count, const ScalarValue* scalars, Tensor& out) {
  // Per thread: slots, one per node for its value and one per op operand for a conversion, set
  // up on the thread's first chunk of this call (chunks may run on several threads; kernels never
  // call back into the evaluator, so one state per thread suffices).
  static std::atomic<std::uint64_t> calls{0};
  const std::uint64_t call = ++calls;
  auto state = [&]() -> detail::FusedThreadState& {
    thread_local detail::FusedThreadState tls;
    detail::FusedThreadState& st = tls;  // every use of a thread_local name goes through TLS
    if (st.call == call) return st;
    st.call = call;
    st.first.resize(static_cast<std::size_t>(count));
    std::size_t total = 0;
    for (int i = 0; i < count; ++i) {
      st.first[static_cast<std::size_t>(i)] = static_cast<int>(total);
      const FusedNode& n = nodes[i];
      total += n.kind == FusedNode::Kind::op ? 1 + static_cast<std::size_t>(n.kernel->arity) : 1;
    }
    if (st.slots.size() < total) st.slots.resize(total);
    st.value.assign(static_cast<std::size_t>(count), nullptr);
    // C++ numbers are the same in every chunk: converted once, to every dtype an op wants them in.
    for (int i = 0; i < count; ++i) {
      const FusedNode& n = nodes[i];
      if (n.kind == FusedNode::Kind::scalar) {
        detail::fill_scalar(scalars[n.index], n.dtype, n.dtype, kChunk, st.slot(i, 0));
        st.value[static_cast<std::size_t>(i)] = st.slot(i, 0);
      } else if (n.kind == FusedNode::Kind::op) {
        for (int k = 0; k < n.kernel->arity; ++k) {
          const FusedNode& arg = nodes[n.args[static_cast<std::size_t>(k)]];
          if (arg.kind == FusedNode::Kind::scalar &&
              arg.dtype != n.types.in[static_cast<std::size_t>(k)])
            detail::fill_scalar(scalars[arg.index], arg.dtype,
                                n.types.in[static_cast<std::size_t>(k)], kChunk, st.slot(i, 1 + k));
        }
      }
    }
    return st;
  };

  evaluate_tree(out, leaves, leaf_count,
                [&](EvalContext& cx, std::int64_t len, void* dst) -> const void* {
                  detail::FusedThreadState& st = state();
                  std::vector<const void*>& value = st.value;
                  auto slot = [&st](int node, int k) { return st.slot(node, k); };
                  for (int i = 0; i < count; ++i) {
                    const FusedNode& n = nodes[i];
                    const std::size_t ui = static_cast<std::size_t>(i);
                    if (n.kind == FusedNode::Kind::scalar) continue;  // filled above
                    if (n.kind == FusedNode::Kind::leaf) {
                      value[ui] = leaf_chunk(cx.leaves[n.index], cx, len, slot(i, 0));
                      continue;
                    }
                    const void* in[3] = {};
                    for (int k = 0; k < n.kernel->arity; ++k) {
                      const int a = n.args[static_cast<std::size_t>(k)];
                      const FusedNode& arg = nodes[a];
                      const DType want = n.types.in[static_cast<std::size_t>(k)];
                      const void* v = value[static_cast<std::size_t>(a)];
                      if (arg.dtype != want) {
                        if (arg.kind != FusedNode::Kind::scalar)  // scalars: converted once, above
                          convert_buffer(v, arg.dtype, slot(i, 1 + k), want, len);
                        v = slot(i, 1 + k);
                      }
                      in[k] = v;
                    }
                    void* o = i + 1 == count ? dst : slot(i, 0);
                    n.kernel->run_chunk(n.op, n.types, in, o, len);
                    value[ui] = o;
                  }
                  return value[static_cast<std::size_t>(count - 1)];
                });
}

NEURON_INLINE Tensor evaluate_fused(const FusedNode* nodes, int count, const Tensor* leaves,
                                    int leaf_count, const ScalarValue* scalars, int scalar_count,
                                    const Shape& shape, DType dtype, const ChainBinding* chain) {
  Device d = common_device("elementwise expression", leaves, static_cast<std::size_t>(leaf_count));
  if (d.is_lazy())
    return record_fused(nodes, count, leaves, leaf_count, scalars, scalar_count, shape, dtype);
  Tensor out = Tensor::empty(shape, dtype);
  if (chain && chain->chain >= 0 && chain_dtypes_fit(nodes, count))
    run_chain(*chain, nodes, leaves, leaf_count, scalars, out);
  else
    run_fused(nodes, count, leaves, leaf_count, scalars, out);
  return out;
}

}  // namespace neuron::expr
