// Definitions of reduce.hpp: the reduction kernels for every dtype.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "any_op-inl.hpp"
#include "layout-inl.hpp"
#include "reduce.hpp"

namespace neuron {

namespace detail {

// Sorted, unique, non-negative dims; empty input means all dims.
NEURON_INLINE std::vector<std::int64_t> normalize_dims(const std::vector<std::int64_t>& dims,
                                                       int rank, const char* op) {
  std::vector<std::int64_t> out;
  if (dims.empty()) {
    for (int i = 0; i < rank; ++i) out.push_back(i);
    return out;
  }
  for (std::int64_t d : dims) {
    std::int64_t n = normalize_dim(d, rank, op);
    if (std::find(out.begin(), out.end(), n) != out.end())
      throw_error<ShapeError>(op, ": dim ", d, " appears more than once in the reduced dims");
    out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  if (rank == 0) out.clear();  // dim 0 / -1 of a 0-d tensor reduces nothing
  return out;
}

NEURON_INLINE Shape reduced_shape(const Shape& s, const std::vector<std::int64_t>& dims,
                                  bool keepdim) {
  Shape out;
  for (int i = 0; i < s.rank(); ++i) {
    bool reduced = std::find(dims.begin(), dims.end(), i) != dims.end();
    if (!reduced)
      out.push_back(s[i]);
    else if (keepdim)
      out.push_back(1);
  }
  return out;
}

template <ReduceKind K, class T, class Out>
void reduce_kernel(const T* x, Out* y, const Split3& s) {
  using Acc = std::conditional_t<
      std::is_floating_point_v<T>, double,
      std::conditional_t<K == ReduceKind::sum || K == ReduceKind::prod, std::uint64_t, T>>;
  std::unique_ptr<Acc[]> acc(new Acc[static_cast<std::size_t>(s.inner)]);  // not vector<bool>
  for (std::int64_t o = 0; o < s.outer; ++o) {
    const T* base = x + o * s.mid * s.inner;
    for (std::int64_t i = 0; i < s.inner; ++i) {
      if constexpr (K == ReduceKind::sum || K == ReduceKind::mean)
        acc[static_cast<std::size_t>(i)] = 0;
      else if constexpr (K == ReduceKind::prod)
        acc[static_cast<std::size_t>(i)] = 1;
      else
        acc[static_cast<std::size_t>(i)] = static_cast<Acc>(base[i]);
    }
    for (std::int64_t m = (K == ReduceKind::max || K == ReduceKind::min) ? 1 : 0; m < s.mid; ++m) {
      const T* row = base + m * s.inner;
      for (std::int64_t i = 0; i < s.inner; ++i) {
        Acc& a = acc[static_cast<std::size_t>(i)];
        Acc v = static_cast<Acc>(row[i]);
        if constexpr (K == ReduceKind::sum || K == ReduceKind::mean) {
          a += v;  // unsigned for integers: wraps like torch, never undefined
        } else if constexpr (K == ReduceKind::prod) {
          a *= v;  // unsigned for integers, as the sum
        } else if constexpr (std::is_floating_point_v<Acc>) {
          if (std::isnan(a)) continue;
          if (std::isnan(v) || (K == ReduceKind::max ? v > a : v < a)) a = v;
        } else {
          if (K == ReduceKind::max ? v > a : v < a) a = v;
        }
      }
    }
    Out* dst = y + o * s.inner;
    for (std::int64_t i = 0; i < s.inner; ++i) {
      Acc a = acc[static_cast<std::size_t>(i)];
      if constexpr (K == ReduceKind::mean)
        dst[i] = static_cast<Out>(a / static_cast<double>(s.mid));
      else
        dst[i] = static_cast<Out>(a);
    }
  }
}

}  // namespace detail

template <class Derived, detail::ReduceKind Kind>
TensorSpec ReduceOp<Derived, Kind>::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(Derived::name, in, 1);
  const TensorSpec& x = in[0];
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0 || dims[i] >= x.shape.rank())
      throw_error<ShapeError>(Derived::name, ": dim ", dims[i], " out of range for rank ",
                              x.shape.rank());
    if (i > 0 && dims[i] <= dims[i - 1])  // the kernel relies on distinct, sorted dims
      throw_error<ShapeError>(Derived::name, ": reduced dims must be distinct and increasing");
  }
  DType out = x.dtype;
  if constexpr (Kind == detail::ReduceKind::sum || Kind == detail::ReduceKind::prod) {
    if (!is_floating(x.dtype)) out = int64;
  } else if constexpr (Kind == detail::ReduceKind::mean) {
    if (!is_floating(x.dtype))
      throw_error<DTypeError>("mean: input dtype must be float32 or float64, got ", x.dtype,
                              "; cast first");
  } else {
    for (std::int64_t d : dims)
      if (x.shape.rank() > 0 && x.shape[static_cast<int>(d)] == 0)
        throw_error<ShapeError>(Derived::name, ": cannot reduce over dim ", d,
                                " of size 0 (input shape ", x.shape, ")");
  }
  return {detail::reduced_shape(x.shape, dims, keepdim), out};
}

template <class Derived, detail::ReduceKind Kind>
DimFlow ReduceOp<Derived, Kind>::dim_flow(const std::vector<TensorSpec>& in,
                                          const TensorSpec&) const {
  DimFlow f = DimFlow::all(in, DimFlow::kMixed);
  int at = 0;
  for (int d = 0; d < in[0].shape.rank(); ++d) {
    bool reduced = std::find(dims.begin(), dims.end(), d) != dims.end();
    if (!reduced) f.set(0, d, at);
    if (!reduced || keepdim) ++at;
  }
  return f;
}

