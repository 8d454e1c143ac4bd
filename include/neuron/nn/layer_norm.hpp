// nn::LayerNorm(normalized_shape, eps, elementwise_affine): weight ones, bias zeros.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../core/creation.hpp"
#include "../ops/layer_norm.hpp"
#include "module.hpp"

namespace neuron::nn {

class LayerNorm : public Module {
 public:
  LayerNorm(std::vector<std::int64_t> normalized_shape, double eps = 1e-5,
            bool elementwise_affine = true);
  LayerNorm(std::int64_t normalized_shape, double eps = 1e-5, bool elementwise_affine = true);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LayerNorm"; }

 private:
  std::vector<std::int64_t> shape_;
  double eps_;
  bool affine_;
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "layer_norm-inl.hpp"
#endif
