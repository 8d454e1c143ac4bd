// nn::Dropout(p): identity in eval mode; in training, zeroes each element with probability p and
// scales the rest by 1 / (1 - p), with the global generator.
#pragma once

#include "../core/random.hpp"
#include "../expr/functions.hpp"
#include "module.hpp"

namespace neuron::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5) : p_(p) {
    if (!(p >= 0.0 && p <= 1.0)) throw_error<ValueError>("Dropout: p must be in [0, 1], got ", p);
  }
  Tensor forward(const Tensor& x) override {
    if (!is_training() || p_ == 0.0) return x;
    if (!is_floating(x.dtype()))
      throw_error<DTypeError>("Dropout: input must be floating point, got ", x.dtype());
    if (p_ == 1.0) return zeros(x.shape(), x.dtype());
    Tensor keep = ge(rand(x.shape(), x.dtype()), p_);
    return where(keep, x * (1.0 / (1.0 - p_)), 0.0);
  }
  std::string type_name() const override { return "Dropout"; }
  double p() const { return p_; }

 private:
  double p_;
};

}  // namespace neuron::nn
