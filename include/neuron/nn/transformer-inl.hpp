// Definitions of transformer.hpp.
#pragma once

#include <cstdint>
#include <memory>

#include "../expr/functions.hpp"
#include "activation-inl.hpp"
#include "dropout-inl.hpp"
#include "layer_norm-inl.hpp"
#include "linear-inl.hpp"
#include "module-inl.hpp"
#include "multihead_attention-inl.hpp"
#include "transformer.hpp"

namespace neuron::nn {

NEURON_INLINE TransformerEncoderLayer::TransformerEncoderLayer(std::int64_t d_model,
                                                               std::int64_t nhead,
                                                               std::int64_t dim_feedforward,
                                                               double dropout,
                                                               double layer_norm_eps) {
  self_attn_ =
      register_module("self_attn", std::make_shared<MultiheadAttention>(d_model, nhead, dropout));
  linear1_ = register_module("linear1", std::make_shared<Linear>(d_model, dim_feedforward));
  dropout_ = register_module("dropout", std::make_shared<Dropout>(dropout));
  linear2_ = register_module("linear2", std::make_shared<Linear>(dim_feedforward, d_model));
  norm1_ = register_module("norm1", std::make_shared<LayerNorm>(d_model, layer_norm_eps));
  norm2_ = register_module("norm2", std::make_shared<LayerNorm>(d_model, layer_norm_eps));
  dropout1_ = register_module("dropout1", std::make_shared<Dropout>(dropout));
  dropout2_ = register_module("dropout2", std::make_shared<Dropout>(dropout));
}

NEURON_INLINE Tensor TransformerEncoderLayer::forward(const Tensor& src) {
  return forward(src, Tensor(), Tensor());
}

NEURON_INLINE Tensor TransformerEncoderLayer::forward(const Tensor& src, const Tensor& src_mask,
                                                      const Tensor& src_key_padding_mask) {
  Tensor sa = self_attn_->forward(src, src, src, src_mask, src_key_padding_mask);
  Tensor x = norm1_->forward(src + dropout1_->forward(sa));
  Tensor ff = linear2_->forward(dropout_->forward(relu(linear1_->forward(x))));
  return norm2_->forward(x + dropout2_->forward(ff));
}

}  // namespace neuron::nn
