// nn::Linear(in_features, out_features, bias): y = x @ weight^T + bias over any leading dims.
#pragma once

#include "../ops/matmul.hpp"
#include "init.hpp"
#include "module.hpp"

namespace neuron::nn {

class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true)
      : in_(in_features), out_(out_features) {
    if (in_features < 0 || out_features < 0)
      throw_error<ValueError>("Linear: feature counts must be >= 0, got in=", in_features,
                              " out=", out_features);
    register_parameter("weight", init::linear_weight(out_features, in_features));
    if (bias) register_parameter("bias", init::linear_bias(out_features, in_features));
    has_bias_ = bias;
  }
  Tensor forward(const Tensor& x) override {
    return linear(x, param("weight"), has_bias_ ? param("bias") : Tensor());
  }
  std::string type_name() const override { return "Linear"; }
  const Tensor& weight() const { return param("weight"); }
  const Tensor& bias() const { return param("bias"); }
  std::int64_t in_features() const { return in_; }
  std::int64_t out_features() const { return out_; }

 private:
  std::int64_t in_, out_;
  bool has_bias_ = true;
};

}  // namespace neuron::nn
