// nn::Conv1d, nn::Conv2d, nn::ConvTranspose2d with libtorch's option structs and PyTorch's
// parameter names (weight [out, in / groups, k...], bias [out]) and default initialisation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../ops/conv.hpp"
#include "module.hpp"
#include "options.hpp"

namespace neuron::nn {

struct Conv1dOptions {
  Conv1dOptions(std::int64_t in, std::int64_t out, std::int64_t kernel)
      : in_channels_(in), out_channels_(out), kernel_size_(kernel) {}
  NEURON_OPTION(std::int64_t, in_channels);
  NEURON_OPTION(std::int64_t, out_channels);
  NEURON_OPTION(std::int64_t, kernel_size);
  NEURON_OPTION(std::int64_t, stride) = 1;
  NEURON_OPTION(std::int64_t, padding) = 0;
  NEURON_OPTION(std::int64_t, dilation) = 1;
  NEURON_OPTION(std::int64_t, groups) = 1;
  NEURON_OPTION(bool, bias) = true;
};

struct Conv2dOptions {
  Conv2dOptions(std::int64_t in, std::int64_t out, IntPair kernel)
      : in_channels_(in), out_channels_(out), kernel_size_(kernel) {}
  NEURON_OPTION(std::int64_t, in_channels);
  NEURON_OPTION(std::int64_t, out_channels);
  NEURON_OPTION(IntPair, kernel_size);
  NEURON_OPTION(IntPair, stride) = 1;
  NEURON_OPTION(IntPair, padding) = 0;
  NEURON_OPTION(IntPair, dilation) = 1;
  NEURON_OPTION(std::int64_t, groups) = 1;
  NEURON_OPTION(bool, bias) = true;
};

struct ConvTranspose2dOptions {
  ConvTranspose2dOptions(std::int64_t in, std::int64_t out, IntPair kernel)
      : in_channels_(in), out_channels_(out), kernel_size_(kernel) {}
  NEURON_OPTION(std::int64_t, in_channels);
  NEURON_OPTION(std::int64_t, out_channels);
  NEURON_OPTION(IntPair, kernel_size);
  NEURON_OPTION(IntPair, stride) = 1;
  NEURON_OPTION(IntPair, padding) = 0;
  NEURON_OPTION(IntPair, output_padding) = 0;
  NEURON_OPTION(IntPair, dilation) = 1;
  NEURON_OPTION(std::int64_t, groups) = 1;
  NEURON_OPTION(bool, bias) = true;
};

class Conv1d : public Module {
 public:
  explicit Conv1d(const Conv1dOptions& options);
  Conv1d(std::int64_t in, std::int64_t out, std::int64_t kernel)
      : Conv1d(Conv1dOptions(in, out, kernel)) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Conv1d"; }
  const Conv1dOptions& options() const { return options_; }
  const Tensor& weight() const { return param("weight"); }

 private:
  Conv1dOptions options_;
};

class Conv2d : public Module {
 public:
  explicit Conv2d(const Conv2dOptions& options);
  Conv2d(std::int64_t in, std::int64_t out, IntPair kernel)
      : Conv2d(Conv2dOptions(in, out, kernel)) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Conv2d"; }
  const Conv2dOptions& options() const { return options_; }
  const Tensor& weight() const { return param("weight"); }

 private:
  Conv2dOptions options_;
};

class ConvTranspose2d : public Module {
 public:
  explicit ConvTranspose2d(const ConvTranspose2dOptions& options);
  ConvTranspose2d(std::int64_t in, std::int64_t out, IntPair kernel)
      : ConvTranspose2d(ConvTranspose2dOptions(in, out, kernel)) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ConvTranspose2d"; }
  const ConvTranspose2dOptions& options() const { return options_; }
  const Tensor& weight() const { return param("weight"); }

 private:
  ConvTranspose2dOptions options_;
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "conv-inl.hpp"
#endif
