// nn::TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout): PyTorch's layer with
// batch_first=True, post-norm (norm_first=False) and ReLU, with PyTorch's parameter names
// (self_attn.*, linear1, linear2, norm1, norm2):
//   x = norm1(x + dropout1(self_attn(x)));  x = norm2(x +
//   dropout2(linear2(dropout(relu(linear1(x))))))
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "activation.hpp"
#include "dropout.hpp"
#include "layer_norm.hpp"
#include "linear.hpp"
#include "multihead_attention.hpp"

namespace neuron::nn {

class TransformerEncoderLayer : public Module {
 public:
  TransformerEncoderLayer(std::int64_t d_model, std::int64_t nhead,
                          std::int64_t dim_feedforward = 2048, double dropout = 0.1,
                          double layer_norm_eps = 1e-5);

  Tensor forward(const Tensor& src) override;
  Tensor forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask);
  std::string type_name() const override { return "TransformerEncoderLayer"; }

 private:
  std::shared_ptr<MultiheadAttention> self_attn_;
  std::shared_ptr<Linear> linear1_, linear2_;
  std::shared_ptr<LayerNorm> norm1_, norm2_;
  std::shared_ptr<Dropout> dropout_, dropout1_, dropout2_;
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "transformer-inl.hpp"
#endif
