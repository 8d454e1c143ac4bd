// Definitions of sequence.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <type_traits>
#include <vector>

#include "any_op-inl.hpp"
#include "layout-inl.hpp"
#include "sequence.hpp"

namespace neuron {

template <class Derived, bool IsMax>
TensorSpec ArgReduceOp<Derived, IsMax>::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(Derived::name, in, 1);
  const TensorSpec& x = in[0];
  if (x.dtype == bool_)
    throw_error<DTypeError>(Derived::name, ": bool input is not supported (as torch); cast first");
  if (all) {
    if (x.shape.numel() == 0)
      throw_error<ShapeError>(Derived::name, ": cannot reduce an empty tensor (shape ", x.shape,
                              ") over all its elements; give a dim");
    Shape out;
    for (int d = 0; d < x.shape.rank() && keepdim; ++d) out.push_back(1);
    return {out, int64};
  }
  const int rank = x.shape.rank();
  if (dim < 0 || dim >= std::max(rank, 1))
    throw_error<ShapeError>(Derived::name, ": dim ", dim, " out of range for rank ", rank);
  if (rank == 0) return {Shape{}, int64};
  if (x.shape[static_cast<int>(dim)] == 0)
    throw_error<ShapeError>(Derived::name, ": cannot reduce over dim ", dim,
                            " of size 0 (input shape ", x.shape, ")");
  Shape out;
  for (int d = 0; d < rank; ++d) {
    if (d != dim)
      out.push_back(x.shape[d]);
    else if (keepdim)
      out.push_back(1);
  }
  return {out, int64};
}

template <class Derived, bool IsMax>
DimFlow ArgReduceOp<Derived, IsMax>::dim_flow(const std::vector<TensorSpec>& in,
                                              const TensorSpec&) const {
  DimFlow f = DimFlow::all(in, DimFlow::kMixed);
  if (all) return f;
  int at = 0;
  for (int d = 0; d < in[0].shape.rank(); ++d) {
    if (d != dim) f.set(0, d, at);
    if (d != dim || keepdim) ++at;
  }
  return f;
}

template <class Derived, bool IsMax>
void ArgReduceOp<Derived, IsMax>::pad_rule(PadCheck& c) const {
  const DType t = c.in[0].dtype;
  const double worst = IsMax ? lowest_of(t) : highest_of(t);
  pad_rule_identity(c, worst, pad_fill_str(PadFill::of(worst), t) + " there");
}

template <class Derived, bool IsMax>
void ArgReduceOp<Derived, IsMax>::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  const Shape& s = x.shape();
  Split3 sp{1, s.numel(), 1};
  if (!all && s.rank() > 0) sp = split_around(s, static_cast<int>(dim), static_cast<int>(dim) + 1);
  std::int64_t* y = out.data<std::int64_t>();
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      const T* p = x.data<T>();
      for (std::int64_t o = 0; o < sp.outer; ++o)
        for (std::int64_t i = 0; i < sp.inner; ++i) {
          const T* base = p + o * sp.mid * sp.inner + i;
          T best = base[0];
          std::int64_t at = 0;
          bool nan = false;
          if constexpr (std::is_floating_point_v<T>) nan = std::isnan(best);
          for (std::int64_t m = 1; m < sp.mid && !nan; ++m) {
            const T v = base[m * sp.inner];
            if constexpr (std::is_floating_point_v<T>) {
              if (std::isnan(v)) {  // torch: the first NaN wins for argmax and argmin
                at = m;
                nan = true;
                break;
              }
            }
            if (IsMax ? v > best : v < best) {  // strict: the first occurrence of a tie wins
              best = v;
              at = m;
            }
          }
          y[o * sp.inner + i] = at;
        }
    }
  });
}

NEURON_INLINE TensorSpec Cumsum::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 1);
  const TensorSpec& x = in[0];
  if (dim < 0 || dim >= std::max(x.shape.rank(), 1))
    throw_error<ShapeError>("cumsum: dim ", dim, " out of range for rank ", x.shape.rank());
  return {x.shape, is_floating(x.dtype) ? x.dtype : int64};
}

NEURON_INLINE DimFlow Cumsum::dim_flow(const std::vector<TensorSpec>& in,
                                       const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast(in, out);
  if (in[0].shape.rank() > 0) f.set(0, static_cast<int>(dim), DimFlow::kMixed);
  return f;
}

NEURON_INLINE void Cumsum::pad_rule(PadCheck& c) const {
  if (c.in[0].shape.rank() > 0 && c.padded(0, static_cast<int>(dim)))
    c.keep(0, static_cast<int>(dim), static_cast<int>(dim));
}

