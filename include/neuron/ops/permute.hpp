// permute(x, dims) reorders dims (out.shape[i] = x.shape[dims[i]]) into a new contiguous tensor;
// transpose(x, a, b) is the permute that swaps two dims.
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

#include "layout.hpp"

namespace neuron {

struct Permute {
  static constexpr const char* name = "permute";
  std::vector<std::int64_t> dims;  // normalized
  NEURON_ATTRS(dims)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec&) const;
  void pad_rule(PadCheck& c) const { pad_rule_follow(c); }  // values move, none change
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims);
Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "permute-inl.hpp"
#endif
