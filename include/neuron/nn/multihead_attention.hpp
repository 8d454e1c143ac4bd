// nn::MultiheadAttention(embed_dim, num_heads): PyTorch's layer with batch_first=True, packed
// in_proj_weight [3E, E] / in_proj_bias [3E] and out_proj (Linear E -> E).
// forward(query, key, value, attn_mask, key_padding_mask) returns the attention output
// [batch, target_len, E] (PyTorch also returns averaged weights; neuron does not compute them).
//   attn_mask: [L, S] or [batch * heads, L, S]; bool (true = not allowed) or float (added)
//   key_padding_mask: [batch, S] bool (true = padding, ignored) or float (added)
// Unbatched inputs [L, E] are accepted and give [L, E].
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "../expr/functions.hpp"
#include "../ops/matmul.hpp"
#include "../ops/permute.hpp"
#include "../ops/reshape.hpp"
#include "../ops/slice.hpp"
#include "../ops/softmax.hpp"
#include "dropout.hpp"
#include "init.hpp"
#include "linear.hpp"
#include "module.hpp"

namespace neuron::nn {

class MultiheadAttention : public Module {
 public:
  MultiheadAttention(std::int64_t embed_dim, std::int64_t num_heads, double dropout = 0.0,
                     bool bias = true);

  // Self-attention: query = key = value = x.
  Tensor forward(const Tensor& x) override;

  Tensor forward(const Tensor& query, const Tensor& key, const Tensor& value,
                 const Tensor& attn_mask = {}, const Tensor& key_padding_mask = {});

  std::string type_name() const override { return "MultiheadAttention"; }
  std::int64_t embed_dim() const { return embed_dim_; }
  std::int64_t num_heads() const { return num_heads_; }

 private:
  std::int64_t embed_dim_, num_heads_;
  double dropout_;
  bool bias_;
  std::shared_ptr<Linear> out_proj_;
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "multihead_attention-inl.hpp"
#endif
