// f32 GEMMs of matmul and linear on oneDNN's matmul primitive (matmul-inl.hpp calls these), and
// the rule that picks, per GEMM shape, between oneDNN and Eigen. Private to the library: only -inl
// files include it.
//
// - A primitive is made for one concrete shape (oneDNN picks the packed weight layout,
//   format_tag::any, only for known dims) and one OpenMP thread count (oneDNN fixes its work split
//   at creation): plan nodes make theirs in prepare() and keep one more per other thread count
//   (`for_threads`); eager calls share a small process-wide cache keyed by the same things.
// - linear's weight [N, K] (torch layout) is reordered into the layout the primitive prefers: once
//   at prepare() when a plan holds it constant (traced plans: at load; files keep torch layout),
//   otherwise through PackedWeightCache (eager and lazy mode).
// - matmul's b is read in place (row-major), never packed: it is usually an activation.
// Eager, lazy and traced mode call the same rule and build the same primitive for the same
// shape and thread count, so their results are bit-identical.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gemm.hpp"
#include "onednn-inl.hpp"

namespace neuron::detail {

// Overrides the rule for the whole process, for measurements only: NEURON_GEMM_KERNEL=eigen or
// onednn (read once). Anything else, or unset: the rule.
NEURON_INLINE int gemm_kernel_override() {
  static const int v = [] {
    const char* e = std::getenv("NEURON_GEMM_KERNEL");
    if (!e) return 0;
    if (std::strcmp(e, "eigen") == 0) return 1;
    if (std::strcmp(e, "onednn") == 0) return 2;
    return 0;
  }();
  return v;
}

// The rule. Non-f32 dtypes stay on Eigen (oneDNN 2.6 has no f64 or integer matmul on CPU), and so
// do empty products (Eigen writes the zeros). An f32 GEMM goes to oneDNN when M >= 2 and
// M*K*N >= 2^16; the rest (batch-1 GEMVs, tiny products) stays on Eigen, which runs up to 8 rows
// as one GEMV per row (gemv_per_row).
// Measured with bench_models' gemm_rule sweep (one traced linear with bias, 1 thread, -O3
// -march=native, median of 3, us per call; 2-vCPU Sapphire Rapids guest, load ~1), once per
// kernel: NEURON_GEMM_KERNEL=eigen and =onednn bench_models --benchmark_filter=gemm_rule
//   M  K x N       Eigen  oneDNN  ratio      M  K x N       Eigen  oneDNN  ratio
//   1  128x128      1.03    1.96   1.90      4  128x128      3.17    2.32   0.73
//   1  784x120      3.33    5.85   1.76      4  784x120     19.5     6.71   0.34
//   1  120x10       0.49    1.34   2.73      4  120x10       0.79    1.38   1.75
//   1  512x128      3.01    3.47   1.15      4  512x128     14.1     4.36   0.31
//   2  128x128      1.77    2.12   1.20      8  128x128      4.74    2.94   0.62
//   2  784x120     21.8     6.01   0.28      8  120x10       1.26    1.58   1.25
//   2  120x10       0.64    1.44   2.25     16  120x10       1.57    1.64   1.04
//   2  512x128     16.0     3.79   0.24     16  128x128      6.43    4.73   0.74
// - M = 1: Eigen's GEMV reads the torch-layout weight in one pass; oneDNN's fixed cost per call
//   (about 1 us: primitive execute) loses at every shape.
// - M >= 2: Eigen's GEMM path is poor for few rows (2 x 784x120: 22 us, against 3.3 us for one
//   row), and oneDNN wins 3-4x, unless the product is so small that oneDNN's fixed cost dominates:
//   120x10 at any M up to 16, 128x128 at M = 2. M*K*N >= 2^16 separates them.
// Thread count is not an input (so that the rule stays the same when set_num_threads changes
// after a trace); the sweep ran at 1 thread only. Re-run it when either side's per-call cost
// changes (the last time: oneDNN's argument memories made once per thread, Eigen's rows as GEMVs).
NEURON_INLINE GemmKernel choose_gemm_kernel(DType dt, std::int64_t m, std::int64_t k,
                                            std::int64_t n) {
  if (dt != float32 || m == 0 || k == 0 || n == 0) return GemmKernel::eigen;
  const int o = gemm_kernel_override();
  if (o == 1) return GemmKernel::eigen;
  if (o == 2) return GemmKernel::onednn;
  const double work = static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  const bool big = m >= kOnednnMinRows && work >= static_cast<double>(kOnednnMinWork);
  return big ? GemmKernel::onednn : GemmKernel::eigen;
}

// Eigen's side of the rule: a few rows of a small product run as one GEMV per row, because
// Eigen's GEMM path packs and blocks even for them (the embedding model's Linear(128, 2) at M = 4:
// 0.85 us as a GEMM; see bench_models' gemm_rule sweep).
// One row is a GEMV whatever its size: it runs on the instruction set picked at start-up
// (isa_kernels.hpp) rather than through Eigen's product in the baseline code (the seed MLP's
// 784x120 at batch 1).
NEURON_INLINE bool gemv_per_row(std::int64_t m, std::int64_t k, std::int64_t n) {
  const double work = static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  return m == 1 || (m <= 8 && work < static_cast<double>(kOnednnMinWork));
}

NEURON_INLINE std::atomic<std::int64_t>& onednn_gemm_counter() {
  static std::atomic<std::int64_t> n{0};
  return n;
}

NEURON_INLINE std::int64_t onednn_gemm_count() { return onednn_gemm_counter().load(); }

// One oneDNN matmul: src [batch..., M, K] x weights [batch..., K, N] (+ bias [1.., N]) -> dst.
// Batch dims of src and weights are 1 where they broadcast. `packed_weights`: linear's weight,
// stored [N, K], laid out as oneDNN prefers (format_tag::any).
struct GemmGeometry {
  dnnl::memory::dims src, weights, dst;
  bool weights_transposed = false;  // linear: weights stored [N, K] (torch layout)
  bool packed_weights = false;
  bool has_bias = false;
  // Epilogue (fused_linear): a residual of dst's shape added, then an activation, as post-ops.
  bool has_residual = false;
  std::int64_t activation = 0;  // EpilogueActivation

