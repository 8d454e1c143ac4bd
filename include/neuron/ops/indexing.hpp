// Indexing by integer tensors, torch semantics: gather, index_select, index_copy (functional).
// Indices are data: every one is checked when the op runs; one out of [0, size) (negative ones
// too, as torch 1.13) is an IndexError naming the op, the index and the bound.
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

#include "any_op.hpp"

namespace neuron {

// out[i][j][k] = x[i][index[i][j][k]][k] for dim 1. index: int64, same rank as x, no larger than x
// in the other dims; the output has the index's shape.
struct Gather {
  static constexpr const char* name = "gather";
  std::int64_t dim = 0;  // normalized
  NEURON_ATTRS(dim)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

// The slices of x along dim picked by a 1-d (or 0-d) int32/int64 index, in order.
struct IndexSelect {
  static constexpr const char* name = "index_select";
  std::int64_t dim = 0;  // normalized
  NEURON_ATTRS(dim)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  // As slice: a constant index into entries of a padded dim that are real in every call leaves
  // no padding; x's other dims keep what their padded entries hold.
  void pad_rule(PadCheck& c) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

// A copy of x whose slices index[i] along dim are source's slices i (later ones win on repeated
// indices). index: 1-d (or 0-d) int64; source: x's dtype and shape but index.numel() along dim.
struct IndexCopy {
  static constexpr const char* name = "index_copy";
  std::int64_t dim = 0;  // normalized
  NEURON_ATTRS(dim)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index);
Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index);
Tensor index_copy(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& source);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "indexing-inl.hpp"
#endif
