// Definitions of multihead_attention.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>

#include "../core/creation.hpp"
#include "../expr/functions.hpp"
#include "../ops/attention.hpp"
#include "../ops/cast.hpp"
#include "../ops/matmul.hpp"
#include "../ops/permute.hpp"
#include "../ops/reshape.hpp"
#include "../ops/slice.hpp"
#include "../ops/softmax.hpp"
#include "dropout-inl.hpp"
#include "init.hpp"
#include "linear-inl.hpp"
#include "module-inl.hpp"
#include "multihead_attention.hpp"

namespace neuron::nn {

NEURON_INLINE MultiheadAttention::MultiheadAttention(std::int64_t embed_dim, std::int64_t num_heads,
                                                     double dropout, bool bias)
    : embed_dim_(embed_dim), num_heads_(num_heads), dropout_(dropout), bias_(bias) {
  if (embed_dim <= 0 || num_heads <= 0 || embed_dim % num_heads != 0)
    throw_error<ValueError>("MultiheadAttention: embed_dim (", embed_dim,
                            ") must be a positive multiple of num_heads (", num_heads, ")");
  register_parameter("in_proj_weight", init::xavier_uniform(3 * embed_dim, embed_dim));
  if (bias) register_parameter("in_proj_bias", zeros({3 * embed_dim}));
  out_proj_ = register_module("out_proj", std::make_shared<Linear>(embed_dim, embed_dim, bias));
  if (bias) {  // PyTorch zeroes out_proj.bias; its weight keeps Linear's init
    Tensor b = out_proj_->bias();
    std::fill(b.data<float>(), b.data<float>() + b.numel(), 0.0f);
  }
}

// Self-attention: query = key = value = x.
NEURON_INLINE Tensor MultiheadAttention::forward(const Tensor& x) { return forward(x, x, x); }

NEURON_INLINE Tensor MultiheadAttention::forward(const Tensor& query, const Tensor& key,
                                                 const Tensor& value, const Tensor& attn_mask,
                                                 const Tensor& key_padding_mask) {
  const bool unbatched = query.rank() == 2;
  auto batched = [&](const Tensor& t, const char* what) {
    if (t.rank() != (unbatched ? 2 : 3) || t.size(-1) != embed_dim_)
      throw_error<ShapeError>("MultiheadAttention: ", what, " has shape ", t.shape(),
                              ", expected [batch, len, ", embed_dim_, "]",
                              unbatched ? " or [len, embed_dim] like the query" : "");
    return unbatched ? reshape(t, {1, t.size(0), t.size(1)}) : t;
  };
  Tensor q = batched(query, "query"), k = batched(key, "key"), v = batched(value, "value");
  const std::int64_t B = q.size(0), L = q.size(1), S = k.size(1), E = embed_dim_, H = num_heads_,
                     D = E / H;
  if (k.size(0) != B || v.size(0) != B || v.size(1) != S)
    throw_error<ShapeError>("MultiheadAttention: query ", q.shape(), ", key ", k.shape(),
                            " and value ", v.shape(), " disagree on batch or source length");

  const double neg_inf = -std::numeric_limits<double>::infinity();
  // The masks, checked and shaped to broadcast against the scores [B, H, L, S]; torch's
  // convention: bool true = masked out, float = added.
  Tensor attn_m, pad_m;
  if (attn_mask.defined()) {
    attn_m = attn_mask;
    if (attn_m.rank() == 3) {
      if (attn_m.shape() != Shape{B * H, L, S})
        throw_error<ShapeError>("MultiheadAttention: 3-d attn_mask has shape ", attn_m.shape(),
                                ", expected [", B * H, ", ", L, ", ", S, "]");
      attn_m = reshape(attn_m, {B, H, L, S});
    } else if (attn_m.shape() != Shape{L, S}) {
      throw_error<ShapeError>("MultiheadAttention: attn_mask has shape ", attn_m.shape(),
                              ", expected [", L, ", ", S, "] or [", B * H, ", ", L, ", ", S, "]");
    }
  }
  if (key_padding_mask.defined()) {
    pad_m = unbatched && key_padding_mask.rank() == 1
                ? reshape(key_padding_mask, {1, key_padding_mask.size(0)})
                : key_padding_mask;
    if (pad_m.shape() != Shape{B, S} || (pad_m.dtype() != bool_ && pad_m.dtype() != q.dtype()))
      throw_error<ShapeError>("MultiheadAttention: key_padding_mask must be bool or ", q.dtype(),
                              " [", B, ", ", S, "], got ", pad_m.dtype(), " ", pad_m.shape());
    pad_m = reshape(pad_m, {B, 1, 1, S});
  }

  const Tensor& w = param("in_proj_weight");
  auto project = [&](const Tensor& x, std::int64_t part) {  // [B, len, E], heads side by side
    Tensor wp = slice(w, 0, part * E, (part + 1) * E);
    Tensor bp = bias_ ? slice(param("in_proj_bias"), 0, part * E, (part + 1) * E) : Tensor();
    return linear(x, wp, bp);
  };
  Tensor out;
  if (!(is_training() && dropout_ > 0)) {
    // One multihead_attention op: no head is copied out, masks folded into its softmax pass.
    Tensor mask;  // scaled_dot_product_attention's convention: bool true = attend, float added
    for (const Tensor& m : {attn_m, pad_m}) {
      if (!m.defined()) continue;
      if (!mask.defined()) {
        mask = m.dtype() == bool_ ? Tensor(logical_not(m)) : m;
      } else if (mask.dtype() == bool_ && m.dtype() == bool_) {
        mask = logical_and(mask, logical_not(m));
      } else {
        auto additive = [&](const Tensor& t, bool attend_true) -> Tensor {
          if (t.dtype() != bool_) return t;
          return cast(attend_true ? Tensor(where(t, 0.0, neg_inf)) : Tensor(where(t, neg_inf, 0.0)),
                      q.dtype());
        };
        mask = additive(mask, true) + additive(m, false);
      }
    }
    out = multihead_attention(project(q, 0), project(k, 1), project(v, 2), H, mask,
                              1.0 / std::sqrt(static_cast<double>(D)));
  } else {
    // Training with dropout on the attention weights: heads as their own tensors.
    auto heads = [&](const Tensor& x, std::int64_t part, std::int64_t len) {
      return permute(reshape(project(x, part), {B, len, H, D}), {0, 2, 1, 3});  // [B, H, len, D]
    };
    Tensor qh = heads(q, 0, L), kh = heads(k, 1, S), vh = heads(v, 2, S);
    // Scale q before the product, as PyTorch does.
    Tensor scores = matmul(qh * static_cast<float>(1.0 / std::sqrt(static_cast<double>(D))),
                           transpose(kh, -2, -1));  // [B, H, L, S]
    for (const Tensor& m : {attn_m, pad_m})
      if (m.defined())
        scores = m.dtype() == bool_ ? Tensor(where(m, neg_inf, scores)) : Tensor(scores + m);
    Tensor attn = Dropout(dropout_).forward(softmax(scores, -1));
    out = reshape(permute(matmul(attn, vh), {0, 2, 1, 3}), {B, L, E});
  }
  out = out_proj_->forward(out);
  return unbatched ? reshape(out, {L, E}) : out;
}

}  // namespace neuron::nn
