// Definitions of batch_norm.hpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "any_op-inl.hpp"
#include "batch_norm.hpp"
#include "channel_block.hpp"

namespace neuron {

NEURON_INLINE TensorSpec BatchNorm::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 3 + (has_weight ? 1 : 0) + (has_bias ? 1 : 0));
  const TensorSpec& x = in[0];
  if (!is_floating(x.dtype))
    throw_error<DTypeError>("batch_norm: input dtype must be float32 or float64, got ", x.dtype);
  if (x.shape.rank() < 2)
    throw_error<ShapeError>("batch_norm: input must be [B, C, ...], got shape ", x.shape);
  if (!(eps >= 0)) throw_error<ValueError>("batch_norm: eps must be >= 0, got ", eps);
  const std::int64_t c = x.shape[1];
  detail::check_channel_block(name, "input", channel_block, channels_last, x.shape, x.shape.rank());
  const char* names[] = {"running_mean", "running_var", "weight", "bias"};
  for (std::size_t k = 1; k < in.size(); ++k) {
    const char* what = names[k <= 2 ? k - 1 : (k == 3 && has_weight ? 2 : 3)];
    if (in[k].shape != Shape({c}))
      throw_error<ShapeError>("batch_norm: ", what, " has shape ", in[k].shape, ", expected [", c,
                              "] for input ", x.shape);
    if (in[k].dtype != x.dtype)
      throw_error<DTypeError>("batch_norm: ", what, " has dtype ", in[k].dtype,
                              " but the input has ", x.dtype);
  }
  return x;
}

// Per channel: nothing is mixed; the statistics follow the channel dim.
NEURON_INLINE DimFlow BatchNorm::dim_flow(const std::vector<TensorSpec>& in,
                                          const TensorSpec& out) const {
  DimFlow f = DimFlow::all(in, DimFlow::kMixed);
  for (int d = 0; d < out.shape.rank(); ++d) f.set(0, d, d);
  for (std::size_t k = 1; k < in.size(); ++k) f.set(k, 0, 1);
  return f;
}

NEURON_INLINE void BatchNorm::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  const Shape& s = x.shape();
  const std::int64_t b = s[0], c = s[1];
  const std::int64_t inner = c ? x.numel() / std::max<std::int64_t>(b * c, 1) : 0;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* mean = in[1].data<T>();
      const T* var = in[2].data<T>();
      const T* w = has_weight ? in[3].data<T>() : nullptr;
      const T* bias = has_bias ? in[has_weight ? 4 : 3].data<T>() : nullptr;
      std::vector<T> scale(static_cast<std::size_t>(c)), shift(static_cast<std::size_t>(c));
      for (std::int64_t k = 0; k < c; ++k) {  // y = x * scale + shift, as torch's CPU kernel
        const T invstd = static_cast<T>(1.0 / std::sqrt(static_cast<double>(var[k]) + eps));
        const T a = w ? w[k] * invstd : invstd;
        scale[static_cast<std::size_t>(k)] = a;
        shift[static_cast<std::size_t>(k)] = (bias ? bias[k] : T(0)) - mean[k] * a;
      }
      const T* xp = x.data<T>();
      T* yp = out.data<T>();
      if (channels_last && channel_block > 0) {  // [B, C / block, spatial..., block]
        // The block a compile-time constant: the inner loop is one vector op per value run.
        auto blocks = [&](auto block) {
          constexpr std::int64_t blk = decltype(block)::value;
          for (std::int64_t i = 0; i < b * (c / blk); ++i) {
            const T* a = scale.data() + i % (c / blk) * blk;
            const T* sh = shift.data() + i % (c / blk) * blk;
            const T* xi = xp + i * inner * blk;
            T* yi = yp + i * inner * blk;
            for (std::int64_t j = 0; j < inner; ++j)
              for (std::int64_t k = 0; k < blk; ++k)
                yi[j * blk + k] = xi[j * blk + k] * a[k] + sh[k];
          }
        };
        if (channel_block == 16)
          blocks(std::integral_constant<std::int64_t, 16>{});
        else
          blocks(std::integral_constant<std::int64_t, 8>{});
        return;
      }
      if (channels_last) {  // [B, spatial..., C]: the channel varies fastest
        for (std::int64_t r = 0; r < b * inner; ++r)
          for (std::int64_t k = 0; k < c; ++k)
            yp[r * c + k] = xp[r * c + k] * scale[static_cast<std::size_t>(k)] +
                            shift[static_cast<std::size_t>(k)];
        return;
      }
      for (std::int64_t i = 0; i < b; ++i)
        for (std::int64_t k = 0; k < c; ++k) {
          const T a = scale[static_cast<std::size_t>(k)], sh = shift[static_cast<std::size_t>(k)];
          const std::int64_t base = (i * c + k) * inner;
          for (std::int64_t j = 0; j < inner; ++j) yp[base + j] = xp[base + j] * a + sh;
        }
    }
  });
}

NEURON_INLINE Tensor batch_norm(const Tensor& x, const Tensor& running_mean,
                                const Tensor& running_var, const Tensor& weight, const Tensor& bias,
                                double eps) {
  BatchNorm op;
  op.eps = eps;
  op.has_weight = weight.defined();
  op.has_bias = bias.defined();
  std::vector<Tensor> inputs{x, running_mean, running_var};
  if (op.has_weight) inputs.push_back(weight);
  if (op.has_bias) inputs.push_back(bias);
  return run_op(op, inputs);
}

}  // namespace neuron