NEURON_INLINE void Cumsum::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  const Shape& s = x.shape();
  Split3 sp{1, 1, s.numel()};
  if (s.rank() > 0) sp = split_around(s, static_cast<int>(dim), static_cast<int>(dim) + 1);
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using O = std::conditional_t<std::is_floating_point_v<T>, T, std::int64_t>;
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, std::uint64_t>;
    const T* p = x.data<T>();
    O* y = out.data<O>();
    for (std::int64_t o = 0; o < sp.outer; ++o)
      for (std::int64_t i = 0; i < sp.inner; ++i) {
        const std::int64_t base = o * sp.mid * sp.inner + i;
        Acc acc = 0;
        for (std::int64_t m = 0; m < sp.mid; ++m) {
          acc += static_cast<Acc>(p[base + m * sp.inner]);  // unsigned: wraps, never undefined
          y[base + m * sp.inner] = static_cast<O>(acc);
        }
      }
  });
}

NEURON_INLINE TensorSpec TopK::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 1);
  const TensorSpec& x = in[0];
  if (x.dtype == bool_)
    throw_error<DTypeError>("topk: bool input is not supported (as torch); cast first");
  const int rank = x.shape.rank();
  if (dim < 0 || dim >= std::max(rank, 1))
    throw_error<ShapeError>("topk: dim ", dim, " out of range for the input of shape ", x.shape);
  const std::int64_t n = rank ? x.shape[static_cast<int>(dim)] : 1;
  if (k < 0 || k > n)
    throw_error<ValueError>("topk: k = ", k, " is out of range for dim ", dim, " of size ", n,
                            " (input shape ", x.shape, "); expected 0 <= k <= ", n);
  Shape out = x.shape;
  if (rank) out[static_cast<int>(dim)] = k;
  return {out, indices ? int64 : x.dtype};
}

NEURON_INLINE DimFlow TopK::dim_flow(const std::vector<TensorSpec>& in,
                                     const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast(in, out);
  if (in[0].shape.rank() > 0) f.set(0, static_cast<int>(dim), DimFlow::kMixed);
  return f;
}

namespace detail {
// The top k of every row of x along op.dim into `values` and / or `indices` (either may be null),
// already allocated with the shapes TopK::infer gives.
NEURON_INLINE void topk_kernel(const TopK& op, const Tensor& x, Tensor* values, Tensor* indices) {
  const Shape& s = x.shape();
  Split3 sp;  // a 0-d input is one row of one entry, and its top "k" is that entry (as torch)
  std::int64_t k = 1;
  if (s.rank() > 0) {
    sp = split_around(s, static_cast<int>(op.dim), static_cast<int>(op.dim) + 1);
    k = op.k;
  }
  if (k == 0 || sp.outer * sp.inner == 0) return;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      const T* p = x.data<T>();
      T* v = values ? values->data<T>() : nullptr;
      std::int64_t* ix = indices ? indices->data<std::int64_t>() : nullptr;
      std::vector<std::int64_t> order(static_cast<std::size_t>(sp.mid));
      for (std::int64_t o = 0; o < sp.outer; ++o)
        for (std::int64_t i = 0; i < sp.inner; ++i) {
          const T* row = p + o * sp.mid * sp.inner + i;
          // a comes before b: the larger (smaller) value, NaN above every number, then the lower
          // index.
          auto before = [&](std::int64_t a, std::int64_t b) {
            const T va = row[a * sp.inner], vb = row[b * sp.inner];
            if constexpr (std::is_floating_point_v<T>) {
              const bool na = std::isnan(va), nb = std::isnan(vb);
              if (na != nb) return op.largest ? na : nb;
              if (na) return a < b;
            }
            if (va != vb) return op.largest ? va > vb : va < vb;
            return a < b;
          };
          std::iota(order.begin(), order.end(), std::int64_t{0});
          std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
          for (std::int64_t j = 0; j < k; ++j) {
            const std::int64_t at = (o * k + j) * sp.inner + i;
            const std::int64_t m = order[static_cast<std::size_t>(j)];
            if (v) v[at] = row[m * sp.inner];
            if (ix) ix[at] = m;
          }
        }
    }
  });
}
}  // namespace detail

NEURON_INLINE void TopK::run(const std::vector<Tensor>& in, Tensor& out) const {
  detail::topk_kernel(*this, in[0], indices ? nullptr : &out, indices ? &out : nullptr);
}

template <class Derived, bool Upper>
TensorSpec TriangleOp<Derived, Upper>::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(Derived::name, in, 1);
  if (in[0].shape.rank() < 2)
    throw_error<ShapeError>(Derived::name, ": input must have at least 2 dims, got shape ",
                            in[0].shape);
  return in[0];
}

// What an entry becomes depends on its row and column: the last two dims are not followed.
template <class Derived, bool Upper>
DimFlow TriangleOp<Derived, Upper>::dim_flow(const std::vector<TensorSpec>& in,
                                             const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast(in, out);
  const int r = in[0].shape.rank();
  f.set(0, r - 2, DimFlow::kLost);
  f.set(0, r - 1, DimFlow::kLost);
  return f;
}