  auto key() const {
    return std::make_tuple(src, weights, dst, weights_transposed, packed_weights, has_bias,
                           has_residual, activation);
  }
  bool operator==(const GemmGeometry& o) const { return key() == o.key(); }
};

// One oneDNN matmul over columns [n0, n0 + dst.back()) of the GEMM (all of them unless the GEMM
// is split into column blocks, gemm_column_block).
struct GemmBlock {
  dnnl::primitive primitive;
  dnnl::memory::desc src, weights_plain, weights_packed, bias, dst, scratchpad;
  dnnl::memory weights;  // when the GEMM's weights_fixed: this block's reordered plan constant
  std::int64_t n0 = 0;
  std::uint64_t id = next_dnnl_primitive_id();  // for dnnl_call_args
};

struct GemmPrimitive {
  std::vector<GemmBlock> blocks;
  bool has_bias = false, has_residual = false;
  bool weights_fixed = false;  // every block's `weights` holds the reordered plan constant
  int threads = 1;
  GemmGeometry geometry;
  // The same GEMM made for other thread counts, made on first use (guarded by `mutex`).
  mutable std::mutex mutex;
  mutable std::map<int, std::shared_ptr<const GemmPrimitive>> for_threads;
};

// Columns per oneDNN primitive: 0 for the whole GEMM in one. oneDNN 2.6's AVX2 f32 matmul loses
// a third to a half of its speed when N > 256; the same GEMM run as primitives of 256 columns,
// each writing its slice of the output, runs as fast as the 256-column ones. Measured with
// bench/gemm_column_blocks.cpp (oneDNN alone, median of 7, GFLOP/s; AMD EPYC Zen 3, AVX2, FMA
// peak ~100 per core):
//   M x K x N        1 thread: whole / blocks of 256     2 threads: whole / blocks of 256
//   128 x 256 x 1024        39.1 / 63.2                        75.6 / 116.2
//   256 x 256 x 1024        38.7 / 80.1                        72.2 / 114.1
//   128 x 256 x  768        63.1 / 82.1                       131.5 / 130.2
//   128 x 256 x 3072        38.6 / 81.3                        76.0 / 107.9
//    32 x 256 x 1024        38.9 / 72.9                        68.2 /  88.5
// (blocks of 512: 48-58 at 1 thread). On AVX-512 CPUs (Zen 5, Sapphire Rapids) the whole GEMM
// already ran at 0.92-0.96 of the FMA peak: not split. Rank-2 GEMMs (linear, matmul's
// single-GEMM case) of at least 16 rows only. NEURON_GEMM_COLUMN_BLOCK=<n> sets the width
// (0: never split), for measurements.
NEURON_INLINE std::int64_t gemm_column_block(const GemmGeometry& g) {
  static const std::int64_t width = [] {
    if (const char* e = std::getenv("NEURON_GEMM_COLUMN_BLOCK")) return std::atoll(e);
    const dnnl::cpu_isa isa = dnnl::get_effective_cpu_isa();
    const bool avx2_class = isa == dnnl::cpu_isa::avx2 || isa == dnnl::cpu_isa::avx2_vnni;
    return avx2_class ? 256LL : 0LL;
  }();
  if (width <= 0 || g.dst.size() != 2 || g.dst[0] < 16) return 0;
  return g.dst[1] > width ? width : 0;
}

// Row-major strides of `dims`; `transposed`: the last two dims are stored swapped ([.., N, K] for
// a [.., K, N] operand). `ld`: the row length in memory, when more than the last dim (a block of
// columns of a wider matrix; rank 2 only).
inline dnnl::memory::desc gemm_strided_desc(const dnnl::memory::dims& dims, bool transposed,
                                            dnnl::memory::dim ld = 0) {
  const std::size_t r = dims.size();
  dnnl::memory::dims strides(r);
  dnnl::memory::dim s = 1;
  if (transposed) {
    strides[r - 2] = 1;
    strides[r - 1] = std::max(ld, dims[r - 2]);
    s = dims[r - 2] * dims[r - 1];
  } else {
    strides[r - 1] = 1;
    strides[r - 2] = std::max(ld, dims[r - 1]);
    s = dims[r - 2] * dims[r - 1];
  }
  for (std::size_t i = r - 2; i-- > 0;) {
    strides[i] = s;
    s *= dims[i];
  }
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
}

// The primitive of columns [n0, n0 + nb) of GEMM `g`.
NEURON_INLINE GemmBlock make_gemm_block(const char* op, const GemmGeometry& g, std::int64_t n0,
                                        std::int64_t nb) {
  const std::int64_t n = g.dst.back();
  const bool split = nb != n;
  GemmBlock b;
  b.n0 = n0;
  dnnl::memory::dims wdims = g.weights, ddims = g.dst;
  wdims.back() = nb;
  ddims.back() = nb;
  b.src = gemm_strided_desc(g.src, false);
  b.dst = gemm_strided_desc(ddims, false, split ? n : 0);
  // linear's [N, K] rows n0.. are contiguous; matmul's [K, N] block has rows of N.
  b.weights_plain =
      gemm_strided_desc(wdims, g.weights_transposed, split && !g.weights_transposed ? n : 0);
  const dnnl::memory::desc weights =
      g.packed_weights
          ? dnnl::memory::desc(wdims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any)
          : b.weights_plain;
  if (g.has_bias) {
    dnnl::memory::dims bd(g.dst.size(), 1);
    bd.back() = nb;
    b.bias = gemm_strided_desc(bd, false);
  }
  dnnl::primitive_attr attr = dnnl_attr();
  float alpha = 0, beta = 0;
  const dnnl::algorithm act = epilogue_algorithm(g.activation, alpha, beta);
  if (g.has_residual || act != dnnl::algorithm::undef) {
    // Bias is added by the matmul itself, before the post-ops: act(x W + b + residual).
    dnnl::post_ops ops;
    if (g.has_residual) ops.append_binary(dnnl::algorithm::binary_add, b.dst);
    if (act != dnnl::algorithm::undef) ops.append_eltwise(1.f, act, alpha, beta);
    attr.set_post_ops(ops);
  }
  dnnl_call(op, [&] {
    dnnl::matmul::desc d(b.src, weights, g.has_bias ? b.bias : dnnl::memory::desc(), b.dst);
    dnnl::matmul::primitive_desc pd(d, attr, dnnl_engine());
    b.weights_packed = pd.weights_desc();
    b.scratchpad = pd.scratchpad_desc();
    b.primitive = dnnl::matmul(pd);
  });
  return b;
}

NEURON_INLINE std::shared_ptr<GemmPrimitive> make_gemm_primitive(const char* op,
                                                                 const GemmGeometry& g) {
  auto p = std::make_shared<GemmPrimitive>();
  p->threads = sync_thread_setting();
  p->geometry = g;
  p->has_bias = g.has_bias;
  p->has_residual = g.has_residual;
  const std::int64_t n = g.dst.back(), width = gemm_column_block(g);
  if (width == 0) {
    p->blocks.push_back(make_gemm_block(op, g, 0, n));
  } else {
    for (std::int64_t n0 = 0; n0 < n; n0 += width)
      p->blocks.push_back(make_gemm_block(op, g, n0, std::min(width, n - n0)));
  }
  return p;
}

// Bytes from the start of the weights to block `b`'s first column.
inline std::size_t gemm_weights_offset(const GemmGeometry& g, const GemmBlock& b) {
  const std::int64_t k = g.weights[g.weights.size() - 2];
  return static_cast<std::size_t>(g.weights_transposed ? b.n0 * k : b.n0) * sizeof(float);
}

// Eager and lazy-without-prepare GEMMs: primitives by (geometry, threads), at most kCapacity,
// least recently used dropped first. A hit costs a map lookup instead of a primitive_desc
// (tens of microseconds even when oneDNN's own primitive cache hits).
class GemmPrimitiveCache {
 public:
  static constexpr std::size_t kCapacity = 64;

