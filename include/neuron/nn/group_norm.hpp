// nn::GroupNorm(num_groups, num_channels): PyTorch's parameters weight (ones) and bias (zeros).
#pragma once

#include <cstdint>
#include <string>

#include "../ops/group_norm.hpp"
#include "module.hpp"
#include "options.hpp"

namespace neuron::nn {

struct GroupNormOptions {
  GroupNormOptions(std::int64_t num_groups, std::int64_t num_channels)
      : num_groups_(num_groups), num_channels_(num_channels) {}
  NEURON_OPTION(std::int64_t, num_groups);
  NEURON_OPTION(std::int64_t, num_channels);
  NEURON_OPTION(double, eps) = 1e-5;
  NEURON_OPTION(bool, affine) = true;
};

class GroupNorm : public Module {
 public:
  explicit GroupNorm(const GroupNormOptions& options);
  GroupNorm(std::int64_t num_groups, std::int64_t num_channels)
      : GroupNorm(GroupNormOptions(num_groups, num_channels)) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "GroupNorm"; }

 private:
  GroupNormOptions options_;
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "group_norm-inl.hpp"
#endif
