// Definitions of attention.hpp: two GEMMs per head (oneDNN's sgemm for float32, Eigen otherwise)
// around one fused scale + mask + softmax pass.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>
#include <vector>

#include <oneapi/dnnl/dnnl.h>
#include <Eigen/Core>
#if defined(_OPENMP)
#include <omp.h>
#endif

#include "../core/parallel.hpp"
#include "any_op-inl.hpp"
#include "attention.hpp"
#include "gemm-inl.hpp"
#include "softmax-inl.hpp"

namespace neuron {

namespace detail {

// Shapes of one attention call: the broadcast batch and the per-head extents.
struct AttentionPlan {
  Shape batch;
  std::int64_t L = 0, S = 0, E = 0, Ev = 0;
};

NEURON_INLINE AttentionPlan plan_attention(const std::vector<TensorSpec>& in, bool is_causal) {
  static constexpr const char* op = ScaledDotProductAttention::name;
  if (in.size() != 3 && in.size() != 4)
    throw_error<ValueError>(op, ": expected q, k, v and an optional mask, got ", in.size(),
                            " inputs");
  const char* names[] = {"query", "key", "value"};
  for (int i = 0; i < 3; ++i) {
    if (in[static_cast<std::size_t>(i)].shape.rank() < 2)
      throw_error<ShapeError>(op, ": ", names[i],
                              " needs at least 2 dims [..., len, features], got ",
                              in[static_cast<std::size_t>(i)].shape);
    if (!is_floating(in[static_cast<std::size_t>(i)].dtype) ||
        in[static_cast<std::size_t>(i)].dtype != in[0].dtype)
      throw_error<DTypeError>(op, ": query, key and value must share a float dtype, got ",
                              in[0].dtype, ", ", in[1].dtype, ", ", in[2].dtype);
  }
  const Shape &q = in[0].shape, &k = in[1].shape, &v = in[2].shape;
  AttentionPlan p;
  p.L = q[q.rank() - 2];
  p.E = q[q.rank() - 1];
  p.S = k[k.rank() - 2];
  p.Ev = v[v.rank() - 1];
  if (k[k.rank() - 1] != p.E)
    throw_error<ShapeError>(op, ": key ", k, " and query ", q, " differ in the feature dim (",
                            k[k.rank() - 1], " vs ", p.E, ")");
  if (v[v.rank() - 2] != p.S)
    throw_error<ShapeError>(op, ": value ", v, " and key ", k, " differ in the source length (",
                            v[v.rank() - 2], " vs ", p.S, ")");
  Shape qb(q.begin(), q.end() - 2), kb(k.begin(), k.end() - 2), vb(v.begin(), v.end() - 2);
  p.batch = broadcast_shapes(broadcast_shapes(qb, kb, op, "query batch dims", "key batch dims"), vb,
                             op, "query and key batch dims", "value batch dims");
  if (in.size() == 4) {
    const TensorSpec& m = in[3];
    if (is_causal)
      throw_error<ValueError>(op, ": give either attn_mask or is_causal, not both (as torch)");
    if (m.dtype != bool_ && m.dtype != in[0].dtype)
      throw_error<DTypeError>(op, ": attn_mask must be bool or ", in[0].dtype,
                              " like the query, got ", m.dtype);
    Shape scores = p.batch;
    scores.push_back(p.L);
    scores.push_back(p.S);
    Shape b;
    if (!try_broadcast(m.shape, scores, b) || b != scores)
      throw_error<ShapeError>(op, ": attn_mask of shape ", m.shape,
                              " does not broadcast to the scores' shape ", scores);
  }
  return p;
}

template <class T>
using AttnRowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Row strides (elements) of one head's q, k, v and out: their feature dims when each head is its
// own tensor (scaled_dot_product_attention), the whole model dim when the heads sit side by side
// in the feature dim (multihead_attention).
struct HeadStrides {
  std::int64_t q = 0, k = 0, v = 0, out = 0;
};

// c [m, n] (row stride ldc) = a [m, k] (row stride lda) @ b, where b is [k, n] (row stride ldb) or,
// when `b_transposed`, stored [n, k]. float32 runs oneDNN's sgemm (20-35% faster than Eigen at
// the encoder's 128 x 128 x 64 heads: 13-14 against 17 us) on this thread alone: heads are the
// parallel loop. Other types run Eigen.
template <class T>
void head_gemm(bool b_transposed, std::int64_t m, std::int64_t n, std::int64_t k, const T* a,
               std::int64_t lda, const T* b, std::int64_t ldb, T* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (std::int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, T(0));
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    if (gemm_kernel_override() != 1) {  // NEURON_GEMM_KERNEL=eigen: Eigen, for measurements
#if defined(_OPENMP)
      const int before = omp_get_max_threads();  // outside a parallel region sgemm would use these
      if (before != 1) omp_set_num_threads(1);
#endif
      const dnnl_status_t st =
          dnnl_sgemm('N', b_transposed ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
#if defined(_OPENMP)
      if (before != 1) omp_set_num_threads(before);
#endif
      if (st != dnnl_success)
        throw_error<ValueError>("attention: oneDNN's sgemm refused a ", m, "x", k, " @ ", k, "x", n,
                                " head product (status ", static_cast<int>(st), ")");
      return;
    }
  }
  using Map = Eigen::Map<const AttnRowMatrix<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
  Eigen::Map<AttnRowMatrix<T>, Eigen::Unaligned, Eigen::OuterStride<>> out(
      c, m, n, Eigen::OuterStride<>(ldc));
  if (b_transposed)
    out.noalias() = Map(a, m, k, Eigen::OuterStride<>(lda)) *
                    Map(b, n, k, Eigen::OuterStride<>(ldb)).transpose();
  else
    out.noalias() =
        Map(a, m, k, Eigen::OuterStride<>(lda)) * Map(b, k, n, Eigen::OuterStride<>(ldb));
}

// One head: out [L, Ev] = softmax(q [L, E] @ k [S, E]^T * scale + mask) @ v [S, Ev].
// `mask` points at this head's [L, S] mask with strides (row, col) that may be 0 (broadcast).
template <class T>
void attention_head(const T* q, const T* k, const T* v, T* out, const AttentionPlan& p,
                    const HeadStrides& rs, double scale, bool is_causal, const void* mask,
                    bool mask_is_bool, std::int64_t mask_row_stride, std::int64_t mask_col_stride,
                    AttnRowMatrix<T>& scores) {
  const std::int64_t L = p.L, S = p.S;
  scores.resize(L, S);
  head_gemm(true, L, S, p.E, q, rs.q, k, rs.k, scores.data(), S);
  const T neg_inf = -std::numeric_limits<T>::infinity();
  const T s = static_cast<T>(scale);
  for (std::int64_t i = 0; i < L; ++i) {
    T* row = scores.data() + i * S;
    T m = neg_inf;
    if (mask == nullptr && !is_causal) {  // scale only: one vectorized pass, then the max
      for (std::int64_t j = 0; j < S; ++j) row[j] *= s;
      if (S > 0) m = row_max(row, S);
    } else {
      for (std::int64_t j = 0; j < S; ++j) {
        T x = row[j] * s;
        if (is_causal && j > i) x = neg_inf;
        if (mask != nullptr) {
          const std::int64_t at = i * mask_row_stride + j * mask_col_stride;
          if (mask_is_bool) {
            if (!static_cast<const bool*>(mask)[at]) x = neg_inf;
          } else {
            x += static_cast<const T*>(mask)[at];
          }
        }
        row[j] = x;
        if (x > m || std::isnan(x)) m = x;
      }
    }
    if (S == 0) continue;
    if (std::isinf(m) && m < 0) {  // every key masked: torch's softmax gives NaN
      std::fill(row, row + S, std::numeric_limits<T>::quiet_NaN());
      continue;
    }
    const T inv = static_cast<T>(1.0 / sub_exp(row, &m, 0, row, S));
    for (std::int64_t j = 0; j < S; ++j) row[j] *= inv;
  }
  head_gemm(false, L, p.Ev, S, scores.data(), S, v, rs.v, out, rs.out);
}

}  // namespace detail

NEURON_INLINE TensorSpec ScaledDotProductAttention::infer(const std::vector<TensorSpec>& in) const {
  detail::AttentionPlan p = detail::plan_attention(in, is_causal);
  Shape out = p.batch;
  out.push_back(p.L);
  out.push_back(p.Ev);
  return {out, in[0].dtype};
}

NEURON_INLINE DimFlow ScaledDotProductAttention::dim_flow(const std::vector<TensorSpec>& in,
                                                          const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast(in, out);
  const int r = out.shape.rank();
  auto last = [&](std::size_t i, int from_end) { return in[i].shape.rank() - from_end; };
  f.set(0, last(0, 1), DimFlow::kMixed);  // E
  f.set(1, last(1, 2), DimFlow::kMixed);  // S
  f.set(1, last(1, 1), DimFlow::kMixed);  // E
  f.set(2, last(2, 2), DimFlow::kMixed);  // S
  f.set(2, last(2, 1), r - 1);            // Ev
  if (in.size() == 4) {
    f.set(3, last(3, 2), r - 2);  // L (unless broadcast: then it is 1 and carries nothing)
    f.set(3, last(3, 1), DimFlow::kMixed);
  }
  return f;
}

NEURON_INLINE void ScaledDotProductAttention::pad_rule(PadCheck& c) const {
  const int ql = c.in[0].shape.rank() - 2, ks = c.in[1].shape.rank() - 2,
            vs = c.in[2].shape.rank() - 2;
  if (is_causal && c.alike(0, ql, 1, ks) && c.alike(1, ks, 2, vs) && c.fill(2, vs).finite()) {
    // A real query i < the real length sees keys j <= i only: never a padded key.
    c.identity(1, ks);
    c.identity(2, vs);
    return;
  }
  AttentionPadArgs a;
  a.key_dim_k = ks;
  a.key_dim_v = vs;
  if (c.in.size() == 4) {
    a.mask = 3;
    a.mask_key_dim = c.in[3].shape.rank() - 1;
    // torch's bool attention masks say which keys take part: false excludes a key.
    if (c.in[3].dtype == bool_) a.masked = 0;
  }
  pad_rule_attention(c, a);
}

NEURON_INLINE void ScaledDotProductAttention::run(const std::vector<Tensor>& in,
                                                  Tensor& out) const {
  std::vector<TensorSpec> specs;
  for (const Tensor& t : in) specs.push_back({t.shape(), t.dtype()});
  const detail::AttentionPlan p = detail::plan_attention(specs, is_causal);
  auto batch_strides = [&](const Shape& s) {
    return broadcast_strides(Shape(s.begin(), s.end() - 2), p.batch);
  };
  const auto sq = batch_strides(in[0].shape()), sk = batch_strides(in[1].shape()),
             sv = batch_strides(in[2].shape());
  const auto so = contiguous_strides(p.batch);
  const bool has_mask = in.size() == 4;
  Shape scores_shape = p.batch;
  scores_shape.push_back(p.L);
  scores_shape.push_back(p.S);
  const auto sm = has_mask ? broadcast_strides(in[3].shape(), scores_shape)
                           : std::array<std::int64_t, kMaxRank>{};
  const int br = p.batch.rank();
  const std::int64_t batches = p.batch.numel();
  visit_dtype(in[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const std::size_t mask_es = has_mask ? dtype_size(in[3].dtype()) : 0;
      // Heads are independent: split between threads, at least ~2^18 multiply-adds each.
      const double per_head =
          static_cast<double>(p.L) * static_cast<double>(p.S) * static_cast<double>(p.E + p.Ev);
      const std::int64_t grain =
          std::max<std::int64_t>(1, static_cast<std::int64_t>(262144.0 / std::max(per_head, 1.0)));
      detail::parallel_for(batches, grain, [&](std::int64_t first, std::int64_t last) {
        thread_local detail::AttnRowMatrix<T> scores_tls;  // per thread
        detail::AttnRowMatrix<T>& scores = scores_tls;
        for (std::int64_t b = first; b < last; ++b) {
          std::int64_t oq = 0, ok = 0, ov = 0, om = 0, rem = b;
          for (int d = 0; d < br; ++d) {
            const std::size_t du = static_cast<std::size_t>(d);
            const std::int64_t i = rem / so[du];
            rem %= so[du];
            oq += i * sq[du];
            ok += i * sk[du];
            ov += i * sv[du];
            om += i * sm[du];
          }
          const void* mask = has_mask ? static_cast<const char*>(in[3].raw_data()) +
                                            static_cast<std::size_t>(om) * mask_es
                                      : nullptr;
          detail::attention_head<T>(
              in[0].data<T>() + oq * p.L * p.E, in[1].data<T>() + ok * p.S * p.E,
              in[2].data<T>() + ov * p.S * p.Ev, out.data<T>() + b * p.L * p.Ev, p,
              detail::HeadStrides{p.E, p.E, p.Ev, p.Ev}, scale, is_causal, mask,
              has_mask && in[3].dtype() == bool_, has_mask ? sm[static_cast<std::size_t>(br)] : 0,
              has_mask ? sm[static_cast<std::size_t>(br + 1)] : 0, scores);
        }
      });
    }
  });
}

