// Definitions of concat.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "any_op-inl.hpp"
#include "concat.hpp"
#include "layout-inl.hpp"

namespace neuron {

NEURON_INLINE TensorSpec Concat::infer(const std::vector<TensorSpec>& in) const {
  if (in.empty()) throw_error<ValueError>("concat: expected at least one tensor");
  const Shape& first = in[0].shape;
  if (first.rank() == 0)
    throw_error<ShapeError>(
        "concat: input 0 is 0-d; zero-dimensional tensors cannot be "
        "concatenated (reshape to [1] first)");
  int d = normalize_dim(dim, first.rank(), name);
  Shape out = first;
  ResultType rt;
  for (std::size_t k = 0; k < in.size(); ++k) {
    const Shape& s = in[k].shape;
    bool ok = s.rank() == first.rank();
    for (int i = 0; ok && i < s.rank(); ++i) ok = i == d || s[i] == first[i];
    if (!ok)
      throw_error<ShapeError>("concat: input ", k, " has shape ", s, " but input 0 has shape ",
                              first, "; all dims except dim ", d, " must match");
    if (k) {
      if (s[d] > std::numeric_limits<std::int64_t>::max() / 2 - out[d])
        throw_error<ShapeError>("concat: the concatenated dim ", d, " is too large");
      out[d] = out[d] + s[d];
    }
    rt.add({in[k].dtype, Priority::dimensioned});
  }
  return {out, rt.result()};
}

NEURON_INLINE DimFlow Concat::dim_flow(const std::vector<TensorSpec>& in,
                                       const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast(in, out);
  int d = normalize_dim(dim, in[0].shape.rank(), name);
  for (std::size_t k = 0; k < in.size(); ++k) f.set(k, d, DimFlow::kLost);
  return f;
}

NEURON_INLINE void Concat::run(const std::vector<Tensor>& in, Tensor& out) const {
  int d = normalize_dim(dim, out.rank(), name);
  Split3 osp = split_around(out.shape(), d, d + 1);
  const std::size_t es = dtype_size(out.dtype());
  std::byte* base = static_cast<std::byte*>(out.raw_data());
  std::int64_t at = 0;  // offset along dim
  for (const Tensor& t : in) {
    const std::int64_t len = t.shape()[d];
    const std::int64_t chunk = len * osp.inner;
    const std::byte* src = static_cast<const std::byte*>(t.raw_data());
    for (std::int64_t o = 0; o < osp.outer; ++o)
      convert_buffer(src + static_cast<std::size_t>(o * chunk) * dtype_size(t.dtype()), t.dtype(),
                     base + static_cast<std::size_t>((o * osp.mid + at) * osp.inner) * es,
                     out.dtype(), chunk);
    at += len;
  }
}

NEURON_INLINE Tensor concat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  Concat op;
  if (tensors.empty()) throw_error<ValueError>("concat: expected at least one tensor");
  if (!tensors[0].defined()) throw_error<ValueError>("concat: input 0 is undefined");
  op.dim = normalize_dim(dim, tensors[0].rank(), Concat::name);
  return run_op(op, tensors);
}

}  // namespace neuron
