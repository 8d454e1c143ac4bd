// slice(x, dim, start, end, step): x[..., start:end:step, ...] with Python's rules: negative start
// and end count from the end, out-of-range bounds are clamped, step must be positive.
#pragma once

#include <cstdint>
#include <limits>
#include <tuple>
#include <vector>

#include "layout.hpp"

namespace neuron {

struct Slice {
  static constexpr const char* name = "slice";
  std::int64_t dim = 0;                       // normalized
  std::int64_t start = 0, end = 0, step = 1;  // resolved: 0 <= start, end <= extent
  NEURON_ATTRS(dim, start, end, step)

  std::int64_t length() const { return end > start ? (end - start - 1) / step + 1 : 0; }

  TensorSpec infer(const std::vector<TensorSpec>& in) const;

  // The sliced dim survives only when the slice keeps all of it.
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  // A slice of a padded dim that reads only entries real in every call (token 0: BERT's pooler)
  // has no padding left; other dims keep what their padded entries hold.
  void pad_rule(PadCheck& c) const;

  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start,
             std::int64_t end = std::numeric_limits<std::int64_t>::max(), std::int64_t step = 1);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "slice-inl.hpp"
#endif