namespace detail {
// The per-head plan of multihead_attention (batch [B, H], per-head extents), after its checks.
NEURON_INLINE AttentionPlan plan_multihead(const std::vector<TensorSpec>& in,
                                           std::int64_t num_heads) {
  static constexpr const char* op = MultiheadAttentionOp::name;
  if (in.size() != 3 && in.size() != 4)
    throw_error<ValueError>(op, ": expected q, k, v and an optional mask, got ", in.size(),
                            " inputs");
  const char* names[] = {"query", "key", "value"};
  for (std::size_t i = 0; i < 3; ++i) {
    if (in[i].shape.rank() != 3)
      throw_error<ShapeError>(op, ": ", names[i], " must be [batch, len, embed_dim], got ",
                              in[i].shape);
    if (!is_floating(in[i].dtype) || in[i].dtype != in[0].dtype)
      throw_error<DTypeError>(op, ": query, key and value must share a float dtype, got ",
                              in[0].dtype, ", ", in[1].dtype, ", ", in[2].dtype);
  }
  const Shape &q = in[0].shape, &k = in[1].shape, &v = in[2].shape;
  const std::int64_t B = q[0], L = q[1], E = q[2], S = k[1];
  if (num_heads < 1 || E % num_heads != 0)
    throw_error<ValueError>(op, ": embed_dim ", E, " must be a positive multiple of num_heads (",
                            num_heads, ")");
  if (k[0] != B || v[0] != B || k[2] != E || v[2] != E || v[1] != S)
    throw_error<ShapeError>(op, ": query ", q, ", key ", k, " and value ", v,
                            " must be [B, L, E], [B, S, E] and [B, S, E]");
  AttentionPlan p;
  p.batch = Shape{B, num_heads};
  p.L = L;
  p.S = S;
  p.E = E / num_heads;
  p.Ev = p.E;
  if (in.size() == 4) {
    const TensorSpec& m = in[3];
    if (m.dtype != bool_ && m.dtype != in[0].dtype)
      throw_error<DTypeError>(op, ": mask must be bool or ", in[0].dtype, " like the query, got ",
                              m.dtype);
    const Shape scores{B, num_heads, L, S};
    Shape b;
    if (!try_broadcast(m.shape, scores, b) || b != scores)
      throw_error<ShapeError>(op, ": mask of shape ", m.shape,
                              " does not broadcast to the scores' shape ", scores);
  }
  return p;
}
}  // namespace detail

