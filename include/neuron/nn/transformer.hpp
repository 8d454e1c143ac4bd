// PyTorch's transformer layers with batch_first=True and PyTorch's parameter names:
//   TransformerEncoderLayer  self_attn.*, linear1, linear2, norm1, norm2
//   TransformerDecoderLayer  self_attn.*, multihead_attn.*, linear1, linear2, norm1, norm2, norm3
//   TransformerEncoder / TransformerDecoder  layers.0.*, layers.1.*, ..., norm.* (optional)
// Post-norm (norm_first = false, torch's default):
//   x = norm1(x + self_attn(x));  x = norm2(x + linear2(act(linear1(x))))
// Pre-norm (norm_first = true):
//   x = x + self_attn(norm1(x));  x = x + linear2(act(linear1(norm2(x))))
// The decoder adds cross-attention on `memory` (multihead_attn, norm2) before the feed-forward
// block (norm3). Masks have nn::MultiheadAttention's meaning: a bool mask marks what is NOT
// attended (true = masked), a float mask is added to the scores.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "activation.hpp"
#include "dropout.hpp"
#include "layer_norm.hpp"
#include "linear.hpp"
#include "module_list.hpp"
#include "multihead_attention.hpp"
#include "options.hpp"

namespace neuron::nn {

// Options of TransformerEncoderLayer and TransformerDecoderLayer (libtorch's fields).
struct TransformerEncoderLayerOptions {
  TransformerEncoderLayerOptions(std::int64_t d_model, std::int64_t nhead)
      : d_model_(d_model), nhead_(nhead) {}
  NEURON_OPTION(std::int64_t, d_model);
  NEURON_OPTION(std::int64_t, nhead);
  NEURON_OPTION(std::int64_t, dim_feedforward) = 2048;
  NEURON_OPTION(double, dropout) = 0.1;
  NEURON_OPTION(std::string, activation) = "relu";  // "relu" or "gelu" (exact, erf)
  NEURON_OPTION(double, layer_norm_eps) = 1e-5;
  NEURON_OPTION(bool, norm_first) = false;
};
using TransformerDecoderLayerOptions = TransformerEncoderLayerOptions;

class TransformerEncoderLayer : public Module {
 public:
  explicit TransformerEncoderLayer(const TransformerEncoderLayerOptions& options);
  TransformerEncoderLayer(std::int64_t d_model, std::int64_t nhead,
                          std::int64_t dim_feedforward = 2048, double dropout = 0.1,
                          double layer_norm_eps = 1e-5);

  Tensor forward(const Tensor& src) override;
  Tensor forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask);
  std::string type_name() const override { return "TransformerEncoderLayer"; }
  const TransformerEncoderLayerOptions& options() const { return options_; }

 private:
  TransformerEncoderLayerOptions options_;
  std::shared_ptr<MultiheadAttention> self_attn_;
  std::shared_ptr<Linear> linear1_, linear2_;
  std::shared_ptr<LayerNorm> norm1_, norm2_;
  std::shared_ptr<Dropout> dropout_, dropout1_, dropout2_;
};

class TransformerDecoderLayer : public Module {
 public:
  explicit TransformerDecoderLayer(const TransformerDecoderLayerOptions& options);

  // A decoder layer needs `memory`: this one-input form throws a ValueError.
  Tensor forward(const Tensor& tgt) override;
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {},
                 const Tensor& memory_mask = {}, const Tensor& tgt_key_padding_mask = {},
                 const Tensor& memory_key_padding_mask = {});
  std::string type_name() const override { return "TransformerDecoderLayer"; }
  const TransformerDecoderLayerOptions& options() const { return options_; }

 private:
  TransformerDecoderLayerOptions options_;
  std::shared_ptr<MultiheadAttention> self_attn_, multihead_attn_;
  std::shared_ptr<Linear> linear1_, linear2_;
  std::shared_ptr<LayerNorm> norm1_, norm2_, norm3_;
  std::shared_ptr<Dropout> dropout_, dropout1_, dropout2_, dropout3_;
};

// `num_layers` copies of `layer` (as torch's deepcopy: same initial values, separate parameters)
// and an optional final norm.
class TransformerEncoder : public Module {
 public:
  TransformerEncoder(const TransformerEncoderLayer& layer, std::int64_t num_layers,
                     std::shared_ptr<Module> norm = nullptr);

  Tensor forward(const Tensor& src) override;
  Tensor forward(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask);
  std::string type_name() const override { return "TransformerEncoder"; }
  std::size_t num_layers() const { return layers_.size(); }
  TransformerEncoderLayer& layer(std::size_t i) const;

 private:
  std::vector<std::shared_ptr<TransformerEncoderLayer>> layers_;
  std::shared_ptr<Module> norm_;
};

class TransformerDecoder : public Module {
 public:
  TransformerDecoder(const TransformerDecoderLayer& layer, std::int64_t num_layers,
                     std::shared_ptr<Module> norm = nullptr);

  // A decoder needs `memory`: this one-input form throws a ValueError.
  Tensor forward(const Tensor& tgt) override;
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {},
                 const Tensor& memory_mask = {}, const Tensor& tgt_key_padding_mask = {},
                 const Tensor& memory_key_padding_mask = {});
  std::string type_name() const override { return "TransformerDecoder"; }
  std::size_t num_layers() const { return layers_.size(); }
  TransformerDecoderLayer& layer(std::size_t i) const;

 private:
  std::vector<std::shared_ptr<TransformerDecoderLayer>> layers_;
  std::shared_ptr<Module> norm_;
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "transformer-inl.hpp"
#endif
