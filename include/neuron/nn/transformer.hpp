// nn::TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout): PyTorch's layer with
// batch_first=True, post-norm (norm_first=False) and ReLU, with PyTorch's parameter names
// (self_attn.*, linear1, linear2, norm1, norm2):
//   x = norm1(x + dropout1(self_attn(x)));  x = norm2(x +
//   dropout2(linear2(dropout(relu(linear1(x))))))
#pragma once

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
                          double layer_norm_eps = 1e-5) {
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

  Tensor forward(const Tensor& src) override { return forward(src, Tensor(), Tensor()); }
  Tensor forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask) {
    Tensor sa = self_attn_->forward(src, src, src, src_mask, src_key_padding_mask);
    Tensor x = norm1_->forward(src + dropout1_->forward(sa));
    Tensor ff = linear2_->forward(dropout_->forward(relu(linear1_->forward(x))));
    return norm2_->forward(x + dropout2_->forward(ff));
  }
  std::string type_name() const override { return "TransformerEncoderLayer"; }

 private:
  std::shared_ptr<MultiheadAttention> self_attn_;
  std::shared_ptr<Linear> linear1_, linear2_;
  std::shared_ptr<LayerNorm> norm1_, norm2_;
  std::shared_ptr<Dropout> dropout_, dropout1_, dropout2_;
};

}  // namespace neuron::nn