NEURON_INLINE TensorSpec MultiheadAttentionOp::infer(const std::vector<TensorSpec>& in) const {
  detail::plan_multihead(in, num_heads);
  return in[0];
}

NEURON_INLINE DimFlow MultiheadAttentionOp::dim_flow(const std::vector<TensorSpec>& in,
                                                     const TensorSpec& out) const {
  (void)out;
  DimFlow f = DimFlow::all(in, DimFlow::kMixed);
  for (std::size_t i = 0; i < 3; ++i) f.set(i, 0, 0);  // batch
  f.set(0, 1, 1);                                      // the query's positions
  if (in.size() == 4) {
    const int r = in[3].shape.rank();
    if (r == 4 && in[3].shape[0] != 1) f.set(3, 0, 0);
    if (r >= 2 && in[3].shape[r - 2] != 1) f.set(3, r - 2, 1);
  }
  return f;
}

NEURON_INLINE void MultiheadAttentionOp::pad_rule(PadCheck& c) const {
  AttentionPadArgs a;
  a.key_dim_k = 1;
  a.key_dim_v = 1;
  if (c.in.size() == 4) {
    a.mask = 3;
    a.mask_key_dim = c.in[3].shape.rank() - 1;
    if (c.in[3].dtype == bool_) a.masked = 0;  // bool masks say which keys take part
  }
  pad_rule_attention(c, a);
}