template <class Derived, bool Upper>
void TriangleOp<Derived, Upper>::pad_rule(PadCheck& c) const {
  const int r = c.in[0].shape.rank();
  const int rows = r - 2, cols = r - 1;
  const bool pr = c.padded(0, rows), pc = c.padded(0, cols);
  if (!pr && !pc) return;
  // Whether entry (i, j) is kept depends on j - i against the diagonal. Padded columns of real
  // rows have j - i >= 1 when rows and columns are padded alike (a causal [L, L]); padded rows of
  // real columns have j - i <= -1. Otherwise j - i may be anything.
  auto fill = [&](int d, bool diff_positive) {
    const PadFill x = c.fill(0, d);
    const bool same = c.alike(0, rows, 0, cols);
    bool always_kept = false, never_kept = false;
    if (same) {
      if (Upper) {  // kept iff j - i >= diagonal
        always_kept = diff_positive ? diagonal <= 1 : false;
        never_kept = diff_positive ? false : diagonal >= 0;
      } else {  // kept iff j - i <= diagonal
        always_kept = diff_positive ? false : diagonal >= -1;
        never_kept = diff_positive ? diagonal <= 0 : false;
      }
    }
    if (always_kept) return x;
    if (never_kept || x.is(0)) return PadFill::of(0);
    return PadFill::unknown();
  };
  if (pr) {
    c.keep(0, rows, rows);
    c.set_out(rows, fill(rows, false));
  }
  if (pc) {
    c.keep(0, cols, cols);
    c.set_out(cols, fill(cols, true));
  }
  // The batch dims in front are followed by the dim flow; their padded entries are unknown.
}

template <class Derived, bool Upper>
void TriangleOp<Derived, Upper>::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  const Shape& s = x.shape();
  const std::int64_t rows = s[s.rank() - 2], cols = s[s.rank() - 1];
  const std::int64_t mats = rows * cols ? s.numel() / (rows * cols) : 0;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = x.data<T>();
    T* y = out.data<T>();
    for (std::int64_t b = 0; b < mats; ++b)
      for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j) {
          const std::int64_t k = (b * rows + i) * cols + j;
          const bool keep = Upper ? j - i >= diagonal : j - i <= diagonal;
          y[k] = keep ? p[k] : T(0);
        }
  });
}

#ifndef NEURON_HEADER_ONLY
template struct ArgReduceOp<ArgMax, true>;
template struct ArgReduceOp<ArgMin, false>;
template struct TriangleOp<Triu, true>;
template struct TriangleOp<Tril, false>;
#endif

namespace detail {
template <class Op>
Tensor arg_reduce(const Tensor& x, std::int64_t dim, bool keepdim, bool all) {
  Op op;
  op.all = all;
  op.keepdim = keepdim;
  if (!all) op.dim = normalize_dim(dim, x.rank(), Op::name);
  return run_op(op, {x});
}
}  // namespace detail

NEURON_INLINE Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) {
  return detail::arg_reduce<ArgMax>(x, dim, keepdim, false);
}
NEURON_INLINE Tensor argmax(const Tensor& x) {
  return detail::arg_reduce<ArgMax>(x, 0, false, true);
}
NEURON_INLINE Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim) {
  return detail::arg_reduce<ArgMin>(x, dim, keepdim, false);
}
NEURON_INLINE Tensor argmin(const Tensor& x) {
  return detail::arg_reduce<ArgMin>(x, 0, false, true);
}

NEURON_INLINE Tensor cumsum(const Tensor& x, std::int64_t dim) {
  Cumsum op;
  op.dim = normalize_dim(dim, x.rank(), "cumsum");
  return run_op(op, {x});
}

NEURON_INLINE TopKResult topk(const Tensor& x, std::int64_t k, std::int64_t dim, bool largest,
                              bool sorted) {
  const Device d = common_device(TopK::name, &x, 1);
  TopK op;
  op.k = k;
  op.dim = normalize_dim(dim, x.rank(), TopK::name);
  op.largest = largest;
  op.sorted = sorted;
  if (d.is_lazy()) {  // two graph nodes, one per result
    Tensor values = run_op(op, {x});
    op.indices = true;
    return {values, run_op(op, {x})};
  }
  const TensorSpec vs = op.infer({spec_of(x)});
  TopKResult r{Tensor::empty(vs.shape, vs.dtype), Tensor::empty(vs.shape, int64)};
  detail::topk_kernel(op, x, &r.values, &r.indices);  // eagerly: both in one pass
  return r;
}

NEURON_INLINE Tensor triu(const Tensor& x, std::int64_t diagonal) {
  Triu op;
  op.diagonal = diagonal;
  return run_op(op, {x});
}
NEURON_INLINE Tensor tril(const Tensor& x, std::int64_t diagonal) {
  Tril op;
  op.diagonal = diagonal;
  return run_op(op, {x});
}

}  // namespace neuron
