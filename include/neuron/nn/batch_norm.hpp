// nn::BatchNorm1d and nn::BatchNorm2d: PyTorch's parameters (weight, bias) and buffers
// (running_mean, running_var, num_batches_tracked). Inference only: forward in training mode
// would need batch statistics, which neuron does not compute, so it refuses (call eval()).
#pragma once

#include <cstdint>
#include <string>

#include "../ops/batch_norm.hpp"
#include "module.hpp"
#include "options.hpp"

namespace neuron::nn {

struct BatchNormOptions {
  explicit BatchNormOptions(std::int64_t num_features) : num_features_(num_features) {}
  NEURON_OPTION(std::int64_t, num_features);
  NEURON_OPTION(double, eps) = 1e-5;
  NEURON_OPTION(double, momentum) = 0.1;  // kept for torch parity; used only in training
  NEURON_OPTION(bool, affine) = true;
  NEURON_OPTION(bool, track_running_stats) = true;
};

class BatchNormBase : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  const BatchNormOptions& options() const { return options_; }

 protected:
  BatchNormBase(const BatchNormOptions& options, int min_rank, int max_rank);

 private:
  BatchNormOptions options_;
  int min_rank_, max_rank_;
};

// Input [B, C] or [B, C, L].
class BatchNorm1d : public BatchNormBase {
 public:
  explicit BatchNorm1d(const BatchNormOptions& options) : BatchNormBase(options, 2, 3) {}
  explicit BatchNorm1d(std::int64_t num_features) : BatchNorm1d(BatchNormOptions(num_features)) {}
  std::string type_name() const override { return "BatchNorm1d"; }
};

// Input [B, C, H, W].
class BatchNorm2d : public BatchNormBase {
 public:
  explicit BatchNorm2d(const BatchNormOptions& options) : BatchNormBase(options, 4, 4) {}
  explicit BatchNorm2d(std::int64_t num_features) : BatchNorm2d(BatchNormOptions(num_features)) {}
  std::string type_name() const override { return "BatchNorm2d"; }
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "batch_norm-inl.hpp"
#endif
