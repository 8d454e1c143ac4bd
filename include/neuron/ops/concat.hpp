// concat(tensors, dim): joins tensors along an existing dim; the others must match. Dtypes promote
// like torch.cat.
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

#include "layout.hpp"

namespace neuron {

struct Concat {
  static constexpr const char* name = "concat";
  std::int64_t dim = 0;  // normalized
  NEURON_ATTRS(dim)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;

  // Along the concatenated dim, later inputs start where earlier ones end: padding would shift
  // them.
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  // Along other dims: the padded entries of the parts, side by side.
  void pad_rule(PadCheck& c) const { pad_rule_follow(c); }

  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

Tensor concat(const std::vector<Tensor>& tensors, std::int64_t dim);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "concat-inl.hpp"
#endif
