// Definitions of slice.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "any_op-inl.hpp"
#include "layout-inl.hpp"
#include "slice.hpp"

namespace neuron {

NEURON_INLINE TensorSpec Slice::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 1);
  const Shape& s = in[0].shape;
  if (s.rank() == 0) throw_error<ShapeError>("slice: cannot slice a 0-d tensor");
  int d = normalize_dim(dim, s.rank(), name);
  if (step <= 0) throw_error<ValueError>("slice: step must be positive, got ", step);
  if (start < 0 || end < 0 || start > s[d] || end > s[d])
    throw_error<ShapeError>("slice: bounds [", start, ", ", end, ") outside dim ", d, " of extent ",
                            s[d]);
  Shape out = s;
  out[d] = length();
  return {out, in[0].dtype};
}

NEURON_INLINE DimFlow Slice::dim_flow(const std::vector<TensorSpec>& in,
                                      const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast(in, out);
  int d = normalize_dim(dim, in[0].shape.rank(), name);
  if (!(start == 0 && step == 1 && end == in[0].shape[d])) f.set(0, d, DimFlow::kLost);
  return f;
}

NEURON_INLINE void Slice::pad_rule(PadCheck& c) const {
  pad_rule_follow(c);
  const int d = normalize_dim(dim, c.in[0].shape.rank(), name);
  if (!c.padded(0, d) || c.flow_of(0, d) >= 0) return;
  const std::int64_t n = length(), last = n > 0 ? start + (n - 1) * step : -1;
  pad_rule_read_upto(c, 0, d, last, "it reads entries up to index");
}

NEURON_INLINE void Slice::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  int d = normalize_dim(dim, x.rank(), name);
  Split3 sp = split_around(x.shape(), d, d + 1);
  const std::size_t row = static_cast<std::size_t>(sp.inner) * dtype_size(x.dtype());
  const std::byte* src = static_cast<const std::byte*>(x.raw_data());
  std::byte* dst = static_cast<std::byte*>(out.raw_data());
  const std::int64_t len = length();
  for (std::int64_t o = 0; o < sp.outer; ++o)
    for (std::int64_t k = 0; k < len; ++k, dst += row)
      std::memcpy(dst, src + static_cast<std::size_t>(o * sp.mid + start + k * step) * row, row);
}

NEURON_INLINE Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t end,
                           std::int64_t step) {
  if (x.rank() == 0) throw_error<ShapeError>("slice: cannot slice a 0-d tensor");
  Slice op;
  op.dim = normalize_dim(dim, x.rank(), Slice::name);
  const std::int64_t n = x.shape()[static_cast<int>(op.dim)];
  auto clamp = [n](std::int64_t v) {
    if (v < 0) v = v < -n ? 0 : v + n;
    return std::min(v, n);
  };
  op.start = clamp(start);
  op.end = std::max(clamp(end), op.start);
  op.step = step;
  return run_op(op, {x});
}

}  // namespace neuron
