// Definitions of batch_norm.hpp.
#pragma once

#include <cstdint>

#include "../core/creation.hpp"
#include "../ops/batch_norm.hpp"
#include "batch_norm.hpp"
#include "module-inl.hpp"

namespace neuron::nn {

NEURON_INLINE BatchNormBase::BatchNormBase(const BatchNormOptions& o, int min_rank, int max_rank)
    : options_(o), min_rank_(min_rank), max_rank_(max_rank) {
  if (o.num_features() <= 0)
    throw_error<ValueError>("BatchNorm: num_features must be > 0, got ", o.num_features());
  if (!o.track_running_stats())
    throw_error<ValueError>(
        "BatchNorm: track_running_stats=false normalizes with batch statistics, which neuron "
        "does not compute (inference only)");
  const std::int64_t c = o.num_features();
  if (o.affine()) {
    register_parameter("weight", ones({c}));
    register_parameter("bias", zeros({c}));
  }
  register_buffer("running_mean", zeros({c}));
  register_buffer("running_var", ones({c}));
  register_buffer("num_batches_tracked", zeros({}, int64));
}

NEURON_INLINE Tensor BatchNormBase::forward(const Tensor& x) {
  if (is_training())
    throw_error<ValueError>(type_name(),
                            ": training mode normalizes with batch statistics, which neuron does "
                            "not compute; call eval() for inference");
  if (x.rank() < min_rank_ || x.rank() > max_rank_)
    throw_error<ShapeError>(type_name(), ": expected a ", min_rank_,
                            min_rank_ == max_rank_ ? "" : " or 3", "-d input, got shape ",
                            x.shape());
  const bool affine = options_.affine();
  return batch_norm(x, buffer("running_mean"), buffer("running_var"),
                    affine ? param("weight") : Tensor(), affine ? param("bias") : Tensor(),
                    options_.eps());
}

}  // namespace neuron::nn
