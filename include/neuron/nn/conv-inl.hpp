// Definitions of conv.hpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "../core/random.hpp"
#include "../ops/conv.hpp"
#include "conv.hpp"
#include "module-inl.hpp"

namespace neuron::nn {

namespace detail {
// torch's default for convolutions: kaiming_uniform_(a=sqrt(5)) on the weight and
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the bias; fan_in = weight.size(1) * prod(kernel).

inline void check_conv_channels(const char* layer, std::int64_t in, std::int64_t out,
                                std::int64_t groups) {
  if (in <= 0 || out <= 0)
    throw_error<ValueError>(layer, ": channel counts must be > 0, got in=", in, " out=", out);
  if (groups <= 0) throw_error<ValueError>(layer, ": groups must be > 0, got ", groups);
  if (in % groups != 0)
    throw_error<ValueError>(layer, ": in_channels ", in, " must be divisible by groups ", groups);
  if (out % groups != 0)
    throw_error<ValueError>(layer, ": out_channels ", out, " must be divisible by groups ", groups);
}

inline double conv_bound(const Shape& weight) {
  std::int64_t fan_in = weight[1];
  for (int d = 2; d < weight.rank(); ++d) fan_in *= weight[d];
  return fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
}
}  // namespace detail

NEURON_INLINE Conv1d::Conv1d(const Conv1dOptions& o) : options_(o) {
  detail::check_conv_channels("Conv1d", o.in_channels(), o.out_channels(), o.groups());
  if (o.kernel_size() < 1)
    throw_error<ValueError>("Conv1d: kernel_size must be >= 1, got ", o.kernel_size());
  Shape ws({o.out_channels(), o.in_channels() / o.groups(), o.kernel_size()});
  const double bound = detail::conv_bound(ws);
  register_parameter("weight", uniform(ws, -bound, bound));
  if (o.bias()) register_parameter("bias", uniform({o.out_channels()}, -bound, bound));
}

NEURON_INLINE Tensor Conv1d::forward(const Tensor& x) {
  const Conv1dOptions& o = options_;
  return conv1d(x, param("weight"), o.bias() ? param("bias") : Tensor(), o.stride(), o.padding(),
                o.dilation(), o.groups());
}

NEURON_INLINE Conv2d::Conv2d(const Conv2dOptions& o) : options_(o) {
  detail::check_conv_channels("Conv2d", o.in_channels(), o.out_channels(), o.groups());
  if (o.kernel_size().a < 1 || o.kernel_size().b < 1)
    throw_error<ValueError>("Conv2d: kernel_size must be >= 1, got ", Shape(o.kernel_size().vec()));
  Shape ws({o.out_channels(), o.in_channels() / o.groups(), o.kernel_size().a, o.kernel_size().b});
  const double bound = detail::conv_bound(ws);
  register_parameter("weight", uniform(ws, -bound, bound));
  if (o.bias()) register_parameter("bias", uniform({o.out_channels()}, -bound, bound));
}

NEURON_INLINE Tensor Conv2d::forward(const Tensor& x) {
  const Conv2dOptions& o = options_;
  return conv2d(x, param("weight"), o.bias() ? param("bias") : Tensor(), o.stride(), o.padding(),
                o.dilation(), o.groups());
}

NEURON_INLINE ConvTranspose2d::ConvTranspose2d(const ConvTranspose2dOptions& o) : options_(o) {
  detail::check_conv_channels("ConvTranspose2d", o.in_channels(), o.out_channels(), o.groups());
  if (o.kernel_size().a < 1 || o.kernel_size().b < 1)
    throw_error<ValueError>("ConvTranspose2d: kernel_size must be >= 1, got ",
                            Shape(o.kernel_size().vec()));
  // torch: weight [in, out / groups, kh, kw]; fan_in is computed from dim 1 as for any conv.
  Shape ws({o.in_channels(), o.out_channels() / o.groups(), o.kernel_size().a, o.kernel_size().b});
  const double bound = detail::conv_bound(ws);
  register_parameter("weight", uniform(ws, -bound, bound));
  if (o.bias()) register_parameter("bias", uniform({o.out_channels()}, -bound, bound));
}

NEURON_INLINE Tensor ConvTranspose2d::forward(const Tensor& x) {
  const ConvTranspose2dOptions& o = options_;
  return conv_transpose2d(x, param("weight"), o.bias() ? param("bias") : Tensor(), o.stride(),
                          o.padding(), o.output_padding(), o.groups(), o.dilation());
}

}  // namespace neuron::nn
