// nn::Flatten(start_dim = 1, end_dim = -1) and nn::Identity: the shape-only layers.
#pragma once

#include <cstdint>
#include <string>

#include "module.hpp"

namespace neuron::nn {

class Flatten : public Module {
 public:
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1)
      : start_(start_dim), end_(end_dim) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Flatten"; }

 private:
  std::int64_t start_, end_;
};

class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
  std::string type_name() const override { return "Identity"; }
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "flatten-inl.hpp"
#endif
