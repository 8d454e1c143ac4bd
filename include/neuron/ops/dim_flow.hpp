// Dim flow: how the values along each input dim of an op reach its output. trace_buckets and
// dynamic_batch pad some input dims; following the flow through a graph tells which output dims
// carry the padding (to slice it off) and which op would mix padded values into real ones
// (refused).
//
// An op describes its flow with an optional member
//   DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
// Elementwise ops follow broadcasting; an op without a description blocks padding entirely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "op_base.hpp"

namespace neuron {

struct DimFlow {
  // Values along this input dim are combined (a reduction, a contraction, a normalization).
  static constexpr int kMixed = -1;
  // The dim does not survive whole (sliced, merged, indexed): padding cannot be followed through.
  static constexpr int kLost = -2;
  // in[i][d]: the output dim that input i's dim d becomes, or kMixed / kLost.
  std::vector<std::vector<int>> in;

  static DimFlow all(const std::vector<TensorSpec>& in, int value);
  // Every input dim goes to the output dim at the same position counted from the right
  // (broadcasting; also ops whose output has the input's shape).
  static DimFlow broadcast(const std::vector<TensorSpec>& in, const TensorSpec& out);
  void set(std::size_t input, int dim, int value);
};

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "dim_flow-inl.hpp"
#endif
