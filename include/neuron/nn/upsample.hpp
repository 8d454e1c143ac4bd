// nn::Upsample(UpsampleOptions().size({h, w}) | .scale_factor({2, 2}), .mode("nearest" |
// "bilinear"), .align_corners(b)): interpolate as a layer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../ops/interpolate.hpp"
#include "module.hpp"
#include "options.hpp"

namespace neuron::nn {

struct UpsampleOptions {
  NEURON_OPTION(std::vector<std::int64_t>, size);
  NEURON_OPTION(std::vector<double>, scale_factor);
  NEURON_OPTION(std::string, mode) = "nearest";
  NEURON_OPTION(bool, align_corners) = false;
};

class Upsample : public Module {
 public:
  explicit Upsample(const UpsampleOptions& options);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Upsample"; }

 private:
  UpsampleOptions options_;
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "upsample-inl.hpp"
#endif
