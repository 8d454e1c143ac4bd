// nn::LayerNorm(normalized_shape, eps, elementwise_affine): weight ones, bias zeros.
#pragma once

#include <vector>

#include "../core/creation.hpp"
#include "../ops/layer_norm.hpp"
#include "module.hpp"

namespace neuron::nn {

class LayerNorm : public Module {
 public:
  LayerNorm(std::vector<std::int64_t> normalized_shape, double eps = 1e-5,
            bool elementwise_affine = true)
      : shape_(std::move(normalized_shape)), eps_(eps), affine_(elementwise_affine) {
    Shape s(shape_);
    if (affine_) {
      register_parameter("weight", ones(s));
      register_parameter("bias", zeros(s));
    }
  }
  LayerNorm(std::int64_t normalized_shape, double eps = 1e-5, bool elementwise_affine = true)
      : LayerNorm(std::vector<std::int64_t>{normalized_shape}, eps, elementwise_affine) {}

  Tensor forward(const Tensor& x) override {
    return layer_norm(x, shape_, affine_ ? param("weight") : Tensor(),
                      affine_ ? param("bias") : Tensor(), eps_);
  }
  std::string type_name() const override { return "LayerNorm"; }

 private:
  std::vector<std::int64_t> shape_;
  double eps_;
  bool affine_;
};

}  // namespace neuron::nn
