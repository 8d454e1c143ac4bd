// Definitions of group_norm.hpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "any_op-inl.hpp"
#include "group_norm.hpp"

namespace neuron {

NEURON_INLINE TensorSpec GroupNorm::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 1 + (has_weight ? 1 : 0) + (has_bias ? 1 : 0));
  const TensorSpec& x = in[0];
  if (!is_floating(x.dtype))
    throw_error<DTypeError>("group_norm: input dtype must be float32 or float64, got ", x.dtype);
  if (x.shape.rank() < 2)
    throw_error<ShapeError>("group_norm: input must be [B, C, ...], got shape ", x.shape);
  if (groups < 1) throw_error<ValueError>("group_norm: groups must be >= 1, got ", groups);
  if (!(eps >= 0)) throw_error<ValueError>("group_norm: eps must be >= 0, got ", eps);
  const std::int64_t c = x.shape[1];
  if (c % groups != 0)
    throw_error<ShapeError>("group_norm: groups ", groups, " do not divide the input's ", c,
                            " channels ", x.shape);
  for (std::size_t k = 1; k < in.size(); ++k) {
    const char* what = (k == 1 && has_weight) ? "weight" : "bias";
    if (in[k].shape != Shape({c}))
      throw_error<ShapeError>("group_norm: ", what, " has shape ", in[k].shape, ", expected [", c,
                              "] for input ", x.shape);
    if (in[k].dtype != x.dtype)
      throw_error<DTypeError>("group_norm: ", what, " has dtype ", in[k].dtype,
                              " but the input has ", x.dtype);
  }
  return x;
}

// Samples stay apart; channels and positions of a group mix.
NEURON_INLINE DimFlow GroupNorm::dim_flow(const std::vector<TensorSpec>& in,
                                          const TensorSpec&) const {
  DimFlow f = DimFlow::all(in, DimFlow::kMixed);
  f.set(0, 0, 0);
  return f;
}

NEURON_INLINE void GroupNorm::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  const std::int64_t b = x.shape()[0], c = x.shape()[1];
  const std::int64_t inner = b * c ? x.numel() / (b * c) : 0;
  const std::int64_t cg = c / groups, n = cg * inner;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* w = has_weight ? in[1].data<T>() : nullptr;
      const T* bias = has_bias ? in[has_weight ? 2 : 1].data<T>() : nullptr;
      const T* xp = x.data<T>();
      T* yp = out.data<T>();
      for (std::int64_t i = 0; i < b * groups; ++i) {
        const T* xg = xp + i * n;
        T* yg = yp + i * n;
        double mean = 0, var = 0;
        for (std::int64_t j = 0; j < n; ++j) mean += xg[j];
        mean /= static_cast<double>(n ? n : 1);
        for (std::int64_t j = 0; j < n; ++j) {
          const double d = xg[j] - mean;
          var += d * d;
        }
        var /= static_cast<double>(n ? n : 1);
        const double rstd = 1.0 / std::sqrt(var + eps);
        for (std::int64_t k = 0; k < cg; ++k) {
          const std::int64_t ch = (i % groups) * cg + k;
          const double a = rstd * (w ? w[ch] : T(1));
          const double sh = (bias ? bias[ch] : T(0)) - mean * a;
          for (std::int64_t j = 0; j < inner; ++j)
            yg[k * inner + j] = static_cast<T>(xg[k * inner + j] * a + sh);
        }
      }
    }
  });
}

NEURON_INLINE Tensor group_norm(const Tensor& x, std::int64_t groups, const Tensor& weight,
                                const Tensor& bias, double eps) {
  GroupNorm op;
  op.groups = groups;
  op.eps = eps;
  op.has_weight = weight.defined();
  op.has_bias = bias.defined();
  std::vector<Tensor> inputs{x};
  if (op.has_weight) inputs.push_back(weight);
  if (op.has_bias) inputs.push_back(bias);
  return run_op(op, inputs);
}

}  // namespace neuron
