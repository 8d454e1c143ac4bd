// Definitions of indexing.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "any_op-inl.hpp"
#include "indexing.hpp"
#include "layout-inl.hpp"

namespace neuron {

namespace detail {

NEURON_INLINE std::int64_t checked_dim(const char* op, std::int64_t dim, const Shape& s) {
  if (dim < 0 || dim >= std::max(s.rank(), 1))
    throw_error<ShapeError>(op, ": dim ", dim, " out of range for the input of shape ", s);
  return s.rank() ? s[static_cast<int>(dim)] : 1;
}

// Index k of an int32 or int64 tensor, checked against [0, size).
NEURON_INLINE std::int64_t checked_index(const char* op, const Tensor& index, std::int64_t k,
                                         std::int64_t dim, std::int64_t size) {
  const std::int64_t v = index.dtype() == int32
                             ? static_cast<std::int64_t>(index.data<std::int32_t>()[k])
                             : index.data<std::int64_t>()[k];
  if (v < 0 || v >= size)
    throw_error<IndexError>(op, ": index ", v, " is out of bounds for dim ", dim, " with size ",
                            size, " (expected 0 <= index < ", size, ")");
  return v;
}

NEURON_INLINE void expect_index_vector(const char* op, const TensorSpec& index, bool int64_only) {
  if (int64_only ? index.dtype != int64 : !is_integral(index.dtype))
    throw_error<DTypeError>(op, ": index must be ", int64_only ? "int64" : "int32 or int64",
                            ", got ", index.dtype);
  if (index.shape.rank() > 1)
    throw_error<ShapeError>(op, ": index must be 1-d (or 0-d), got shape ", index.shape);
}

}  // namespace detail

NEURON_INLINE TensorSpec Gather::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 2);
  const TensorSpec& x = in[0];
  const TensorSpec& index = in[1];
  detail::checked_dim(name, dim, x.shape);
  if (index.dtype != int64)
    throw_error<DTypeError>("gather: index must be int64 (as torch), got ", index.dtype);
  if (index.shape.rank() != x.shape.rank())
    throw_error<ShapeError>("gather: index of shape ", index.shape,
                            " must have the rank of the input of shape ", x.shape);
  for (int d = 0; d < x.shape.rank(); ++d)
    if (d != dim && index.shape[d] > x.shape[d])
      throw_error<ShapeError>("gather: index of shape ", index.shape,
                              " is larger than the input of shape ", x.shape, " in dim ", d);
  return {index.shape, x.dtype};
}

// Output positions follow the index; where they read from x depends on the index's values.
NEURON_INLINE DimFlow Gather::dim_flow(const std::vector<TensorSpec>& in, const TensorSpec&) const {
  DimFlow f = DimFlow::all(in, DimFlow::kLost);
  for (int d = 0; d < in[1].shape.rank(); ++d) f.set(1, d, d);
  return f;
}

NEURON_INLINE void Gather::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  const Tensor& index = in[1];
  const Shape& xs = x.shape();
  const Shape& is = index.shape();
  const int rank = xs.rank();
  const std::int64_t size = rank ? xs[static_cast<int>(dim)] : 1;
  const auto xst = contiguous_strides(xs);
  const std::size_t es = dtype_size(x.dtype());
  const std::byte* src = static_cast<const std::byte*>(x.raw_data());
  std::byte* dst = static_cast<std::byte*>(out.raw_data());
  std::vector<std::int64_t> at(static_cast<std::size_t>(rank), 0);
  for (std::int64_t k = 0; k < index.numel(); ++k) {
    const std::int64_t v = detail::checked_index(name, index, k, dim, size);
    std::int64_t off = 0;
    for (int d = 0; d < rank; ++d)
      off += (d == dim ? v : at[static_cast<std::size_t>(d)]) * xst[static_cast<std::size_t>(d)];
    std::memcpy(dst + static_cast<std::size_t>(k) * es, src + static_cast<std::size_t>(off) * es,
                es);
    for (int d = rank - 1; d >= 0; --d) {  // next multi-index of the index tensor
      if (++at[static_cast<std::size_t>(d)] < is[d]) break;
      at[static_cast<std::size_t>(d)] = 0;
    }
  }
}

NEURON_INLINE TensorSpec IndexSelect::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 2);
  const TensorSpec& x = in[0];
  if (x.shape.rank() == 0)
    throw_error<ShapeError>("index_select: the input must have at least 1 dim, got a 0-d tensor");
  detail::checked_dim(name, dim, x.shape);
  detail::expect_index_vector(name, in[1], false);
  Shape out = x.shape;
  out[static_cast<int>(dim)] = in[1].shape.numel();
  return {out, x.dtype};
}

NEURON_INLINE DimFlow IndexSelect::dim_flow(const std::vector<TensorSpec>& in,
                                            const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast({in[0]}, out);
  f.set(0, static_cast<int>(dim), DimFlow::kLost);
  f.in.push_back(
      std::vector<int>(static_cast<std::size_t>(in[1].shape.rank()), static_cast<int>(dim)));
  return f;
}