  static GemmPrimitiveCache& instance() {
    static GemmPrimitiveCache cache;
    return cache;
  }

  std::shared_ptr<const GemmPrimitive> get(const char* op, const GemmGeometry& g, int threads) {
    const Key key{g.key(), threads};
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = map_.find(key);
      if (it != map_.end()) {
        order_.splice(order_.begin(), order_, it->second.second);
        return it->second.first;
      }
    }
    std::shared_ptr<const GemmPrimitive> p = make_gemm_primitive(op, g);
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = map_.find(key);
    if (it != map_.end()) return it->second.first;
    order_.push_front(key);
    map_.emplace(key, std::make_pair(p, order_.begin()));
    if (map_.size() > kCapacity) {
      map_.erase(order_.back());
      order_.pop_back();
    }
    return p;
  }

 private:
  using Key = std::pair<decltype(std::declval<GemmGeometry>().key()), int>;
  std::mutex mutex_;
  std::list<Key> order_;
  std::map<Key, std::pair<std::shared_ptr<const GemmPrimitive>, std::list<Key>::iterator>> map_;
};

// prepare(): the primitive for a plan node, with `weight` (linear's [N, K] when the plan holds it
// constant) reordered now, once.
NEURON_INLINE std::shared_ptr<const GemmPrimitive> prepare_gemm(const char* op,
                                                                const GemmGeometry& g,
                                                                const Tensor* weight) {
  std::shared_ptr<GemmPrimitive> p = make_gemm_primitive(op, g);
  if (weight && g.packed_weights) {
    for (GemmBlock& b : p->blocks)
      b.weights = dnnl_call(op, [&] {
        const std::byte* w = static_cast<const std::byte*>(weight->raw_data());
        return dnnl_reorder_weights(w + gemm_weights_offset(g, b), b.weights_plain,
                                    b.weights_packed);
      });
    p->weights_fixed = true;
  }
  return p;
}