template <class Derived, detail::ReduceKind Kind>
void ReduceOp<Derived, Kind>::pad_rule(PadCheck& c) const {
  const DType t = c.in[0].dtype;
  if constexpr (Kind == detail::ReduceKind::sum) {
    pad_rule_identity(c, 0, "0 there (zero the padded entries, e.g. x * mask)");
  } else if constexpr (Kind == detail::ReduceKind::prod) {
    pad_rule_identity(c, 1, "1 there");
  } else if constexpr (Kind == detail::ReduceKind::max) {
    pad_rule_identity(c, lowest_of(t),
                      pad_fill_str(PadFill::of(lowest_of(t)), t) +
                          " there (e.g. masked_fill(x, mask, -inf) with the padding mask)");
  } else if constexpr (Kind == detail::ReduceKind::min) {
    pad_rule_identity(c, highest_of(t), pad_fill_str(PadFill::of(highest_of(t)), t) + " there");
  } else {
    for (int d = 0; d < c.in[0].shape.rank(); ++d)
      if (c.padded(0, d) && c.flow_of(0, d) == DimFlow::kMixed)
        c.need(0, d,
               "mean divides by the padded size, so no pad value leaves it unchanged; sum the "
               "masked values and divide by the real count instead");
  }
}

template <class Derived, detail::ReduceKind Kind>
void ReduceOp<Derived, Kind>::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  const Shape& s = x.shape();
  // Reduced dims that form one block [first, last] are reduced in place; others are moved last.
  Tensor src = x;
  Split3 sp{s.numel(), 1, 1};  // no dims: reduce nothing
  if (!dims.empty()) {
    bool block = dims.back() - dims.front() + 1 == static_cast<std::int64_t>(dims.size());
    if (block) {
      sp = split_around(s, static_cast<int>(dims.front()), static_cast<int>(dims.back()) + 1);
    } else {
      std::vector<int> perm;
      Shape ps;
      for (int i = 0; i < s.rank(); ++i)
        if (std::find(dims.begin(), dims.end(), i) == dims.end()) perm.push_back(i);
      int kept = static_cast<int>(perm.size());
      for (std::int64_t d : dims) perm.push_back(static_cast<int>(d));
      for (int p : perm) ps.push_back(s[p]);
      src = Tensor::empty(ps, x.dtype());
      permute_copy(x.raw_data(), s, perm, src.raw_data(), dtype_size(x.dtype()));
      sp = split_around(ps, kept, ps.rank());
    }
  }
  visit_dtype(x.dtype(), [&](auto tin) {
    using T = decltype(tin);
    visit_dtype(out.dtype(), [&](auto tout) {
      using O = decltype(tout);
      if constexpr (std::is_same_v<T, O> || Kind == detail::ReduceKind::sum ||
                    Kind == detail::ReduceKind::prod)
        detail::reduce_kernel<Kind>(static_cast<const T*>(src.raw_data()),
                                    static_cast<O*>(out.raw_data()), sp);
    });
  });
}

#ifndef NEURON_HEADER_ONLY
template struct ReduceOp<Sum, detail::ReduceKind::sum>;
template struct ReduceOp<Mean, detail::ReduceKind::mean>;
template struct ReduceOp<Max, detail::ReduceKind::max>;
template struct ReduceOp<Min, detail::ReduceKind::min>;
template struct ReduceOp<Prod, detail::ReduceKind::prod>;
#endif

namespace detail {
template <class Op>
Tensor reduce(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  Op op;
  op.dims = normalize_dims(dims, x.rank(), Op::name);
  op.keepdim = keepdim;
  return run_op(op, {x});
}
}  // namespace detail

// Reduce over `dims` (all dims when empty); keepdim keeps them as size 1.
NEURON_INLINE Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return detail::reduce<Sum>(x, dims, keepdim);
}
NEURON_INLINE Tensor sum(const Tensor& x, std::int64_t dim, bool keepdim) {
  return sum(x, std::vector<std::int64_t>{dim}, keepdim);
}
NEURON_INLINE Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return detail::reduce<Mean>(x, dims, keepdim);
}
NEURON_INLINE Tensor mean(const Tensor& x, std::int64_t dim, bool keepdim) {
  return mean(x, std::vector<std::int64_t>{dim}, keepdim);
}
NEURON_INLINE Tensor max(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return detail::reduce<Max>(x, dims, keepdim);
}
NEURON_INLINE Tensor max(const Tensor& x, std::int64_t dim, bool keepdim) {
  return max(x, std::vector<std::int64_t>{dim}, keepdim);
}
NEURON_INLINE Tensor min(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return detail::reduce<Min>(x, dims, keepdim);
}
NEURON_INLINE Tensor min(const Tensor& x, std::int64_t dim, bool keepdim) {
  return min(x, std::vector<std::int64_t>{dim}, keepdim);
}
NEURON_INLINE Tensor prod(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return detail::reduce<Prod>(x, dims, keepdim);
}
NEURON_INLINE Tensor prod(const Tensor& x, std::int64_t dim, bool keepdim) {
  return prod(x, std::vector<std::int64_t>{dim}, keepdim);
}

}  // namespace neuron
