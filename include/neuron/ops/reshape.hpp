// reshape to a shape with the same number of elements; one extent may be -1 (inferred).
// Eagerly it returns a view sharing the input's storage (tensors are always contiguous).
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

#include "any_op.hpp"

namespace neuron {

struct Reshape {
  static constexpr const char* name = "reshape";
  std::vector<std::int64_t> shape;  // resolved: no -1
  NEURON_ATTRS(shape)
  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  // A dim survives when it keeps its size and everything before it keeps its element count.
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void pad_rule(PadCheck& c) const { pad_rule_follow(c); }  // values move, none change
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

Tensor reshape(const Tensor& x, const std::vector<std::int64_t>& shape);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "reshape-inl.hpp"
#endif
