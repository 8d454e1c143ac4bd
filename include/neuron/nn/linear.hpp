// nn::Linear(in_features, out_features, bias): y = x @ weight^T + bias over any leading dims.
#pragma once

#include <cstdint>
#include <string>

#include "../ops/matmul.hpp"
#include "init.hpp"
#include "module.hpp"

namespace neuron::nn {

class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& x) override;
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

#ifdef NEURON_HEADER_ONLY
#include "linear-inl.hpp"
#endif
