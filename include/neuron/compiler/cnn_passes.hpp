// Plan passes for convolutional networks, linears and layer norms. optimize() runs them on the
// lowered plans of both modes, before memory planning; fold_batch_norms needs constant weights
// (trace's), so lazy plans, whose weights are inputs, skip it:
//   fold_batch_norms      conv -> batch_norm becomes one conv with scaled weights and a bias
//   fuse_conv_epilogues   conv -> relu | relu6 | silu | hardswish, and conv -> add(residual),
//                         become one conv whose oneDNN post-ops apply them to its output
//   fuse_linear_epilogues linear -> relu | gelu | silu | ..., and linear -> add(residual), become
//                         one fused_linear (oneDNN post-ops), for GEMMs the kernel rule sends to
//                         oneDNN
//   fuse_add_layer_norm   a sum (a chain of float32 adds) -> layer_norm becomes one
//                         add_layer_norm, which normalizes each row of the sum while it is in
//                         cache (residual adds after a linear are fused_linear's already)
//   use_channels_last     activations between convolutions, pooling and same-shape elementwise
//                         ops stay channels-last (oneDNN's fast layout), reordered only at the
//                         boundaries of such regions; in blocks of `channel_block` channels
//                         where it divides them (-1: conv_channel_block(), this CPU's rule)
// Each returns what it changed; the plan computes the same values as before, up to rounding.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../core/config.hpp"
#include "../runtime/plan.hpp"

namespace neuron {

// How a pass reads a plan's weights and adds new ones (trace's weight table).
class PlanWeights {
 public:
  virtual ~PlanWeights() = default;
  virtual const Tensor& weight(int index) const = 0;
  virtual const std::string& weight_name(int index) const = 0;
  virtual int add_weight(const std::string& name, const Tensor& t) = 0;
};

int fold_batch_norms(Plan& plan, PlanWeights& weights);
// Returns {activations fused, residual adds fused}.
std::pair<int, int> fuse_conv_epilogues(Plan& plan);
// Returns {activations fused, residual adds fused}.
std::pair<int, int> fuse_linear_epilogues(Plan& plan);
// Returns the number of sums fused.
int fuse_add_layer_norm(Plan& plan);
int use_channels_last(Plan& plan, std::int64_t channel_block = -1);

// Drops slots no step, output or input binding refers to, and renumbers the rest.
void remove_unused_slots(Plan& plan);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "cnn_passes-inl.hpp"
#endif
