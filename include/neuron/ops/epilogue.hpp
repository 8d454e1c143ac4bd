// Activations the compiler may fuse into a GEMM or a convolution as an epilogue (the attribute
// `activation` of conv1d / conv2d / fused_linear), applied by oneDNN as a post-op on the output.
// The values are stored in .neuron files: append only (and raise the checks that use gelu_tanh as
// the last one).
#pragma once

#include <cstdint>

namespace neuron {

enum class EpilogueActivation : std::int64_t {
  none = 0,
  relu = 1,
  relu6 = 2,
  silu = 3,
  hardswish = 4,
  gelu_erf = 5,   // gelu (exact, torch's default)
  gelu_tanh = 6,  // gelu(approximate="tanh")
};

}  // namespace neuron