NEURON_INLINE void IndexSelect::pad_rule(PadCheck& c) const {
  pad_rule_follow(c, 0);
  const int d = static_cast<int>(dim);
  if (!c.padded(0, d)) return;
  const Tensor* index = c.constant(1);
  if (!index) {
    c.need(0, d, "its index is computed, so it may pick padded entries");
    return;
  }
  std::int64_t last = -1;
  for (std::int64_t i = 0; i < index->numel(); ++i) {
    std::int64_t v = 0;
    convert_buffer(static_cast<const std::byte*>(index->raw_data()) +
                       static_cast<std::size_t>(i) * dtype_size(index->dtype()),
                   index->dtype(), &v, int64, 1);
    last = std::max(last, v < 0 ? std::numeric_limits<std::int64_t>::max() : v);
  }
  pad_rule_read_upto(c, 0, d, last, "its index reaches entry");
}

NEURON_INLINE void IndexSelect::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  const Tensor& index = in[1];
  const Split3 sp = split_around(x.shape(), static_cast<int>(dim), static_cast<int>(dim) + 1);
  const std::int64_t n = index.numel();
  std::vector<std::int64_t> idx(static_cast<std::size_t>(n));
  for (std::int64_t j = 0; j < n; ++j)
    idx[static_cast<std::size_t>(j)] = detail::checked_index(name, index, j, dim, sp.mid);
  const std::size_t row = static_cast<std::size_t>(sp.inner) * dtype_size(x.dtype());
  const std::byte* src = static_cast<const std::byte*>(x.raw_data());
  std::byte* dst = static_cast<std::byte*>(out.raw_data());
  for (std::int64_t o = 0; o < sp.outer; ++o)
    for (std::int64_t j = 0; j < n; ++j)
      std::memcpy(
          dst + static_cast<std::size_t>(o * n + j) * row,
          src + static_cast<std::size_t>(o * sp.mid + idx[static_cast<std::size_t>(j)]) * row, row);
}

NEURON_INLINE TensorSpec IndexCopy::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 3);
  const TensorSpec& x = in[0];
  const TensorSpec& source = in[2];
  if (x.shape.rank() == 0)
    throw_error<ShapeError>("index_copy: the input must have at least 1 dim, got a 0-d tensor");
  detail::checked_dim(name, dim, x.shape);
  detail::expect_index_vector(name, in[1], true);
  if (source.dtype != x.dtype)
    throw_error<DTypeError>("index_copy: source has dtype ", source.dtype, " but the input has ",
                            x.dtype);
  Shape want = x.shape;
  want[static_cast<int>(dim)] = in[1].shape.numel();
  if (source.shape != want)
    throw_error<ShapeError>("index_copy: source has shape ", source.shape, ", expected ", want,
                            " for the input of shape ", x.shape, " and an index of ",
                            in[1].shape.numel(), " elements along dim ", dim);
  return x;
}

NEURON_INLINE DimFlow IndexCopy::dim_flow(const std::vector<TensorSpec>& in,
                                          const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast({in[0]}, out);
  f.set(0, static_cast<int>(dim), DimFlow::kLost);
  f.in.push_back(std::vector<int>(static_cast<std::size_t>(in[1].shape.rank()), DimFlow::kLost));
  std::vector<int> s;
  for (int d = 0; d < in[2].shape.rank(); ++d) s.push_back(d == dim ? DimFlow::kLost : d);
  f.in.push_back(s);
  return f;
}

NEURON_INLINE void IndexCopy::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  const Tensor& index = in[1];
  const Tensor& source = in[2];
  const Split3 sp = split_around(x.shape(), static_cast<int>(dim), static_cast<int>(dim) + 1);
  const std::int64_t n = index.numel();
  std::vector<std::int64_t> idx(static_cast<std::size_t>(n));
  for (std::int64_t j = 0; j < n; ++j)  // every index is checked before anything is written
    idx[static_cast<std::size_t>(j)] = detail::checked_index(name, index, j, dim, sp.mid);
  const std::size_t row = static_cast<std::size_t>(sp.inner) * dtype_size(x.dtype());
  std::byte* dst = static_cast<std::byte*>(out.raw_data());
  if (x.numel())
    std::memcpy(dst, x.raw_data(), static_cast<std::size_t>(x.numel()) * dtype_size(x.dtype()));
  const std::byte* src = static_cast<const std::byte*>(source.raw_data());
  for (std::int64_t o = 0; o < sp.outer; ++o)
    for (std::int64_t j = 0; j < n; ++j)
      std::memcpy(
          dst + static_cast<std::size_t>(o * sp.mid + idx[static_cast<std::size_t>(j)]) * row,
          src + static_cast<std::size_t>(o * n + j) * row, row);
}

NEURON_INLINE Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index) {
  Gather op;
  op.dim = normalize_dim(dim, x.rank(), "gather");
  return run_op(op, {x, index});
}
NEURON_INLINE Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index) {
  IndexSelect op;
  op.dim = normalize_dim(dim, x.rank(), "index_select");
  return run_op(op, {x, index});
}
NEURON_INLINE Tensor index_copy(const Tensor& x, std::int64_t dim, const Tensor& index,
                                const Tensor& source) {
  IndexCopy op;
  op.dim = normalize_dim(dim, x.rank(), "index_copy");
  return run_op(op, {x, index, source});
}

}  // namespace neuron
