// Pooling layers with libtorch's option structs: nn::MaxPool2d, nn::AvgPool2d,
// nn::AdaptiveAvgPool2d. No parameters.
#pragma once

#include <cstdint>
#include <string>

#include "../ops/pool.hpp"
#include "module.hpp"
#include "options.hpp"

namespace neuron::nn {

// stride defaults to the kernel size, as torch's stride=None.
struct MaxPool2dOptions {
  MaxPool2dOptions(IntPair kernel) : kernel_size_(kernel), stride_(kernel) {}  // NOLINT
  NEURON_OPTION(IntPair, kernel_size);
  NEURON_OPTION(IntPair, stride);
  NEURON_OPTION(IntPair, padding) = 0;
  NEURON_OPTION(IntPair, dilation) = 1;
  NEURON_OPTION(bool, ceil_mode) = false;
};

struct AvgPool2dOptions {
  AvgPool2dOptions(IntPair kernel) : kernel_size_(kernel), stride_(kernel) {}  // NOLINT
  NEURON_OPTION(IntPair, kernel_size);
  NEURON_OPTION(IntPair, stride);
  NEURON_OPTION(IntPair, padding) = 0;
  NEURON_OPTION(bool, ceil_mode) = false;
  NEURON_OPTION(bool, count_include_pad) = true;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(const MaxPool2dOptions& options) : options_(options) {}
  explicit MaxPool2d(IntPair kernel) : MaxPool2d(MaxPool2dOptions(kernel)) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "MaxPool2d"; }

 private:
  MaxPool2dOptions options_;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(const AvgPool2dOptions& options) : options_(options) {}
  explicit AvgPool2d(IntPair kernel) : AvgPool2d(AvgPool2dOptions(kernel)) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "AvgPool2d"; }

 private:
  AvgPool2dOptions options_;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(IntPair output_size) : output_size_(output_size) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "AdaptiveAvgPool2d"; }

 private:
  IntPair output_size_;
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "pooling-inl.hpp"
#endif
