// Definitions of softmax.hpp: the xsimd kernels.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "../core/parallel.hpp"
#include "any_op-inl.hpp"
#include "isa_kernels-inl.hpp"
#include "layout-inl.hpp"
#include "softmax.hpp"
#include "softmax_kernels.hpp"

namespace neuron {

namespace detail {

// Rows are independent: they are split between threads, at least kRowGrain elements each.
constexpr std::int64_t kRowGrain = 16384;

template <bool Log, class T>
void softmax_kernel(const T* x, T* y, const Split3& s) {
  const std::int64_t D = s.mid, I = s.inner;
  if (D == 0) return;
  const std::int64_t grain =
      std::max<std::int64_t>(1, kRowGrain / std::max<std::int64_t>(1, D * I));
  parallel_for(s.outer, grain, [&](std::int64_t begin, std::int64_t end) {
    const IsaKernels* k = std::is_same_v<T, float> ? isa_kernels() : nullptr;
    if (k) {  // the instruction set picked at start-up (isa_kernels.hpp)
      const auto* xf = reinterpret_cast<const float*>(x);
      auto* yf = reinterpret_cast<float*>(y);
      if (I == 1)
        k->softmax_rows_f32(xf, yf, D, begin, end, Log);
      else
        k->softmax_blocks_f32(xf, yf, D, I, begin, end, Log);
    } else if (I == 1) {
      softmax_rows<Log>(x, y, D, begin, end);
    } else {  // reduction over a middle dim: work on `inner`-long contiguous rows
      softmax_blocks<Log>(x, y, D, I, begin, end);
    }
  });
}

}  // namespace detail

template <class Derived, bool Log>
TensorSpec SoftmaxOp<Derived, Log>::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(Derived::name, in, 1);
  if (!is_floating(in[0].dtype))
    throw_error<DTypeError>(Derived::name, ": input dtype must be float32 or float64, got ",
                            in[0].dtype, "; cast first");
  normalize_dim(dim, in[0].shape.rank(), Derived::name);
  return in[0];
}
template <class Derived, bool Log>
DimFlow SoftmaxOp<Derived, Log>::dim_flow(const std::vector<TensorSpec>& in,
                                          const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast(in, out);
  f.set(0, static_cast<int>(normalize_dim(dim, in[0].shape.rank(), Derived::name)),
        DimFlow::kMixed);
  return f;
}
template <class Derived, bool Log>
void SoftmaxOp<Derived, Log>::pad_rule(PadCheck& c) const {
  const int d = static_cast<int>(normalize_dim(dim, c.in[0].shape.rank(), Derived::name));
  if (!c.padded(0, d)) return;
  const double neg_inf = -std::numeric_limits<double>::infinity();
  if (c.fill(0, d).is(neg_inf)) {
    c.identity(0, d, d);  // the dim goes on, its padded entries now probability 0
    c.set_out(d, PadFill::of(Log ? neg_inf : 0.0));
  } else {
    c.need(0, d,
           "it needs -inf there (mask the padded keys: a bool key padding mask padded with true, "
           "masked_fill(x, mask, -inf), or an additive mask padded with -inf)");
  }
}

template <class Derived, bool Log>
void SoftmaxOp<Derived, Log>::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  int d = normalize_dim(dim, x.rank(), Derived::name);
  Split3 s = x.rank() == 0 ? Split3{1, 1, 1} : split_around(x.shape(), d, d + 1);
  if (x.dtype() == float32)
    detail::softmax_kernel<Log>(x.data<float>(), out.data<float>(), s);
  else
    detail::softmax_kernel<Log>(x.data<double>(), out.data<double>(), s);
}

#ifndef NEURON_HEADER_ONLY
template struct SoftmaxOp<Softmax, false>;
template struct SoftmaxOp<LogSoftmax, true>;
#endif

NEURON_INLINE Tensor softmax(const Tensor& x, std::int64_t dim) {
  Softmax op;
  op.dim = normalize_dim(dim, x.rank(), Softmax::name);
  return run_op(op, {x});
}
NEURON_INLINE Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  LogSoftmax op;
  op.dim = normalize_dim(dim, x.rank(), LogSoftmax::name);
  return run_op(op, {x});
}

}  // namespace neuron
