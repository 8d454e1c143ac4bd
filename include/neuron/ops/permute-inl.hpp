// Definitions of permute.hpp.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "any_op-inl.hpp"
#include "layout-inl.hpp"
#include "permute.hpp"

namespace neuron {

NEURON_INLINE TensorSpec Permute::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 1);
  const Shape& s = in[0].shape;
  if (static_cast<int>(dims.size()) != s.rank())
    throw_error<ShapeError>("permute: got ", dims.size(), " dims for a tensor of rank ", s.rank(),
                            " (shape ", s, ")");
  std::vector<bool> seen(dims.size(), false);
  Shape out;
  for (std::int64_t d : dims) {
    int n = normalize_dim(d, s.rank(), name);
    if (seen[static_cast<std::size_t>(n)])
      throw_error<ShapeError>("permute: dim ", d, " appears more than once");
    seen[static_cast<std::size_t>(n)] = true;
    out.push_back(s[n]);
  }
  return {out, in[0].dtype};
}

NEURON_INLINE DimFlow Permute::dim_flow(const std::vector<TensorSpec>& in,
                                        const TensorSpec&) const {
  DimFlow f = DimFlow::all(in, DimFlow::kLost);
  for (std::size_t k = 0; k < dims.size(); ++k)
    f.set(0, normalize_dim(dims[k], in[0].shape.rank(), name), static_cast<int>(k));
  return f;
}

NEURON_INLINE void Permute::run(const std::vector<Tensor>& in, Tensor& out) const {
  std::vector<int> perm;
  for (std::int64_t d : dims) perm.push_back(normalize_dim(d, in[0].rank(), name));
  permute_copy(in[0].raw_data(), in[0].shape(), perm, out.raw_data(), dtype_size(in[0].dtype()));
}

NEURON_INLINE Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims) {
  Permute op;
  op.dims = dims;
  op.infer({spec_of(x)});  // validates before normalizing
  for (auto& d : op.dims) d = normalize_dim(d, x.rank(), Permute::name);
  return run_op(op, {x});
}

NEURON_INLINE Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1) {
  int a = normalize_dim(dim0, x.rank(), "transpose");
  int b = normalize_dim(dim1, x.rank(), "transpose");
  std::vector<std::int64_t> dims;
  for (int i = 0; i < x.rank(); ++i) dims.push_back(i);
  if (x.rank() > 0) std::swap(dims[static_cast<std::size_t>(a)], dims[static_cast<std::size_t>(b)]);
  return permute(x, dims);
}

}  // namespace neuron
