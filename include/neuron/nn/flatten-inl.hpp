// Definitions of flatten.hpp.
#pragma once

#include <cstdint>
#include <vector>

#include "../ops/reshape.hpp"
#include "flatten.hpp"
#include "module-inl.hpp"

namespace neuron::nn {

NEURON_INLINE Tensor Flatten::forward(const Tensor& x) {
  const int r = x.rank();
  if (r == 0) return reshape(x, {1});  // torch: a 0-d tensor flattens to [1]
  const int s = normalize_dim(start_, r, "Flatten start_dim");
  const int e = normalize_dim(end_, r, "Flatten end_dim");
  if (s > e)
    throw_error<ValueError>("Flatten: start_dim ", start_, " comes after end_dim ", end_,
                            " for input ", x.shape());
  std::vector<std::int64_t> shape;
  std::int64_t merged = 1;
  for (int d = 0; d < r; ++d) {
    if (d < s || d > e) {
      shape.push_back(x.shape()[d]);
    } else {
      merged *= x.shape()[d];
      if (d == e) shape.push_back(merged);
    }
  }
  return reshape(x, shape);
}

}  // namespace neuron::nn