NEURON_INLINE void MultiheadAttentionOp::run(const std::vector<Tensor>& in, Tensor& out) const {
  std::vector<TensorSpec> specs;
  for (const Tensor& t : in) specs.push_back(spec_of(t));
  const detail::AttentionPlan p = detail::plan_multihead(specs, num_heads);
  const std::int64_t B = p.batch[0], H = num_heads, E = H * p.E;
  const bool has_mask = in.size() == 4;
  const auto sm = has_mask ? broadcast_strides(in[3].shape(), Shape{B, H, p.L, p.S})
                           : std::array<std::int64_t, kMaxRank>{};
  visit_dtype(in[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const std::size_t mask_es = has_mask ? dtype_size(in[3].dtype()) : 0;
      const double per_head =
          static_cast<double>(p.L) * static_cast<double>(p.S) * static_cast<double>(2 * p.E);
      const std::int64_t grain =
          std::max<std::int64_t>(1, static_cast<std::int64_t>(262144.0 / std::max(per_head, 1.0)));
      detail::parallel_for(B * H, grain, [&](std::int64_t first, std::int64_t last) {
        thread_local detail::AttnRowMatrix<T> scores_tls;  // per thread
        detail::AttnRowMatrix<T>& scores = scores_tls;
        for (std::int64_t bh = first; bh < last; ++bh) {
          const std::int64_t b = bh / H, h = bh % H;
          const void* mask = has_mask
                                 ? static_cast<const char*>(in[3].raw_data()) +
                                       static_cast<std::size_t>(b * sm[0] + h * sm[1]) * mask_es
                                 : nullptr;
          detail::attention_head<T>(
              in[0].data<T>() + b * p.L * E + h * p.E, in[1].data<T>() + b * p.S * E + h * p.E,
              in[2].data<T>() + b * p.S * E + h * p.E, out.data<T>() + b * p.L * E + h * p.E, p,
              detail::HeadStrides{E, E, E, E}, scale, false, mask,
              has_mask && in[3].dtype() == bool_, has_mask ? sm[2] : 0, has_mask ? sm[3] : 0,
              scores);
        }
      });
    }
  });
}