// The primitive for this call: the prepared one, or one for another thread count or another
// shape (eager calls: from the cache).
NEURON_INLINE std::shared_ptr<const GemmPrimitive> gemm_for_call(const char* op,
                                                                 const GemmGeometry& g,
                                                                 const GemmPrimitive* prepared,
                                                                 int threads) {
  if (!prepared || !(prepared->geometry == g))  // eager, or a shape the node was not made for
    return GemmPrimitiveCache::instance().get(op, g, threads);
  if (prepared->threads == threads) return nullptr;  // the prepared one
  std::lock_guard<std::mutex> lock(prepared->mutex);
  auto& other = prepared->for_threads[threads];
  if (!other) other = make_gemm_primitive(op, g);
  return other;
}

// Runs the GEMM of `g` on a (src), b (weights), optional bias, into out.
NEURON_INLINE void run_gemm(const char* op, const GemmGeometry& g, const GemmPrimitive* prepared,
                            const Tensor& a, const Tensor& b, const Tensor* bias, Tensor& out,
                            const Tensor* residual = nullptr) {
  ThreadLease lease;  // threads.hpp's sharing rule; the primitive is made for lease.threads()
  const std::shared_ptr<const GemmPrimitive> held = gemm_for_call(op, g, prepared, lease.threads());
  const GemmPrimitive& p = held ? *held : *prepared;
  const GemmPrimitive* fixed =
      prepared && prepared->weights_fixed && prepared->geometry == g ? prepared : nullptr;
  auto at = [](const void* base, std::size_t bytes) {
    return const_cast<std::byte*>(static_cast<const std::byte*>(base)) + bytes;
  };
  for (std::size_t i = 0; i < p.blocks.size(); ++i) {
    const GemmBlock& blk = p.blocks[i];
    const std::size_t col = static_cast<std::size_t>(blk.n0) * sizeof(float);
    const std::size_t w_off = gemm_weights_offset(g, blk);
    const bool reuse = fixed && fixed->blocks.size() == p.blocks.size() &&
                       fixed->blocks[i].weights_packed == blk.weights_packed;
    dnnl_call(op, [&] {
      DnnlCallArgs& args = dnnl_call_args(blk.id);
      args.set(DNNL_ARG_SRC, blk.src, a.raw_data());
      if (reuse)
        args.set(DNNL_ARG_WEIGHTS, fixed->blocks[i].weights);
      else if (g.packed_weights)
        args.set(DNNL_ARG_WEIGHTS, PackedWeightCache::instance().get(b, w_off, blk.weights_plain,
                                                                     blk.weights_packed));
      else
        args.set(DNNL_ARG_WEIGHTS, blk.weights_plain, at(b.raw_data(), w_off));
      if (p.has_bias) args.set(DNNL_ARG_BIAS, blk.bias, at(bias->raw_data(), col));
      if (p.has_residual)
        args.set(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, blk.dst,
                 at(residual->raw_data(), col));
      args.set(DNNL_ARG_DST, blk.dst, at(out.raw_data(), col));
      args.execute(blk.primitive, blk.scratchpad);
    });
  }
  onednn_gemm_counter().fetch_add(1, std::memory_order_relaxed);
}

// linear as one GEMM: x [..., K] flattened to [M, K], weight [N, K], bias [N].
inline GemmGeometry linear_geometry(std::int64_t m, std::int64_t k, std::int64_t n, bool bias) {
  GemmGeometry g;
  g.src = {m, k};
  g.weights = {k, n};
  g.dst = {m, n};
  g.weights_transposed = true;
  g.packed_weights = true;
  g.has_bias = bias;
  return g;
}

}  // namespace neuron::detail
