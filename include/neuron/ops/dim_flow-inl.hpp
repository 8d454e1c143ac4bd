// Definitions of dim_flow.hpp.
#pragma once

#include <utility>

#include "dim_flow.hpp"

namespace neuron {

NEURON_INLINE DimFlow DimFlow::all(const std::vector<TensorSpec>& in, int value) {
  DimFlow f;
  for (const TensorSpec& s : in) f.in.emplace_back(static_cast<std::size_t>(s.shape.rank()), value);
  return f;
}

NEURON_INLINE DimFlow DimFlow::broadcast(const std::vector<TensorSpec>& in, const TensorSpec& out) {
  DimFlow f;
  for (const TensorSpec& s : in) {
    std::vector<int> dims(static_cast<std::size_t>(s.shape.rank()));
    for (int d = 0; d < s.shape.rank(); ++d)
      dims[static_cast<std::size_t>(d)] = out.shape.rank() - s.shape.rank() + d;
    f.in.push_back(std::move(dims));
  }
  return f;
}

NEURON_INLINE void DimFlow::set(std::size_t input, int dim, int value) {
  if (input < in.size() && dim >= 0 && dim < static_cast<int>(in[input].size()))
    in[input][static_cast<std::size_t>(dim)] = value;
}

}  // namespace neuron