NEURON_INLINE Tensor multihead_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                         std::int64_t num_heads, const Tensor& mask,
                                         std::optional<double> scale) {
  MultiheadAttentionOp op;
  op.num_heads = num_heads;
  const std::int64_t E = q.rank() == 3 ? q.size(2) : 0;
  const std::int64_t D = num_heads > 0 && E % num_heads == 0 ? E / num_heads : 1;
  op.scale = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(std::max<std::int64_t>(D, 1)));
  return mask.defined() ? run_op(op, {q, k, v, mask}) : run_op(op, {q, k, v});
}

NEURON_INLINE Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                                  const Tensor& attn_mask, bool is_causal,
                                                  std::optional<double> scale) {
  ScaledDotProductAttention op;
  op.is_causal = is_causal;
  if (q.rank() < 1)
    throw_error<ShapeError>(ScaledDotProductAttention::name,
                            ": query needs at least 2 dims [..., len, features], got ", q.shape());
  op.scale = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  if (!std::isfinite(op.scale))
    throw_error<ValueError>(ScaledDotProductAttention::name, ": scale must be finite, got ",
                            op.scale);
  if (attn_mask.defined()) return run_op(op, {q, k, v, attn_mask});
  return run_op(op, {q, k, v});
}

}  // namespace neuron
