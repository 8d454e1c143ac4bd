// nn::Dropout(p): identity in eval mode; in training, zeroes each element with probability p and
// scales the rest by 1 / (1 - p), with the global generator.
#pragma once

#include <string>

#include "../core/random.hpp"
#include "../expr/functions.hpp"
#include "module.hpp"

namespace neuron::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Dropout"; }
  double p() const { return p_; }

 private:
  double p_;
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "dropout-inl.hpp"
#endif
