// Printing in PyTorch's style: values with a common width and precision 4, scientific notation when
// magnitudes call for it, "..." summaries for large tensors; then the shape and dtype.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "tensor.hpp"

namespace neuron {

struct PrintOptions {
  int precision = 4;
  std::int64_t threshold = 1000;  // summarize above this many elements
  std::int64_t edgeitems = 3;
  int linewidth = 80;
};

std::string to_string(const Tensor& t, const PrintOptions& opt = {});

std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "print-inl.hpp"
#endif
