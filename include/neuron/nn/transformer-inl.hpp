// Definitions of transformer.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "../expr/functions.hpp"
#include "activation-inl.hpp"
#include "dropout-inl.hpp"
#include "layer_norm-inl.hpp"
#include "linear-inl.hpp"
#include "module-inl.hpp"
#include "module_list-inl.hpp"
#include "multihead_attention-inl.hpp"
#include "transformer.hpp"

namespace neuron::nn {

namespace detail {

NEURON_INLINE void check_transformer_options(const TransformerEncoderLayerOptions& o,
                                             const char* layer) {
  if (o.activation() != "relu" && o.activation() != "gelu")
    throw_error<ValueError>(layer, ": activation must be \"relu\" or \"gelu\", got \"",
                            o.activation(), "\"");
  if (o.dim_feedforward() <= 0)
    throw_error<ValueError>(layer, ": dim_feedforward must be positive, got ", o.dim_feedforward());
}

NEURON_INLINE Tensor transformer_activation(const std::string& name, const Tensor& x) {
  return name == "gelu" ? Tensor(gelu(x)) : Tensor(relu(x));
}

// torch's copy.deepcopy of a layer: a new layer with the same options and values.
template <class Layer>
std::shared_ptr<Layer> copy_layer(const Layer& layer) {
  auto copy = std::make_shared<Layer>(layer.options());
  copy->load_state_dict(layer.state_dict());
  copy->train(layer.is_training());
  return copy;
}

NEURON_INLINE void check_num_layers(std::int64_t n, const char* what) {
  if (n < 0) throw_error<ValueError>(what, ": num_layers must be >= 0, got ", n);
}

}  // namespace detail

NEURON_INLINE TransformerEncoderLayer::TransformerEncoderLayer(
    const TransformerEncoderLayerOptions& o)
    : options_(o) {
  detail::check_transformer_options(o, "TransformerEncoderLayer");
  self_attn_ = register_module(
      "self_attn", std::make_shared<MultiheadAttention>(o.d_model(), o.nhead(), o.dropout()));
  linear1_ = register_module("linear1", std::make_shared<Linear>(o.d_model(), o.dim_feedforward()));
  dropout_ = register_module("dropout", std::make_shared<Dropout>(o.dropout()));
  linear2_ = register_module("linear2", std::make_shared<Linear>(o.dim_feedforward(), o.d_model()));
  norm1_ = register_module("norm1", std::make_shared<LayerNorm>(o.d_model(), o.layer_norm_eps()));
  norm2_ = register_module("norm2", std::make_shared<LayerNorm>(o.d_model(), o.layer_norm_eps()));
  dropout1_ = register_module("dropout1", std::make_shared<Dropout>(o.dropout()));
  dropout2_ = register_module("dropout2", std::make_shared<Dropout>(o.dropout()));
}

NEURON_INLINE TransformerEncoderLayer::TransformerEncoderLayer(std::int64_t d_model,
                                                               std::int64_t nhead,
                                                               std::int64_t dim_feedforward,
                                                               double dropout,
                                                               double layer_norm_eps)
    : TransformerEncoderLayer(TransformerEncoderLayerOptions(d_model, nhead)
                                  .dim_feedforward(dim_feedforward)
                                  .dropout(dropout)
                                  .layer_norm_eps(layer_norm_eps)) {}

NEURON_INLINE Tensor TransformerEncoderLayer::forward(const Tensor& src) {
  return forward(src, Tensor(), Tensor());
}

NEURON_INLINE Tensor TransformerEncoderLayer::forward(const Tensor& src, const Tensor& src_mask,
                                                      const Tensor& src_key_padding_mask) {
  auto self_attention = [&](const Tensor& x) {
    return dropout1_->forward(self_attn_->forward(x, x, x, src_mask, src_key_padding_mask));
  };
  auto feed_forward = [&](const Tensor& x) {
    Tensor h = detail::transformer_activation(options_.activation(), linear1_->forward(x));
    return dropout2_->forward(linear2_->forward(dropout_->forward(h)));
  };
  if (options_.norm_first()) {
    Tensor x = src + self_attention(norm1_->forward(src));
    return x + feed_forward(norm2_->forward(x));
  }
  Tensor x = norm1_->forward(src + self_attention(src));
  return norm2_->forward(x + feed_forward(x));
}

NEURON_INLINE TransformerDecoderLayer::TransformerDecoderLayer(
    const TransformerDecoderLayerOptions& o)
    : options_(o) {
  detail::check_transformer_options(o, "TransformerDecoderLayer");
  self_attn_ = register_module(
      "self_attn", std::make_shared<MultiheadAttention>(o.d_model(), o.nhead(), o.dropout()));
  multihead_attn_ = register_module(
      "multihead_attn", std::make_shared<MultiheadAttention>(o.d_model(), o.nhead(), o.dropout()));
  linear1_ = register_module("linear1", std::make_shared<Linear>(o.d_model(), o.dim_feedforward()));
  dropout_ = register_module("dropout", std::make_shared<Dropout>(o.dropout()));
  linear2_ = register_module("linear2", std::make_shared<Linear>(o.dim_feedforward(), o.d_model()));
  norm1_ = register_module("norm1", std::make_shared<LayerNorm>(o.d_model(), o.layer_norm_eps()));
  norm2_ = register_module("norm2", std::make_shared<LayerNorm>(o.d_model(), o.layer_norm_eps()));
  norm3_ = register_module("norm3", std::make_shared<LayerNorm>(o.d_model(), o.layer_norm_eps()));
  dropout1_ = register_module("dropout1", std::make_shared<Dropout>(o.dropout()));
  dropout2_ = register_module("dropout2", std::make_shared<Dropout>(o.dropout()));
  dropout3_ = register_module("dropout3", std::make_shared<Dropout>(o.dropout()));
}

NEURON_INLINE Tensor TransformerDecoderLayer::forward(const Tensor&) {
  throw_error<ValueError>(
      "TransformerDecoderLayer: forward needs the encoder output: call forward(tgt, memory, ...)");
}

NEURON_INLINE Tensor TransformerDecoderLayer::forward(const Tensor& tgt, const Tensor& memory,
                                                      const Tensor& tgt_mask,
                                                      const Tensor& memory_mask,
                                                      const Tensor& tgt_key_padding_mask,
                                                      const Tensor& memory_key_padding_mask) {
  auto self_attention = [&](const Tensor& x) {
    return dropout1_->forward(self_attn_->forward(x, x, x, tgt_mask, tgt_key_padding_mask));
  };
  auto cross_attention = [&](const Tensor& x) {
    return dropout2_->forward(
        multihead_attn_->forward(x, memory, memory, memory_mask, memory_key_padding_mask));
  };
  auto feed_forward = [&](const Tensor& x) {
    Tensor h = detail::transformer_activation(options_.activation(), linear1_->forward(x));
    return dropout3_->forward(linear2_->forward(dropout_->forward(h)));
  };
  if (options_.norm_first()) {
    Tensor x = tgt + self_attention(norm1_->forward(tgt));
    x = x + cross_attention(norm2_->forward(x));
    return x + feed_forward(norm3_->forward(x));
  }
  Tensor x = norm1_->forward(tgt + self_attention(tgt));
  x = norm2_->forward(x + cross_attention(x));
  return norm3_->forward(x + feed_forward(x));
}

NEURON_INLINE TransformerEncoder::TransformerEncoder(const TransformerEncoderLayer& layer,
                                                     std::int64_t num_layers,
                                                     std::shared_ptr<Module> norm)
    : norm_(std::move(norm)) {
  detail::check_num_layers(num_layers, "TransformerEncoder");
  auto list = register_module("layers", std::make_shared<ModuleList>());
  for (std::int64_t i = 0; i < num_layers; ++i) {
    layers_.push_back(detail::copy_layer(layer));
    list->push_back(layers_.back());
  }
  if (norm_) register_module("norm", norm_);
}

NEURON_INLINE TransformerEncoderLayer& TransformerEncoder::layer(std::size_t i) const {
  if (i >= layers_.size())
    throw_error<IndexError>("TransformerEncoder: layer ", i, " out of range for ", layers_.size(),
                            " layers");
  return *layers_[i];
}

NEURON_INLINE Tensor TransformerEncoder::forward(const Tensor& src) {
  return forward(src, Tensor(), Tensor());
}

NEURON_INLINE Tensor TransformerEncoder::forward(const Tensor& src, const Tensor& mask,
                                                 const Tensor& src_key_padding_mask) {
  Tensor x = src;
  for (const auto& l : layers_) x = l->forward(x, mask, src_key_padding_mask);
  return norm_ ? norm_->forward(x) : x;
}

NEURON_INLINE TransformerDecoder::TransformerDecoder(const TransformerDecoderLayer& layer,
                                                     std::int64_t num_layers,
                                                     std::shared_ptr<Module> norm)
    : norm_(std::move(norm)) {
  detail::check_num_layers(num_layers, "TransformerDecoder");
  auto list = register_module("layers", std::make_shared<ModuleList>());
  for (std::int64_t i = 0; i < num_layers; ++i) {
    layers_.push_back(detail::copy_layer(layer));
    list->push_back(layers_.back());
  }
  if (norm_) register_module("norm", norm_);
}

NEURON_INLINE TransformerDecoderLayer& TransformerDecoder::layer(std::size_t i) const {
  if (i >= layers_.size())
    throw_error<IndexError>("TransformerDecoder: layer ", i, " out of range for ", layers_.size(),
                            " layers");
  return *layers_[i];
}

NEURON_INLINE Tensor TransformerDecoder::forward(const Tensor&) {
  throw_error<ValueError>(
      "TransformerDecoder: forward needs the encoder output: call forward(tgt, memory, ...)");
}

NEURON_INLINE Tensor TransformerDecoder::forward(const Tensor& tgt, const Tensor& memory,
                                                 const Tensor& tgt_mask, const Tensor& memory_mask,
                                                 const Tensor& tgt_key_padding_mask,
                                                 const Tensor& memory_key_padding_mask) {
  Tensor x = tgt;
  for (const auto& l : layers_)
    x = l->forward(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
  return norm_ ? norm_->forward(x) : x;
}

}  // namespace neuron::nn
