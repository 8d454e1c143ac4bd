// scaled_dot_product_attention with torch.nn.functional's semantics (torch 2.x):
//   out = softmax(q @ k^T * scale + mask) @ v,   q [..., L, E], k [..., S, E], v [..., S, Ev]
// attn_mask broadcasts to [..., L, S]: bool means "takes part" (true = attend; the opposite of
// nn.MultiheadAttention's masks), float is added to the scores. is_causal masks keys after the
// query's own position (a lower-left triangle, as torch). scale defaults to 1 / sqrt(E).
// Batch dims of q, k, v and the mask broadcast. A row with every key masked gives NaN, as torch.
// One op for the whole attention: the [L, S] scores of one head live in a per-thread buffer, never
// in the graph, and scale, mask and causal triangle are applied in the softmax pass.
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "any_op.hpp"

namespace neuron {

struct ScaledDotProductAttention {
  static constexpr const char* name = "scaled_dot_product_attention";
  bool is_causal = false;
  double scale = 1.0;  // resolved by the free function (1 / sqrt(E) when not given)
  NEURON_ATTRS(is_causal, scale)

  // Inputs: q, k, v and an optional mask.
  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  // Batch dims broadcast to the output, the query dim L reaches it, E and the key dim S mix.
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  // Padded keys are harmless when every one of them gets weight 0 at the real queries: masked by
  // attn_mask (padded with false, or -inf), or by is_causal when queries and keys are padded alike
  // (a real query never sees a later key); and v is finite there (pad_fill.hpp).
  void pad_rule(PadCheck& c) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

// nn::MultiheadAttention's core, with the heads side by side in the feature dim, as the
// projections make them: q [B, L, E], k [B, S, E], v [B, S, E] with E = num_heads * D, each head h
// reading features [h*D, (h+1)*D); out [B, L, E] with the heads merged the same way. So no head is
// ever copied out (no permute before or after): each head's two GEMMs read and write strided rows,
// and heads run in parallel. The optional mask is scaled_dot_product_attention's (bool: true =
// attend; float: added), broadcast to [B, num_heads, L, S].
struct MultiheadAttentionOp {
  static constexpr const char* name = "multihead_attention";
  std::int64_t num_heads = 1;
  double scale = 1.0;
  NEURON_ATTRS(num_heads, scale)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void pad_rule(PadCheck& c) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

// q, k, v [B, len, num_heads * D]; the mask as above. scale defaults to 1 / sqrt(D).
Tensor multihead_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                           std::int64_t num_heads, const Tensor& mask = {},
                           std::optional<double> scale = std::nullopt);

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const Tensor& attn_mask = {}, bool is_causal = false,
                                    std::optional<double> scale = std::nullopt);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "attention-inl.hpp"
#endif
