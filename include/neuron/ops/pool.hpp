// Pooling with torch.nn.functional semantics over N = 1 ([B, C, L]) or N = 2 ([B, C, H, W])
// spatial dims; unbatched inputs ([C, L], [C, H, W]) work too. max_pool runs on oneDNN (float32);
// avg_pool and adaptive_avg_pool run our own loop (float32 and float64), because torch's divisor
// near the border in ceil_mode (count the padding, but not the extra ceil_mode padding) is not one
// of oneDNN's two rules.
#pragma once

#include <cstdint>
#include <memory>
#include <tuple>
#include <vector>

#include "any_op.hpp"

namespace neuron {

namespace detail {
struct PoolPrimitive;  // oneDNN objects of one max pooling for fixed shapes (pool-inl.hpp)
}

template <int N>
struct MaxPool {
  static constexpr const char* name = N == 1 ? "max_pool1d" : "max_pool2d";
  std::vector<std::int64_t> kernel = std::vector<std::int64_t>(N, 1);
  std::vector<std::int64_t> stride = std::vector<std::int64_t>(N, 1);
  std::vector<std::int64_t> padding = std::vector<std::int64_t>(N, 0);
  std::vector<std::int64_t> dilation = std::vector<std::int64_t>(N, 1);
  bool ceil_mode = false;
  bool channels_last = false;      // memory layout of input and output (traced plans, cnn_passes)
  std::int64_t channel_block = 0;  // 0, or channels-last in blocks of 8 / 16 channels (as conv)
  NEURON_ATTRS(kernel, stride, padding, dilation, ceil_mode, channels_last, channel_block)
  static constexpr std::size_t attrs_added_later = 1;  // channel_block (module format 1.2)

  std::shared_ptr<const detail::PoolPrimitive> primitive;  // set by prepare()

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
  void prepare(const std::vector<TensorSpec>& in, const std::vector<const Tensor*>& constants);
};

template <int N>
struct AvgPool {
  static constexpr const char* name = N == 1 ? "avg_pool1d" : "avg_pool2d";
  std::vector<std::int64_t> kernel = std::vector<std::int64_t>(N, 1);
  std::vector<std::int64_t> stride = std::vector<std::int64_t>(N, 1);
  std::vector<std::int64_t> padding = std::vector<std::int64_t>(N, 0);
  bool ceil_mode = false;
  bool count_include_pad = true;
  NEURON_ATTRS(kernel, stride, padding, ceil_mode, count_include_pad)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

template <int N>
struct AdaptiveAvgPool {
  static constexpr const char* name = N == 1 ? "adaptive_avg_pool1d" : "adaptive_avg_pool2d";
  std::vector<std::int64_t> output_size = std::vector<std::int64_t>(N, 1);
  NEURON_ATTRS(output_size)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

// stride 0 (the default) means stride = kernel, as torch's stride=None.
Tensor max_pool1d(const Tensor& x, std::int64_t kernel, std::int64_t stride = 0,
                  std::int64_t padding = 0, std::int64_t dilation = 1, bool ceil_mode = false);
Tensor max_pool2d(const Tensor& x, IntPair kernel, IntPair stride = 0, IntPair padding = 0,
                  IntPair dilation = 1, bool ceil_mode = false);
Tensor avg_pool1d(const Tensor& x, std::int64_t kernel, std::int64_t stride = 0,
                  std::int64_t padding = 0, bool ceil_mode = false, bool count_include_pad = true);
Tensor avg_pool2d(const Tensor& x, IntPair kernel, IntPair stride = 0, IntPair padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true);
Tensor adaptive_avg_pool1d(const Tensor& x, std::int64_t output_size);
Tensor adaptive_avg_pool2d(const Tensor& x, IntPair output_size);

NEURON_EXTERN_TEMPLATE(template struct MaxPool<1>;)
NEURON_EXTERN_TEMPLATE(template struct MaxPool<2>;)
NEURON_EXTERN_TEMPLATE(template struct AvgPool<1>;)
NEURON_EXTERN_TEMPLATE(template struct AvgPool<2>;)
NEURON_EXTERN_TEMPLATE(template struct AdaptiveAvgPool<1>;)
NEURON_EXTERN_TEMPLATE(template struct AdaptiveAvgPool<2>;)

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "pool-inl.hpp"
#endif
